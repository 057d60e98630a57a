import { afterEach, describe, expect, it } from "vitest";
import { scaled } from "./harness/scale.ts";
import { createWorld, recordOutcome, stageSoon, submitOverTime, type World } from "./harness/world.ts";

// Two instances of the whole service against the same Redis, PostgreSQL and DATA_DIR while
// reports arrive and a stage falls due: no message processed twice, no mail sent twice, the
// stage fired once, and each instance's sweeper and scheduler run without doubling anything.

let world: World | undefined;
afterEach(async () => {
  await world?.cleanup();
  world = undefined;
});

describe("two instances", () => {
  it("same Redis and PostgreSQL: every message once, every mail once, one stage firing", async () => {
    const total = scaled(120, 40);
    world = await createWorld({ backend: "postgres", config: stageSoon(new Date(), 20_000) });
    await world.startService("a");
    await world.startService("b");
    await world.firstSync();
    await submitOverTime(world, total);
    // The stage falls due 20 s after the world was made; on an idle machine the submissions can
    // all be logged before that, so settling alone could check the outbox before the stage ran.
    const w = world;
    const stageQueued = async () =>
      Number(
        (
          await w.db
            .selectFrom("outbox")
            .select((eb) => eb.fn.countAll<number>().as("n"))
            .where("kind", "in", ["remind", "overdue"])
            .executeTakeFirst()
        )?.n ?? 0,
      ) > 0;
    for (const until = Date.now() + 120_000; Date.now() < until && !(await stageQueued()); ) {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const outcome = await world.settleAndCheck(scaled(600_000, 240_000));
    const runs = await world.db
      .selectFrom("schedule_runs")
      .select(["key", "detail"])
      .where("key", "like", "%:" + world.period + "%")
      .execute();
    const notices = await world.db
      .selectFrom("outbox")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("kind", "in", ["remind", "overdue"])
      .executeTakeFirst();
    const attempts = await world.db
      .selectFrom("messages")
      .select((eb) => eb.fn.max("attempts").as("n"))
      .executeTakeFirst();
    recordOutcome("two instances, same Redis + PostgreSQL", "postgres", outcome, {
      held: Number(notices?.n ?? 0) > 0 && Number(attempts?.n ?? 0) <= 1,
      note: `${Number(notices?.n ?? 0)} stage notices, ${runs.length} schedule keys, max attempts ${Number(attempts?.n ?? 0)}`,
    });
    expect(outcome.details).toEqual([]);
    expect(outcome).toMatchObject({ lost: 0, duplicated: 0, stuck: 0, logged: total });
    expect(Number(notices?.n ?? 0)).toBeGreaterThan(0);
    expect(Number(attempts?.n ?? 0)).toBe(1);
  });
});
