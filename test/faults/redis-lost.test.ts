import { afterEach, describe, expect, it } from "vitest";
import { backends } from "../helpers/db.ts";
import { isShort, scaled } from "./harness/scale.ts";
import { createWorld, recordOutcome, submitOverTime, type World } from "./harness/world.ts";

// Redis killed with kill -9 mid-run and restarted (append-only: the last second is lost), and
// later flushed outright: every job is gone, the database still knows the work. The sweeper
// queues every unfinished row again; nothing is lost or done twice.

let world: World | undefined;
afterEach(async () => {
  await world?.cleanup();
  world = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(isShort ? (["sqlite"] as const) : backends)("Redis lost on %s", (backend) => {
  it("kill -9 and restart, then FLUSHALL, while submissions arrive: all logged, all acknowledged, once", async () => {
    const total = scaled(150, 40);
    world = await createWorld({ backend });
    await world.startService();
    await world.firstSync();
    const w = world;
    await submitOverTime(w, total, {
      between: async (sent) => {
        if (sent === Math.floor(total / 4 / 10) * 10) {
          await w.redis.kill();
          await sleep(5000);
          await w.redis.start();
        }
        if (sent === Math.floor((total * 3) / 4 / 10) * 10) await w.redis.flushAll();
      },
    });
    const outcome = await world.settleAndCheck(scaled(600_000, 240_000));
    recordOutcome("Redis kill -9 + restart, then FLUSHALL", backend, outcome);
    expect(outcome.details).toEqual([]);
    expect(outcome).toMatchObject({ lost: 0, duplicated: 0, stuck: 0, logged: total });
  });
});
