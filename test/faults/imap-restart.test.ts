import { afterEach, describe, expect, it } from "vitest";
import { backends } from "../helpers/db.ts";
import { isShort, scaled } from "./harness/scale.ts";
import { createWorld, recordOutcome, submitOverTime, type World } from "./harness/world.ts";

// The office's IMAP server restarted (every connection dropped, the port closed for seconds)
// while reports arrive: the watcher reconnects and takes every message in, once.

let world: World | undefined;
afterEach(async () => {
  await world?.cleanup();
  world = undefined;
});

describe.each(isShort ? (["postgres"] as const) : backends)("IMAP server restarted on %s", (backend) => {
  it("Dovecot stopped and started twice mid-run: all logged once, all acknowledged", async () => {
    const total = scaled(100, 30);
    world = await createWorld({ backend });
    await world.startService();
    await world.firstSync();
    const w = world;
    await submitOverTime(w, total, {
      between: async (sent) => {
        if (sent > 0 && sent % Math.max(10, Math.floor(total / 3 / 10) * 10) === 0)
          await w.dovecot.restart({ downMs: 4000 });
      },
    });
    const outcome = await world.settleAndCheck(scaled(600_000, 240_000));
    recordOutcome("IMAP server restarted ×2", backend, outcome);
    expect(outcome.details).toEqual([]);
    expect(outcome).toMatchObject({ lost: 0, duplicated: 0, stuck: 0, logged: total });
  });
});
