import { describe, expect, it } from "vitest";
import { reconnectDelayMs } from "../../src/adapters/imap/client.ts";

const imap = { reconnectMinSeconds: 2, reconnectMaxSeconds: 60 };

describe("reconnectDelayMs: capped exponential backoff with half jitter", () => {
  it.each<[number, number, number]>([
    // attempt, random, delay: ceiling = min(60 s, 2 s · 2^attempt); delay = ceiling/2 + random·ceiling/2
    [0, 0, 1000],
    [0, 1, 2000],
    [1, 0, 2000],
    [1, 0.5, 3000],
    [2, 1, 8000],
    [4, 0, 16_000],
    [5, 1, 60_000],
    [5, 0, 30_000],
    [30, 1, 60_000],
    [1000, 0.5, 45_000],
  ])("attempt %i, random %f → %i ms", (attempt, random, delay) => {
    expect(reconnectDelayMs(attempt, imap, () => random)).toBe(delay);
  });

  it("never waits less than half the minimum, nor more than the cap", () => {
    for (let attempt = 0; attempt < 40; attempt++) {
      for (const r of [0, 0.25, 0.999]) {
        const d = reconnectDelayMs(attempt, imap, () => r);
        expect(d).toBeGreaterThanOrEqual(1000);
        expect(d).toBeLessThanOrEqual(60_000);
      }
    }
  });

  it("a cap below the minimum is raised to the minimum", () => {
    expect(reconnectDelayMs(10, { reconnectMinSeconds: 5, reconnectMaxSeconds: 1 }, () => 1)).toBe(5000);
  });
});
