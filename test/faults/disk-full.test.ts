import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { scaled } from "./harness/scale.ts";
import { createWorld, recordOutcome, submitOverTime, type World } from "./harness/world.ts";

// DATA_DIR (raw mail, attachments, the SQLite database) on a 20 MB tmpfs that fills up while
// reports arrive, then gets room again. Nothing may be lost, no message may use up its attempts
// on the full disk, and everything is logged and acknowledged once there is room.

let world: World | undefined;
let mountDir: string | undefined;
afterEach(async () => {
  await world?.cleanup();
  world = undefined;
  if (mountDir) {
    execFileSync("umount", ["-l", mountDir]);
    await rm(mountDir, { recursive: true, force: true });
    mountDir = undefined;
  }
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("disk full", () => {
  it("DATA_DIR fills up mid-run and is freed: all logged once, all acknowledged, none failed", async () => {
    const total = scaled(60, 30);
    mountDir = await mkdtemp(join(tmpdir(), "ri-faults-tmpfs-"));
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=20m", "tmpfs", mountDir]);
    world = await createWorld({ backend: "sqlite", dataDir: join(mountDir, "data") });
    await world.startService();
    await world.firstSync();
    const filler = join(mountDir, "filler");
    await submitOverTime(world, total / 3);
    try {
      await writeFile(filler, Buffer.alloc(30 * 1024 * 1024));
    } catch {
      // ENOSPC: the disk is full now, as wanted.
    }
    await submitOverTime(world, total / 3);
    await sleep(scaled(30_000, 15_000));
    await rm(filler, { force: true });
    await submitOverTime(world, total / 3);
    const outcome = await world.settleAndCheck(scaled(600_000, 300_000));
    recordOutcome("disk full on DATA_DIR, then freed", "sqlite", outcome);
    expect(outcome.details).toEqual([]);
    expect(outcome).toMatchObject({ lost: 0, duplicated: 0, stuck: 0, logged: total });
  });
});
