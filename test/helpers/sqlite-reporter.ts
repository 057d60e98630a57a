// A worker-like process for the SQLite concurrency test: logs REPORTS reports of one unit and
// period, each in its own recordReport transaction (reads the contributions, then writes), as
// a process worker does. Prints {"logged": n, "failures": [...]} as its last line.
// argv: <sqlite file> <tag>
import { openDb } from "../../src/adapters/db/connect.ts";
import { createRepositories } from "../../src/adapters/db/repositories.ts";
import { systemClock } from "../../src/clock.ts";
import { recordReport } from "../../src/usecases/record-receipt.ts";

const [file, tag] = process.argv.slice(2);
const reports = Number(process.env.REPORTS ?? 100);
const opened = await openDb({ databaseUrl: `sqlite:${file}`, dataDir: "." });
const repos = createRepositories({ ...opened, clock: systemClock });
const failures: string[] = [];
let logged = 0;
for (let i = 0; i < reports; i++) {
  const id = `${tag}-${String(i).padStart(4, "0")}-`.padEnd(64, "x");
  const receivedAt = new Date(Date.UTC(2026, 10, 1, 0, 0, i));
  try {
    await repos.messages.insert({ id, source: "test", raw_size: 1, received_at: receivedAt.toISOString() });
    await recordReport(
      repos,
      {
        messageId: id,
        receivedAt,
        reason: null,
        verdict: {
          kind: "report",
          unitId: "市生态环境局",
          matchedBy: "sender",
          senderVerified: true,
          trust: "verified",
          period: "2026-10",
          periodSource: "default",
          late: false,
          hasScan: i % 2 === 0,
          hasElectronic: i % 2 === 1,
          contacts: [],
          notes: [],
        },
      },
      { deadlineDay: 28, tz: "Asia/Shanghai" },
    );
    logged++;
  } catch (err) {
    failures.push((err as Error).message);
  }
}
await opened.close();
console.log(JSON.stringify({ logged, failures: [...new Set(failures)] }));
