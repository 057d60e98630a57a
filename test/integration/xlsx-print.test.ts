import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.ts";
import { exemptUnit, markReceivedOtherwise } from "../../src/usecases/office-corrections.ts";
import { buildReceiptLog } from "../../src/usecases/receipt-log.ts";
import { ensureRegistrySeeded } from "../../src/usecases/seed-registry.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";

const run = promisify(execFile);

// Issue 12 (7): the office prints the .xlsx log as it is. LibreOffice (what WPS and Excel users'
// printers see is the same page setup) converts the workbook to PDF; every page of the period
// sheet must be landscape A4 and carry the whole header row: a sheet split across two pages wide
// would leave 备注 on a page without 序号.

const settings = { deadlineDay: 28, tz: "Asia/Shanghai" };
const office = { actor: "test", reason: null };
const headers = [
  "序号",
  "单位",
  "状态",
  "首次报送时间",
  "材料齐全时间",
  "联系人",
  "联系电话",
  "尚缺材料",
  "逾期情况",
  "备注",
];

describe("the receipt log .xlsx prints", () => {
  let t: TestDb;
  let dir: string;
  let pages: string[];
  let pdf: string;

  beforeAll(async () => {
    t = await createTestDb("sqlite");
    dir = await mkdtemp(join(tmpdir(), "report-inbox-xlsx-"));
    await ensureRegistrySeeded(t.repos);
    const config = loadConfig({ env: {}, overrides: { dataDir: t.dataDir } });
    const received = (unitId: string, at: string, complete: boolean, note: string | null = null) =>
      markReceivedOtherwise(
        t.repos,
        {
          unitId,
          period: "2023-04",
          at: new Date(`${at}+08:00`),
          hasScan: true,
          hasElectronic: complete,
          contactName: complete ? "张三" : null,
          contactPhone: complete ? "0311-86688888" : null,
        },
        settings,
        { actor: "test", reason: note },
      );
    await received("市水利局", "2023-05-10T10:00:00", true);
    await received("鹿泉区", "2023-05-30T15:00:00", true);
    await received("正定县", "2023-05-15T10:00:00", false);
    await exemptUnit(t.repos, { unitId: "市妇联", period: "2023-04", exempt: true }, settings, office);
    const log = await buildReceiptLog(t.repos, config, "2023-04", new Date("2023-06-01T01:00:00Z"));
    const xlsx = join(dir, "log.xlsx");
    await writeFile(xlsx, log.xlsx);
    // Its own profile directory: two soffice runs sharing one would wait on each other's lock.
    await run(
      "soffice",
      [
        `-env:UserInstallation=file://${join(dir, "profile")}`,
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        dir,
        xlsx,
      ],
      { timeout: 120_000 },
    );
    pdf = join(dir, "log.pdf");
    const { stdout } = await run("pdftotext", ["-layout", pdf, "-"]);
    pages = stdout.split("\f").filter((p) => p.trim() !== "");
  }, 180_000);
  afterAll(async () => {
    await t?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("prints the period sheet one page wide, every page with the whole header row and the title", async () => {
    const periodPages = pages.filter((p) => headers.slice(2).some((h) => p.includes(h)));
    expect(periodPages.length).toBeGreaterThan(0);
    for (const page of periodPages) {
      for (const h of headers) expect(page).toContain(h);
      expect(page).toContain("2023年4月工作进展情况报送登记表（截至 2023年6月1日 09:00）");
    }
    // All 46 units are on those pages, once each.
    const text = periodPages.join("\n");
    for (const unit of ["市生态环境局", "赵县", "经开区管委会", "市水利局", "正定县", "市妇联"]) {
      expect(text.split(unit).length - 1).toBe(1);
    }
  });

  it("is landscape A4 on every page", async () => {
    const { stdout } = await run("pdfinfo", ["-f", "1", "-l", "99", pdf]);
    const sizes = [...stdout.matchAll(/Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts/g)].map((m) => [
      Math.round(Number(m[1])),
      Math.round(Number(m[2])),
    ]);
    expect(sizes.length).toBe(pages.length);
    for (const size of sizes) expect(size).toEqual([842, 595]);
  });

  it("prints the year sheet with ✓ / ✗ / 逾 / 免 and its legend", async () => {
    const year = pages.filter((p) => p.includes("2023年各成员单位每月报送情况")).join("\n");
    expect(year).toContain("12月");
    for (const mark of ["✓", "✗", "逾", "免"]) expect(year).toContain(mark);
    expect(year).toContain("说明：✓ 按时报齐");
  });
});
