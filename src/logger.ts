import pino, { type Logger } from "pino";

export type { Logger };

/**
 * JSON lines in production; a readable form when stdout is a terminal or LOG_PRETTY=1.
 * Secrets are redacted by path as a second line of defence: they should never be logged at all.
 */
export function createLogger(options: { level?: string; pretty?: boolean; name?: string } = {}): Logger {
  const pretty =
    options.pretty ?? (process.env.LOG_PRETTY === "1" || (process.stdout.isTTY && !process.env.CI));
  return pino({
    name: options.name ?? "report-inbox",
    level: options.level ?? process.env.LOG_LEVEL ?? "info",
    redact: {
      paths: ["*.pass", "*.password", "pass", "password", "auth.pass", "*.auth.pass"],
      censor: "******",
    },
    ...(pretty
      ? { transport: { target: "pino-pretty", options: { translateTime: "SYS:standard", destination: 2 } } }
      : {}),
  });
}

/** A logger that writes nothing, for tests that do not look at logs. */
export const silentLogger: Logger = pino({ level: "silent" });
