import { currentCollectionPeriod } from "../../src/domain/period.ts";
import type { BenchUnit } from "../corpus/units.ts";
import { createServiceEnv, type EnvOptions } from "../env.ts";
import { waitUntil } from "../stats.ts";

export interface FanoutResult {
  seconds: number;
  reminders: number;
  unreachable: number;
  officeLog: boolean;
  xlsxBytes: number;
  accepted: number;
}

/**
 * A reminder stage for every unit (none has reported: all 46 are due a reminder) and the office
 * receipt log with its .xlsx, from the call into send-reminders / receipt-log until the SMTP
 * server has accepted every one of them. The outgoing worker runs in this process (createRuntime
 * + startWorkers(["outgoing"])) against the bench's SMTP server.
 */
export async function runFanout(o: {
  env: Omit<EnvOptions, "name" | "imap" | "smtpPort">;
  units: BenchUnit[];
}): Promise<FanoutResult> {
  const { startSmtpServer } = await import("../../test/helpers/smtp-server.ts");
  const { loadConfig } = await import("../../src/config/load.ts");
  const { silentLogger } = await import("../../src/logger.ts");
  const { createRuntime } = await import("../../src/app/runtime.ts");
  const { startWorkers } = await import("../../src/app/start-workers.ts");
  const { sendReminderStage } = await import("../../src/usecases/send-reminders.ts");
  const { sendReceiptLog } = await import("../../src/usecases/receipt-log.ts");
  const smtp = await startSmtpServer();
  const env = await createServiceEnv({ ...o.env, name: "fanout", smtpPort: smtp.port });
  let stopWorkers: (() => Promise<void>) | null = null;
  let closeRuntime: (() => Promise<void>) | null = null;
  try {
    const config = loadConfig({ file: env.configFile, env: {} });
    const rt = await createRuntime({ config, logger: silentLogger });
    closeRuntime = rt.close;
    const running = await startWorkers(rt, ["outgoing"]);
    stopWorkers = running.stop;
    const now = new Date();
    const period = currentCollectionPeriod(now, config.timezone);
    const deps = { repos: rt.repos, config, clock: rt.clock, queue: rt.outgoingQueue };
    const started = performance.now();
    const stage = await sendReminderStage(deps, {
      period,
      stage: config.reminders.stages[0]?.name ?? "first",
      now,
    });
    const log = await sendReceiptLog(deps, { period, now, kind: "bench" });
    const expected = stage.targets.length + 1;
    await waitUntil(
      async () => (smtp.messages.length >= expected ? true : undefined),
      `SMTP 服务器收到 ${expected} 封邮件 (已收到 ${smtp.messages.length})`,
      120_000,
      5,
    );
    const seconds = (performance.now() - started) / 1000;
    const digest = smtp.messages.find((m) => m.parsed.attachments.some((a) => a.filename?.endsWith(".xlsx")));
    return {
      seconds,
      reminders: stage.targets.length,
      unreachable: stage.unreachable.length,
      officeLog: Boolean(digest),
      xlsxBytes: log.log.xlsx.length,
      accepted: smtp.messages.length,
    };
  } finally {
    await stopWorkers?.();
    await closeRuntime?.();
    await smtp.stop();
    await env.cleanup();
  }
}
