import { describe, expect, it } from "vitest";
import { createInlineProcessor } from "../../src/app/inline-processing.ts";
import { silentLogger } from "../../src/logger.ts";

const tick = () => new Promise((r) => setTimeout(r, 1));

describe("processing in the sync command's own process", () => {
  it("processes every message handed over once, a few at a time, and says when all are done", async () => {
    const done: string[] = [];
    let running = 0;
    let most = 0;
    const inline = createInlineProcessor({
      process: async (id) => {
        running++;
        most = Math.max(most, running);
        await tick();
        running--;
        done.push(id);
      },
      fallback: async () => {
        throw new Error("nothing should fail");
      },
      logger: silentLogger,
      concurrency: 3,
      maxWaiting: 4,
    });
    const ids = Array.from({ length: 20 }, (_, i) => `m${i}`);
    // The same message handed over twice while it is still waiting or running (a resync) runs once.
    for (const id of ids) {
      await inline.enqueue(id);
      await inline.enqueue(id);
    }
    await inline.idle();
    expect(done.sort()).toEqual([...ids].sort());
    expect(most).toBe(3);
  });

  it("keeps the watcher waiting while too many messages wait (memory stays bounded)", async () => {
    const release: (() => void)[] = [];
    const inline = createInlineProcessor({
      process: () => new Promise<void>((r) => release.push(r)),
      fallback: async () => undefined,
      logger: silentLogger,
      concurrency: 1,
      maxWaiting: 2,
    });
    await inline.enqueue("a"); // running
    await inline.enqueue("b");
    await inline.enqueue("c"); // two waiting
    let accepted = false;
    const fourth = inline.enqueue("d").then(() => {
      accepted = true;
    });
    await tick();
    expect(accepted).toBe(false);
    release.shift()?.();
    await fourth;
    expect(accepted).toBe(true);
    let settled = false;
    void inline.idle().then(() => {
      settled = true;
    });
    while (!settled) {
      release.shift()?.();
      await tick();
    }
  });

  it("hands a message whose processing threw to the durable queue, and goes on with the others", async () => {
    const queued: string[] = [];
    const done: string[] = [];
    const inline = createInlineProcessor({
      process: async (id) => {
        if (id === "bad") throw new Error("database is locked");
        done.push(id);
      },
      fallback: async (id) => {
        queued.push(id);
      },
      logger: silentLogger,
    });
    for (const id of ["a", "bad", "b"]) await inline.enqueue(id);
    await inline.idle();
    expect(queued).toEqual(["bad"]);
    expect(done.sort()).toEqual(["a", "b"]);
  });

  it("settles even when the queue is not reachable either (the message stays stored for the next run)", async () => {
    const inline = createInlineProcessor({
      process: async () => {
        throw new Error("disk full");
      },
      fallback: async () => {
        throw new Error("Redis away");
      },
      logger: silentLogger,
    });
    await inline.enqueue("x");
    await expect(inline.idle()).resolves.toBeUndefined();
  });
});
