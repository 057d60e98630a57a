import { afterEach, describe, expect, it } from "vitest";
import { backends } from "../helpers/db.ts";
import { isShort, scaled } from "./harness/scale.ts";
import { createWorld, recordOutcome, submitOverTime, type World } from "./harness/world.ts";

// The SMTP server answers 451 for a while, then refuses one unit's address with 550, then stores
// mails and drops the connection before its 250. Every acknowledgement reaches its unit; the
// refused one is recorded (failed, with the 550) and never retried; the dropped ones are sent
// again with the same Message-ID and counted as delivered_uncertain.

let world: World | undefined;
afterEach(async () => {
  await world?.cleanup();
  world = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(isShort ? (["sqlite"] as const) : backends)("SMTP faults on %s", (backend) => {
  it("4xx for a while, a 5xx recipient, drop after DATA: delivered, refused recorded, duplicates counted", async () => {
    // Each submission from a unit of its own: a unit gets at most one acknowledgement a day while
    // its standing stays the same, so a second report from a unit sends nothing, and a phase made
    // of such reports (90 over 46 units did this) would test no sending at all.
    const total = scaled(45, 30);
    world = await createWorld({ backend });
    await world.startService();
    await world.firstSync();
    const refusedUnit = world.units[1]!;
    world.smtp.mode = "tempfail";
    await submitOverTime(world, total / 3);
    // "4xx for minutes": the full variant holds it for two and a half.
    await sleep(scaled(150_000, 20_000));
    world.smtp.mode = "accept";
    world.smtp.refuse.add(refusedUnit.email);
    await submitOverTime(world, total / 3);
    await sleep(5000);
    world.smtp.mode = "drop-after-data";
    await submitOverTime(world, total / 3);
    await sleep(8000);
    world.smtp.mode = "accept";
    const outcome = await world.settleAndCheck(scaled(900_000, 400_000), {
      refused: new Set([refusedUnit.email]),
    });
    // Dropped copies are at the server and their rows flagged: the office log says so.
    const flagged = await world.db
      .selectFrom("outbox")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("delivered_uncertain", "=", 1)
      .executeTakeFirst();
    const held = outcome.refused > 0 && Number(flagged?.n ?? 0) > 0;
    recordOutcome("SMTP 4xx, then a 5xx recipient, then drop after DATA", backend, outcome, { held });
    expect(outcome.details).toEqual([]);
    expect(outcome).toMatchObject({ lost: 0, duplicated: 0, stuck: 0, logged: total });
    expect(outcome.refused).toBeGreaterThan(0);
    expect(Number(flagged?.n ?? 0)).toBeGreaterThan(0);
  });
});
