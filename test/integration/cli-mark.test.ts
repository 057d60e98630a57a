import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Issue 12 (3) in the CLI: `mark --received --at YYYY-MM-DD` records a paper report on the day it
// came, not the day it was typed in, so one delivered before the deadline is not 逾期.

const root = join(import.meta.dirname, "../..");

function cli(args: string[], dataDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "node",
      ["bin/report-inbox.js", ...args],
      {
        cwd: root,
        env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: "", LOG_LEVEL: "warn" },
        timeout: 60_000,
      },
      (err, stdout, stderr) => {
        const code = err ? Number((err as { code?: number }).code ?? 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe("report-inbox mark --received --at", { timeout: 180_000 }, () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "report-inbox-mark-"));
    // A new data folder knows the built-in registry once seeded.
    expect((await cli(["seed"], dataDir)).code).toBe(0);
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("dates a paper report by the day it came: 25 May is on time, though entered on 1 June", async () => {
    const marked = await cli(
      [
        "mark",
        "正定县",
        "--period",
        "2023-04",
        "--received",
        "--scan",
        "--electronic",
        "--contact",
        "张三",
        "--phone",
        "13800000000",
        "--at",
        "2023-05-25",
        "--reason",
        "纸质件送达",
      ],
      dataDir,
    );
    expect(marked.stderr).toBe("");
    expect(marked.code).toBe(0);
    const status = await cli(
      ["status", "--json", "--period", "2023-04", "--now", "2023-06-01T01:00:00Z"],
      dataDir,
    );
    const row = (
      JSON.parse(status.stdout) as {
        units: {
          unit: string;
          status: string;
          deadlineStatus: string | null;
          completedAt: string;
          note: string;
        }[];
      }
    ).units.find((u) => u.unit === "正定县");
    expect(row).toMatchObject({ status: "complete", deadlineStatus: null });
    expect(row?.completedAt.slice(0, 10)).toBe("2023-05-25");
    expect(row?.note).toContain("2023年5月25日以其他方式收到（纸质件送达）");
  });

  it("refuses a date that is not one, in one Chinese line", async () => {
    const bad = await cli(
      ["mark", "正定县", "--period", "2023-04", "--received", "--scan", "--at", "2023-13-01"],
      dataDir,
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toMatch(/[\u4e00-\u9fa5]/);
    expect(bad.stderr).not.toMatch(/\bat \S+ \(|node:internal/);
  });
});
