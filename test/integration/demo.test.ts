import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { openDb } from "../../src/adapters/db/connect.ts";
import { createRepositories } from "../../src/adapters/db/repositories.ts";
import { systemClock } from "../../src/clock.ts";
import { loadConfig } from "../../src/config/load.ts";
import { runDemo } from "../../src/demo/run-demo.ts";
import { silentLogger } from "../../src/logger.ts";
import { signIn } from "../../src/usecases/sign-in.ts";
import { readCompilation } from "../helpers/compile-read-back.ts";
import { testRedisUrl } from "../helpers/env.ts";

// `npm run demo` is the README's first command: the month it walks through must end with the
// log and the mails the office would expect, exactly.
describe("the demo month", () => {
  let dir: string;
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("logs each sample case right and sends exactly the expected mails", async () => {
    dir = await mkdtemp(join(tmpdir(), "report-inbox-demo-"));
    const prefix = `test-demo-${randomBytes(4).toString("hex")}`;
    const config = loadConfig({
      env: {},
      overrides: { dataDir: dir, redisUrl: testRedisUrl, queuePrefix: prefix },
    });
    const lines: string[] = [];
    const result = await runDemo(config, silentLogger, (l) => lines.push(l));

    const byUnit = new Map(result.status.units.map((u) => [u.unitId, u]));
    expect(byUnit.get("市生态环境局")).toMatchObject({
      status: "complete",
      late: false,
      contactPhone: "0311-87654321",
    });
    expect(byUnit.get("市水利局")).toMatchObject({ status: "complete", late: false });
    expect(byUnit.get("市发展改革委")).toMatchObject({ status: "complete", late: false });
    expect(byUnit.get("鹿泉区")).toMatchObject({ status: "complete", late: true });
    expect(byUnit.get("正定县")).toMatchObject({
      status: "incomplete",
      missing: ["electronic"],
      late: false,
      overdue: true,
      contactName: "赵强",
    });
    expect(result.status.units.filter((u) => u.status === "missing")).toHaveLength(41);
    expect(result.reviewCount).toBe(1);

    // Reminders go to units not complete at each stage, less the 3 without a registered address:
    // 19 May (20th is a Saturday) 45-3, 25 May 44-3, 26 May (27th is a Saturday) 44-3.
    expect(result.mailCounts).toEqual({
      ack: 6,
      remind: 42 + 41 + 41,
      digest: 6,
      overdue: 40,
      "office-overdue": 1,
    });
    expect(lines.some((l) => l.includes("5月19日 09:00") && l.includes("催报"))).toBe(true);

    expect((await stat(result.xlsxPath)).size).toBeGreaterThan(0);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(result.xlsxPath);
    expect(book.worksheets.length).toBeGreaterThanOrEqual(2);
    // The month's compilation draft: the lead unit's own words under its task.
    const draft = await readCompilation(await readFile(result.compilePath));
    expect(draft.paragraphs[0]).toBe("石家庄市2023年4月生态文明建设工作进展情况汇总");
    expect(draft.section("1.持续开展蓝天保卫战").slice(0, 2)).toEqual([
      "市生态环境局（牵头）：",
      "实施臭氧污染防治攻坚行动，检查涉VOCs企业126家，督促整改问题31个。",
    ]);
    expect(draft.section("14.巩固提升地下水超采治理成果")).toContain(
      "完成生态补水0.3亿立方米，关停自备井42眼。",
    );

    // Everything under DATA_DIR/demo; .eml names say when, what and to whom.
    expect(result.dataDir).toBe(join(dir, "demo"));
    expect(result.outboxDir.startsWith(result.dataDir)).toBe(true);
    const emls = (await readdir(result.outboxDir)).filter((n) => n.endsWith(".eml"));
    expect(emls).toHaveLength(6 + 124 + 6 + 40 + 1);
    for (const name of emls) expect(name).toMatch(/^\d{8}-\d{6}_[^_]+_[^_]+(-\d+)?\.eml$/);
    expect(emls).toContain("20230508-103000_回执_市生态环境局.eml");
    expect(emls.filter((n) => n.includes("_最后催报提醒_"))).toHaveLength(41);

    // The demo's config file opens its data with its registered addresses intact.
    const reopened = loadConfig({ env: { CONFIG_FILE: result.configFile, DATA_DIR: result.dataDir } });
    expect(reopened.units["市水利局"]?.emails).toEqual(["slj_office@163.com"]);
    expect(reopened.dataDir).toBe(result.dataDir);

    // The board opened on it (README) takes the demo's account: signed in as an admin.
    const opened = await openDb({ databaseUrl: "", dataDir: result.dataDir });
    try {
      const repos = createRepositories({ db: opened.db, backend: opened.backend, clock: systemClock });
      const deps = { repos, clock: systemClock, logger: silentLogger, delay: async () => {} };
      const settings = { lockAfterFailures: 5, lockMinutes: 15, sessionHours: 12, sessionIdleMinutes: 120 };
      const { name, password } = result.boardAccount;
      const signed = await signIn(deps, settings, { name, password, address: "127.0.0.1" });
      expect(signed).toMatchObject({ ok: true, user: { name: "演示", role: "admin" } });
      expect(await signIn(deps, settings, { name, password: `${password}x`, address: "127.0.0.1" })).toEqual({
        ok: false,
        reason: "wrong",
      });
    } finally {
      await opened.close();
    }

    // Its queues lived under the configured prefix, and no Redis key is left there.
    expect(result.queuePrefix.startsWith(`${prefix}:`)).toBe(true);
    const redis = new Redis(testRedisUrl);
    try {
      expect(await redis.keys(`${prefix}*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  }, 120_000);
});
