// Entry file: only the outgoing worker in this process (see src/app/service.ts).
import { runService } from "../src/app/service.ts";

await runService({ names: ["outgoing"] });
