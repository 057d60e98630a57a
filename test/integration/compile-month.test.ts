import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import JSZip from "jszip";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContentStore } from "../../src/adapters/store/content-store.ts";
import { ManualClock } from "../../src/clock.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";
import { makeScanPdf } from "../../src/demo/sample-files.ts";
import { silentLogger } from "../../src/logger.ts";
import { compileMonth } from "../../src/usecases/compile-month.ts";
import { ingestRawMessage } from "../../src/usecases/ingest-message.ts";
import { loadUnits } from "../../src/usecases/load-registry.ts";
import { type ProcessDeps, processMessage } from "../../src/usecases/process-message.ts";
import { ensureRegistrySeeded } from "../../src/usecases/seed-registry.ts";
import { type ReadBack, readCompilation } from "../helpers/compile-read-back.ts";
import { unitReports } from "../helpers/compile-reports.ts";
import { composeMail } from "../helpers/compose.ts";
import { backends, createTestDb, type TestDb } from "../helpers/db.ts";
import { convertWithLibreOffice, reportHtml } from "../helpers/libreoffice.ts";

const at = (iso: string) => new Date(`${iso}+08:00`);
const now = at("2023-05-31T10:00:00");

// Reports written as units write them (LibreOffice makes the .docx, .doc, .wps and the text PDF
// from what a clerk types), mailed with a sealed scan, logged by the real processing into a real
// database, compiled, and read back from the .docx as the office would open it.
let files: Map<string, Buffer>;

beforeAll(async () => {
  const sources = unitReports
    .filter((r) => !r.scanOnly)
    .map((r) => ({ name: r.file, html: reportHtml(r.blocks) }));
  const byFormat = (format: string) => sources.filter((s) => s.name.endsWith(`-${format}`));
  const made = await Promise.all(
    (["docx", "doc", "pdf"] as const).map((f) => convertWithLibreOffice(byFormat(f), f)),
  );
  files = new Map(made.flatMap((m) => [...m]));
}, 180_000);

describe.each(backends)("the month's compilation on %s", (backend) => {
  let t: TestDb;
  let config: Config;
  let deps: ProcessDeps;
  let compiled: ReadBack;
  let docx: Buffer;

  beforeAll(async () => {
    t = await createTestDb(backend);
    await ensureRegistrySeeded(t.repos);
    config = loadConfig({ env: {}, overrides: { dataDir: t.dataDir } });
    deps = {
      repos: t.repos,
      store: new ContentStore(t.dataDir),
      config,
      clock: new ManualClock(now),
      logger: silentLogger,
      loadUnits: () => loadUnits(t.repos, config),
    };
    for (const report of unitReports) {
      const attachments = [
        { filename: `${report.unit}盖章版.pdf`, content: makeScanPdf({ seed: report.file.length }) },
      ];
      if (!report.scanOnly) {
        const content = files.get(report.file)!;
        attachments.push({ filename: `${report.unit}4月工作进展.${report.extension}`, content });
      }
      const raw = await composeMail({
        from: report.from,
        to: "huanzichu@163.com",
        subject: `${report.unit}4月份工作进展情况`,
        date: at(report.receivedAt),
        text: `联系人：${report.contact} 联系电话：${report.phone}`,
        attachments,
      });
      const { messageId } = await ingestRawMessage(
        { repos: t.repos, store: deps.store, enqueueProcessing: async () => {} },
        Readable.from([raw]),
        { source: "import", receivedAt: at(report.receivedAt) },
      );
      expect(await processMessage(deps, messageId)).toMatchObject({
        state: "processed",
        unitId: report.unit,
      });
    }
    const result = await compileMonth(
      { repos: t.repos, store: deps.store, config, logger: silentLogger },
      "2023-04",
      {
        now,
      },
    );
    docx = result.docx;
    compiled = await readCompilation(docx);
  }, 120_000);
  afterAll(async () => {
    await t?.cleanup();
  });

  it("titles the draft by the office's city and the period, then states who reported", () => {
    expect(compiled.paragraphs[0]).toBe("石家庄市2023年4月生态文明建设工作进展情况汇总");
    expect(compiled.paragraphs[1]).toBe("（截至2023年5月31日）");
    expect(compiled.section("一、报送情况")).toEqual(
      expect.arrayContaining([
        "截至2023年5月31日，应报送单位46个，已报送7个，其中材料齐全5个、材料不全2个；逾期报送1个；未报送39个。",
        "材料不全的单位：市林业局、高新区管委会。",
        "逾期报送的单位：正定县。",
      ]),
    );
    const missing = compiled.section("一、报送情况").find((p) => p.startsWith("未报送的单位："))!;
    expect(missing).toContain("市城管局");
    expect(missing).not.toContain("市水利局");
  });

  it("follows the work points: 二、 then the six sections （一）… and the 21 tasks 1.–21. in order, then 三、其他工作", () => {
    const of = (level: number) => compiled.headings.filter((h) => h.level === level).map((h) => h.text);
    const tasks = of(3).map((h) => Number(h.split(".")[0]));
    expect(tasks).toEqual(Array.from({ length: 21 }, (_v, i) => i + 1));
    expect(of(3)[0]).toBe("1.持续开展蓝天保卫战");
    expect(of(2)).toEqual([
      "（一）持之以恒打好污染防治攻坚战",
      "（二）坚定不移优化国土空间开发保护布局",
      "（三）加快推进发展方式绿色转型",
      "（四）努力提升生态系统多样性、稳定性、持续性",
      "（五）全面加强资源节约",
      "（六）加强生态文明宣传教育",
    ]);
    expect(of(1)).toEqual(["一、报送情况", "二、重点任务进展情况", "三、其他工作"]);
    const order = compiled.headings.map((h) => h.text);
    expect(order.indexOf("1.持续开展蓝天保卫战")).toBe(order.indexOf("（一）持之以恒打好污染防治攻坚战") + 1);
    expect(order.indexOf("5.完善国土空间规划体系")).toBe(
      order.indexOf("（二）坚定不移优化国土空间开发保护布局") + 1,
    );
  });

  it("puts the lead unit first under a task, each unit with its own paragraphs, from by-task headings", () => {
    const task1 = compiled.section("1.持续开展蓝天保卫战");
    expect(task1[0]).toBe("市生态环境局（牵头）：");
    expect(task1.slice(1, 3)).toEqual([
      "4月份，我局实施臭氧污染防治攻坚行动，检查涉VOCs企业126家，督促整改问题31个。",
      "开展柴油货车路检路查，抽测柴油货车860辆，查处超标车辆12辆。",
    ]);
    // 正定县 writes run-in headings: the whole paragraph, as written.
    expect(task1).toContain("正定县：");
    expect(task1).toContain("（一）蓝天保卫战。完成建筑工地扬尘专项检查45次，清理道路积尘120公里。");
    expect(task1.indexOf("正定县：")).toBeGreaterThan(task1.indexOf("市生态环境局（牵头）："));
  });

  it("reads a table in a .doc: the row of a task goes under that task", () => {
    const task14 = compiled.section("14.巩固提升地下水超采治理成果");
    expect(task14[0]).toBe("市水利局（牵头）：");
    expect(task14[1]).toBe("完成生态补水0.3亿立方米，关停自备井42眼。");
    const task2 = compiled.section("2.深入打好碧水保卫战");
    expect(task2).toEqual(
      expect.arrayContaining([
        "市生态环境局（牵头）：",
        "加强入河排污口监督管理，完成入河排污口整治12个。",
        "市水利局：",
        "开展河道非法采砂专项整治，拆除违建3处。",
      ]),
    );
  });

  it("places free prose by key phrases, and a one-task unit's .wps all under its task", () => {
    const task8 = compiled.section("8.有序推进碳达峰碳中和");
    expect(task8[0]).toBe("市发展改革委（牵头）：");
    expect(task8[1]).toBe("印发重点行业碳达峰实施方案，推进碳达峰十大专项行动。");
    expect(task8).toContain("市统计局：");
    expect(task8).toContain("本月召开全局统计业务培训会一次。");
    const task10 = compiled.section("10.有序推动能源绿色低碳转型");
    expect(task10.slice(0, 2)).toEqual([
      "市发展改革委（牵头）：",
      "整县屋顶分布式光伏开发试点新增装机8万千瓦，抽水蓄能项目稳步推进。",
    ]);
  });

  it("reads a text PDF when no editable version came", () => {
    expect(compiled.section("12.科学实施国土绿化行动")).toContain("高新区管委会：");
    expect(compiled.section("12.科学实施国土绿化行动")).toContain(
      "完成营造林绿化0.8万亩，其中封山育林0.3万亩，森林防火未发生火情。",
    );
  });

  it("marks units without words under a task: （未报送）, no editable version, nothing on it", () => {
    expect(compiled.section("12.科学实施国土绿化行动")[0]).toBe("市林业局（牵头）（未报送电子版）");
    const task1 = compiled.section("1.持续开展蓝天保卫战");
    const notReported = task1.find((p) => p.endsWith("（未报送）"))!;
    expect(notReported).toContain("市城管局");
    expect(notReported).toContain("长安区");
    expect(notReported).not.toContain("正定县");
    const task6 = compiled.section("6.加强绿色城镇体系建设");
    expect(task6[0]).toBe("市自然资源局（牵头）（未报送）");
    const silent = task6.find((p) => p.endsWith("（报告中未见此项内容）"))!;
    expect(silent.split("（")[0]!.split("、")).toEqual([
      "市水利局",
      "市生态环境局",
      "市发展改革委",
      "正定县",
      "高新区管委会",
    ]);
  });

  it("gathers what concerns no task under 其他工作, with the unit's heading above it", () => {
    const other = compiled.section("三、其他工作");
    expect(other).toEqual(
      expect.arrayContaining([
        "市生态环境局：",
        "三、下一步工作打算",
        "继续抓好各项任务落实，确保完成全年目标任务。",
        "市发展改革委：",
        "组织召开全委干部大会，传达学习上级会议精神。",
      ]),
    );
    expect(other.indexOf("三、下一步工作打算")).toBe(other.indexOf("市生态环境局：") + 1);
    // Framing is not progress: no report title, contact line or signature anywhere.
    expect(compiled.paragraphs.some((p) => p.includes("联系人"))).toBe(false);
    expect(compiled.paragraphs.some((p) => p.includes("关于2023年4月份"))).toBe(false);
  });

  it("is an A4 portrait Word document in 仿宋 with 黑体 and 楷体 headings", async () => {
    const zip = await JSZip.loadAsync(docx);
    const xml = await zip.file("word/document.xml")!.async("string");
    expect(xml).toMatch(/<w:pgSz w:w="1190[56]" w:h="1683[78]" w:orient="portrait"/);
    const fontOf = (text: string) => {
      const run = xml.split("<w:r>").find((r) => r.includes(`>${text}</w:t>`))!;
      return /w:eastAsia="([^"]+)"/.exec(run)?.[1];
    };
    expect(fontOf("一、报送情况")).toBe("黑体");
    expect(fontOf("（一）持之以恒打好污染防治攻坚战")).toBe("楷体_GB2312");
    expect(fontOf("开展柴油货车路检路查，抽测柴油货车860辆，查处超标车辆12辆。")).toBe("仿宋_GB2312");
  });
});

describe("report-inbox compile", () => {
  it("writes the .docx named by its title, and refuses a month given wrongly", async () => {
    const t = await createTestDb("sqlite");
    try {
      const env = { ...process.env, DATA_DIR: t.dataDir, LOG_LEVEL: "warn" };
      const run = promisify(execFile);
      const bin = join(import.meta.dirname, "../../bin/report-inbox.js");
      const cli = (...args: string[]) =>
        run("node", [bin, ...args], { env, cwd: t.dataDir, timeout: 90_000 });
      const ok = await cli("compile", "--period", "2023-04", "--now", "2023-05-31T10:00:00+08:00");
      expect(ok.stdout).toContain("已生成 石家庄市2023年4月生态文明建设工作进展情况汇总.docx");
      const written = await readCompilation(
        await readFile(join(t.dataDir, "石家庄市2023年4月生态文明建设工作进展情况汇总.docx")),
      );
      expect(written.section("1.持续开展蓝天保卫战")[0]).toBe("市生态环境局（牵头）（未报送）");
      const bad = await cli("compile", "--period", "2023-13").catch((e: { stderr: string }) => e);
      expect(bad.stderr).toContain('--period "2023-13" 不是有效的月份，例如 --period 2023-04');
    } finally {
      await t.cleanup();
    }
  }, 120_000);
});
