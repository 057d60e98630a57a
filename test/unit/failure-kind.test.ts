import { describe, expect, it } from "vitest";
import {
  failureKind,
  type TransientRetry,
  type TransientTries,
  transientRetry,
} from "../../src/adapters/failure-kind.ts";

const sysError = (code: string) => Object.assign(new Error(`${code}: failed`), { code });

/** Feeds the same failure to transientRetry until it gives up (or `max` times). */
function retryUntilGiveUp(err: unknown, limit: number, max = 50) {
  let so: TransientTries = { tries: 0 };
  const steps: TransientRetry[] = [];
  for (let i = 0; i < max; i++) {
    const step = transientRetry(err, so, limit);
    steps.push(step);
    if ("giveUp" in step) break;
    so = step.counts;
  }
  return steps;
}

describe("transient failures of one message", () => {
  it("a message that keeps running out of memory is failed with a Chinese reason after the limit", () => {
    const err = new Error("处理失败", { cause: sysError("ENOMEM") });
    expect(failureKind(err)).toBe("transient");
    const steps = retryUntilGiveUp(err, 6);
    expect(steps).toHaveLength(6);
    expect(steps.slice(0, 5).every((s) => "retryInMs" in s)).toBe(true);
    const last = steps.at(-1)!;
    expect("giveUp" in last && last.giveUp).toMatch(/连续 6 次.*内存不足 \(ENOMEM\).*已停止自动处理/);
  });

  it("a read error (EIO) again and again gives up too", () => {
    const last = retryUntilGiveUp(sysError("EIO"), 3).at(-1)!;
    expect("giveUp" in last && last.giveUp).toMatch(/连续 3 次.*读写错误 \(EIO\)/);
  });

  it("the machine's trouble (disk full, database locked, Redis away) waits without end", () => {
    for (const err of [
      sysError("ENOSPC"),
      Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" }),
      sysError("ECONNREFUSED"),
    ]) {
      const steps = retryUntilGiveUp(err, 6, 40);
      expect(steps).toHaveLength(40);
      expect(steps.every((s) => "retryInMs" in s)).toBe(true);
      // The wait grows to its ceiling and stays there.
      expect(steps.map((s) => ("retryInMs" in s ? s.retryInMs : 0)).at(-1)).toBe(120_000);
    }
  });

  it("counts ENOMEM/EIO in a row only: a disk-full wait in between starts the count again", () => {
    let so: TransientTries = { tries: 0 };
    const oom = sysError("ENOMEM");
    for (let i = 0; i < 5; i++) {
      const step = transientRetry(oom, so, 6);
      expect("retryInMs" in step).toBe(true);
      so = step.counts;
    }
    so = transientRetry(sysError("ENOSPC"), so, 6).counts;
    expect(so).toEqual({ tries: 6, ownTries: 0 });
    const after = transientRetry(oom, so, 6);
    expect("retryInMs" in after).toBe(true);
  });
});
