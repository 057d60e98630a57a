// Entry file: the service with the workers named on the command line (all when none), as
// `report-inbox worker` runs it. node dist/workers/main.js [watch|process|outgoing|schedule|web …]
import { runServiceMain } from "../src/app/service.ts";

await runServiceMain(process.argv.slice(2));
