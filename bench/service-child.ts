// One service process for the bench: the real createRuntime + startWorkers, driven over IPC so
// the bench can start the clock when the workers start and stop them cleanly.
// argv: <config file> <worker names, comma-separated>
import type { RunningWorkers } from "../src/app/start-workers.ts";

type ToChild = { type: "go" } | { type: "stop" } | { type: "count" };

function send(message: Record<string, unknown>): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const [configFile, names] = process.argv.slice(2);
  if (!configFile || !names) throw new Error("usage: service-child.ts <config> <workers>");
  const { loadConfig } = await import("../src/config/load.ts");
  const { createLogger } = await import("../src/logger.ts");
  const { createRuntime } = await import("../src/app/runtime.ts");
  const { startWorkers } = await import("../src/app/start-workers.ts");
  const config = loadConfig({ file: configFile, env: {} });
  const logger = createLogger({ level: process.env.BENCH_LOG_LEVEL ?? "warn", pretty: false });
  const rt = await createRuntime({ config, logger });
  let running: RunningWorkers | null = null;
  process.on("message", (m: ToChild) => {
    if (m.type === "count") {
      send({ type: "count", ...rt.queryCounts() });
    } else if (m.type === "go") {
      const at = Date.now();
      startWorkers(rt, names.split(",") as never)
        .then((r) => {
          running = r;
          send({ type: "started", at });
        })
        .catch((err: Error) => send({ type: "error", message: `startWorkers: ${err.message}` }));
    } else if (m.type === "stop") {
      (async () => {
        await running?.stop();
        await rt.close();
        send({ type: "stopped" });
        // Lets --cpu-prof write its profile (it is written on a normal exit).
        process.exit(0);
      })().catch((err: Error) => {
        send({ type: "error", message: `stop: ${err.message}` });
        process.exit(1);
      });
    }
  });
  // The bench went away (Ctrl-C, crash): never outlive it.
  process.on("disconnect", () => process.exit(0));
  send({ type: "ready" });
}

main().catch((err: Error) => {
  send({ type: "error", message: err.message });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100);
});
