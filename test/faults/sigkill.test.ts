import { afterEach, describe, expect, it } from "vitest";
import { backends } from "../helpers/db.ts";
import { isShort, scaled } from "./harness/scale.ts";
import { createWorld, recordOutcome, type Service, stageSoon, type World } from "./harness/world.ts";

// SIGKILLs at random moments while submissions arrive and a reminder stage (or the overdue
// notices, after the deadline) falls due. Afterwards every message is logged once, every unit
// that reported has its acknowledgement, every mail reached the SMTP server, and a second copy
// exists only where the outbox counted it (killed between the server's 250 and our commit).
// The stage waits while mail is read but not yet processed (run-schedule.ts holds it on a stale
// view of the mailbox), so it fires at the first scheduler tick (each minute, and at each start)
// after the submissions are processed: the check waits for its row first.

let world: World | undefined;
afterEach(async () => {
  await world?.cleanup();
  world = undefined;
});

const rand = (min: number, max: number) => min + Math.random() * (max - min);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(isShort ? (["sqlite"] as const) : backends)("SIGKILL on %s", (backend) => {
  it("random kills while submissions arrive and a stage runs: nothing lost, nothing doubled, nothing stuck", async () => {
    const kills = scaled(50, 4);
    const submissions = scaled(500, 40);
    world = await createWorld({ backend, config: stageSoon(new Date(), 25_000) });
    let service: Service = await world.startService();
    await world.firstSync();
    let submitted = 0;
    const arriving = (async () => {
      while (submitted < submissions) {
        const n = Math.min(10, submissions - submitted);
        await world!.submit(n);
        submitted += n;
        await sleep(rand(200, 800));
      }
    })();
    for (let k = 0; k < kills; k++) {
      await sleep(rand(800, 2000));
      await service.kill("SIGKILL");
      service = await world.startService();
    }
    await arriving;
    await stageRecorded(world, 180_000);
    const outcome = await world.settleAndCheck(scaled(600_000, 300_000));
    // The stage ran after it all: its notices are in the outbox (and were checked).
    const stage = await world.db
      .selectFrom("outbox")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("kind", "in", ["remind", "overdue"])
      .executeTakeFirst();
    const notices = Number(stage?.n ?? 0);
    recordOutcome(`SIGKILL ×${kills} per run, ${submissions} submissions + a stage`, backend, outcome, {
      held: notices > 0,
      note: `${notices} stage notices`,
    });
    expect(outcome.details).toEqual([]);
    expect(notices).toBeGreaterThan(0);
    expect(outcome).toMatchObject({ lost: 0, duplicated: 0, stuck: 0, logged: submissions });
  });
});

/** Waits until the stage's own schedule_runs row is there and finished (not "firing"). */
async function stageRecorded(w: World, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const rows = await w.db
      .selectFrom("schedule_runs")
      .select(["key", "detail"])
      .where((eb) =>
        eb.or([eb("key", "like", `remind:${w.period}:%`), eb("key", "=", `overdue:${w.period}`)]),
      )
      .execute();
    if (rows.some((r) => r.detail !== "firing")) return;
    await sleep(500);
  }
}
