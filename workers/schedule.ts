// Entry file: only the schedule worker in this process (see src/app/service.ts).
import { runServiceMain } from "../src/app/service.ts";

await runServiceMain(["schedule"]);
