// Entry file: the service with the workers named on the command line (all when none), as
// `report-inbox worker` runs it. node dist/workers/main.js [watch|process|outgoing|schedule|web …]
import { runService } from "../src/app/service.ts";

await runService({ names: process.argv.slice(2) });
