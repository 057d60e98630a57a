import { describe, expect, it } from "vitest";
import { outgoingAttempts, outgoingRetryDelayMs } from "../../src/adapters/queue/enqueue.ts";

// A mail that meets 4xx answers (a throttling provider, a server down overnight) is tried again
// for about a day, never more than 30 minutes apart, before it ends 发送失败.
describe("outgoing mail's retries", () => {
  it("waits 30 s, then doubles, and never more than 30 minutes", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 40].map((n) => outgoingRetryDelayMs(n) / 1000)).toEqual([
      30, 60, 120, 240, 480, 960, 1800, 1800, 1800,
    ]);
  });

  it("keeps trying for a little over a day in all", () => {
    let totalMs = 0;
    for (let made = 1; made < outgoingAttempts; made++) totalMs += outgoingRetryDelayMs(made);
    const hours = totalMs / 3_600_000;
    expect(hours).toBeGreaterThanOrEqual(24);
    expect(hours).toBeLessThan(25);
  });
});
