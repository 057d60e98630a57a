// Entry file: only the watch worker in this process (see src/app/service.ts).
import { runServiceMain } from "../src/app/service.ts";

await runServiceMain(["watch"]);
