// Entry file: only the web worker in this process (see src/app/service.ts).
import { runServiceMain } from "../src/app/service.ts";

await runServiceMain(["web"]);
