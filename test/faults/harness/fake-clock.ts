import { existsSync } from "node:fs";

// The clock of a real service process, set from outside: libfaketime (Debian: faketime,
// libfaketime) preloaded into `report-inbox worker` shifts what the process reads as the wall
// clock (clock_gettime(CLOCK_REALTIME), which Date.now and new Date use) by a fixed offset, and
// the shifted clock runs on in real time. Nothing in the service changes: the systemClock, node-
// cron's minute tick, nodemailer's Date header, bullmq's timestamps all read the same shifted
// time, so the scheduler runs exactly the path it runs in production.
//
// A relative offset rather than an absolute start ("@2025-01-20 08:59:50"): the children the
// service starts (OCR, LibreOffice) inherit the variables and read the same time, and no local
// time zone is involved in reading the setting.
//
// The monotonic clock is left alone (FAKETIME_DONT_FAKE_MONOTONIC): timers and timeouts keep
// their real lengths. Redis, Dovecot and the database are not shifted; the service does not
// compare its time with theirs (bullmq's scripts take every timestamp from the client, the
// repositories stamp rows with the service's clock).

const arch = process.arch === "arm64" ? "aarch64" : "x86_64";
export const libfaketime = `/usr/lib/${arch}-linux-gnu/faketime/libfaketime.so.1`;

/**
 * Environment that starts a process with its wall clock at `at` (it runs on from there).
 * The offset is taken now, so spawn the process right after.
 */
export function fakeClockEnv(at: Date): Record<string, string> {
  if (!existsSync(libfaketime))
    throw new Error(`libfaketime is missing (${libfaketime}): apt-get install faketime libfaketime`);
  const offset = Math.round((at.getTime() - Date.now()) / 1000);
  const preload = process.env.LD_PRELOAD ? `${libfaketime}:${process.env.LD_PRELOAD}` : libfaketime;
  return {
    LD_PRELOAD: preload,
    FAKETIME: `${offset >= 0 ? "+" : ""}${offset}s`,
    FAKETIME_DONT_FAKE_MONOTONIC: "1",
  };
}
