import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { crc32 } from "node:zlib";
import iconv from "iconv-lite";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRepositories } from "../../src/adapters/db/repositories.ts";
import { ManualClock } from "../../src/clock.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";
import { loadTasks, loadUnits, syncUnitOverrides } from "../../src/usecases/load-registry.ts";
import { ensureRegistrySeeded, seedRegistry } from "../../src/usecases/seed-registry.ts";
import { backends, createTestDb, holdSchemaLock, type TestDb, testPostgresUrl } from "../helpers/db.ts";

const root = join(import.meta.dirname, "../..");
const noticePath = join(root, "seeds/shijiazhuang-2023-ecological-work-points.txt");
const run = promisify(execFile);

function configWith(units: Config["units"]): Config {
  return loadConfig({ env: {}, overrides: { units } as never });
}

/** A minimal .docx (stored zip): one paragraph per line, as Word would save the notice. */
function makeDocx(text: string): Buffer {
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const body = text
    .split("\n")
    .map((l) => `<w:p><w:r><w:t xml:space="preserve">${esc(l)}</w:t></w:r></w:p>`)
    .join("");
  const files: [string, string][] = [
    [
      "[Content_Types].xml",
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    ],
    [
      "_rels/.rels",
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
    ],
    [
      "word/document.xml",
      `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`,
    ],
  ];
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of files) {
    const data = Buffer.from(content, "utf8");
    const nameBytes = Buffer.from(name, "utf8");
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + data.length;
  }
  const centralDir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(centralDir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, centralDir, end]);
}

describe.each(backends)("unit and task registry on %s", (backend) => {
  let t: TestDb;
  /** The repositories stamping rows with a set time, as a seed run at that time would. */
  const reposAt = (at: Date) => createRepositories({ ...t, clock: new ManualClock(at) });
  beforeEach(async () => {
    t = await createTestDb(backend);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it("seeds the 2023 notice: 46 units, 21 tasks, responsibility as the notice writes it", async () => {
    const result = await seedRegistry(t.repos, noticePath);
    expect(result).toMatchObject({ year: 2023, units: 46, unitsAdded: 46, unitsUpdated: 0, tasks: 21 });

    const units = await loadUnits(t.repos, configWith({}));
    expect(units).toHaveLength(46);
    expect(units.filter((u) => u.kind === "department")).toHaveLength(22);
    expect(units.filter((u) => u.kind === "county")).toHaveLength(22);
    expect(units.filter((u) => u.kind === "zone")).toHaveLength(2);
    // Listed as the office lists them: departments first, the zones last.
    expect(units[0]!.id).toBe("市生态环境局");
    expect(units.at(-1)!.id).toBe("经开区管委会");

    const byId = new Map(units.map((u) => [u.id, u]));
    expect(byId.get("市机关事务管理局")!.tasks).toEqual([17, 19, 21]);
    expect(byId.get("市生态环境局")!.leads).toEqual([1, 2, 3, 4]);
    expect(byId.get("正定县")!.tasks).toHaveLength(21);
    expect(byId.get("正定县")!.aliases).toContain("正定县人民政府");
    expect(byId.get("市发展改革委")!.aliases).toEqual(
      expect.arrayContaining(["市发改委", "石家庄市发展和改革委员会"]),
    );
    for (const u of units) expect(u.emails).toEqual([]);

    const tasks = await loadTasks(t.repos);
    expect(tasks).toHaveLength(21);
    expect(tasks[20]).toMatchObject({ year: 2023, number: 21, lead: "市机关事务管理局" });
    expect(await loadTasks(t.repos, 2022)).toEqual([]);
  });

  it("changes nothing when the same document is imported twice", async () => {
    await seedRegistry(reposAt(new Date("2023-05-25T00:00:00Z")), noticePath);
    const before = {
      units: await t.db.selectFrom("units").selectAll().orderBy("id").execute(),
      tasks: await t.db.selectFrom("tasks").selectAll().orderBy("number").execute(),
    };
    const again = await seedRegistry(reposAt(new Date("2023-06-01T00:00:00Z")), noticePath);
    expect(again).toMatchObject({ unitsAdded: 0, unitsUpdated: 0, tasks: 21, tasksChanged: 0 });
    expect(await t.db.selectFrom("units").selectAll().orderBy("id").execute()).toEqual(before.units);
    expect(await t.db.selectFrom("tasks").selectAll().orderBy("number").execute()).toEqual(before.tasks);
  });

  it("keeps the office's configured emails through a re-seed and merges config over the seed", async () => {
    await seedRegistry(t.repos, noticePath);
    const config = configWith({
      市水利局: { emails: ["SLJ@Example.gov.cn", "slj_office@163.com"], aliases: ["水务"], active: true },
      // Keyed by an alias: the office writes the name it knows.
      市发改委: { emails: ["fgw@qq.com"], aliases: [], active: true },
      赵县: { emails: [], aliases: [], active: false },
    });
    expect(await syncUnitOverrides(t.repos, config)).toBe(3);
    expect(await syncUnitOverrides(t.repos, config)).toBe(0);

    const reseed = await seedRegistry(t.repos, noticePath);
    expect(reseed).toMatchObject({ unitsAdded: 0, unitsUpdated: 0 });
    const row = await t.db
      .selectFrom("units")
      .selectAll()
      .where("id", "=", "市水利局")
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.emails)).toEqual(["slj@example.gov.cn", "slj_office@163.com"]);
    const fgw = await t.db
      .selectFrom("units")
      .select("emails")
      .where("id", "=", "市发展改革委")
      .executeTakeFirstOrThrow();
    expect(JSON.parse(fgw.emails)).toEqual(["fgw@qq.com"]);

    const units = await loadUnits(t.repos, config);
    expect(units).toHaveLength(45);
    expect(units.some((u) => u.id === "赵县")).toBe(false);
    const water = units.find((u) => u.id === "市水利局")!;
    expect(water.emails).toEqual(["slj@example.gov.cn", "slj_office@163.com"]);
    expect(water.aliases).toEqual(expect.arrayContaining(["水利局", "水务"]));
    expect((await loadUnits(t.repos, config, { includeInactive: true })).length).toBe(46);

    // The office drops 市发改委's entry: its address must stop counting as registered.
    const { 市发改委: _dropped, ...rest } = config.units;
    const fewer = { ...config, units: rest };
    expect(await syncUnitOverrides(t.repos, fewer)).toBe(1);
    const cleared = await t.db
      .selectFrom("units")
      .select("emails")
      .where("id", "=", "市发展改革委")
      .executeTakeFirstOrThrow();
    expect(JSON.parse(cleared.emails)).toEqual([]);
    expect((await loadUnits(t.repos, fewer)).find((u) => u.id === "市发展改革委")!.emails).toEqual([]);
  });

  it("reads the notice saved as GB18030 text and as .docx", async () => {
    const dir = await mkdtemp(join(tmpdir(), "registry-docs-"));
    try {
      const text = await readFile(noticePath, "utf8");
      const gbk = join(dir, "要点-gbk.txt");
      await writeFile(gbk, iconv.encode(text, "gb18030"));
      const docx = join(dir, "要点.docx");
      await writeFile(docx, makeDocx(text));
      expect(await seedRegistry(t.repos, gbk)).toMatchObject({
        year: 2023,
        units: 46,
        tasks: 21,
        unitsAdded: 46,
      });
      expect(await seedRegistry(t.repos, docx)).toMatchObject({
        year: 2023,
        units: 46,
        tasks: 21,
        unitsAdded: 0,
        unitsUpdated: 0,
        tasksChanged: 0,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("seeds itself from the bundled seeds/ once, when the units table is empty", async () => {
    const first = await ensureRegistrySeeded(t.repos);
    expect(first.map((r) => [r.year, r.units, r.tasks])).toEqual([[2023, 46, 21]]);
    expect(await ensureRegistrySeeded(t.repos)).toEqual([]);
  });

  it("runs `seed` and `units --json` end to end from the command line", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "registry-cli-"));
    const release = backend === "postgres" ? await holdSchemaLock() : async () => {};
    try {
      let databaseUrl = "";
      if (backend === "postgres") {
        const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(t.db);
        databaseUrl = `${testPostgresUrl}?options=${encodeURIComponent(`-c search_path=${rows[0]!.schema}`)}`;
      }
      const configFile = join(dataDir, "office.yaml");
      await writeFile(configFile, "units:\n  市水利局: { emails: [SLJ@example.gov.cn] }\n");
      const notice = join(dataDir, "工作要点.txt");
      await copyFile(noticePath, notice);
      const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: databaseUrl, CONFIG_FILE: configFile };
      const bin = join(root, "bin/report-inbox.js");

      const seeded = await run("node", [bin, "seed", notice], { env, cwd: dataDir });
      expect(seeded.stdout).toContain("年份: 2023");
      expect(seeded.stdout).toContain("任务数: 21");
      expect(seeded.stdout).toContain("单位数: 46");

      const listed = await run("node", [bin, "units", "--json"], { env, cwd: dataDir });
      const units = JSON.parse(listed.stdout) as {
        id: string;
        name: string;
        aliases: string[];
        kind: string;
        emails: string[];
        tasks: number[];
        leads: number[];
      }[];
      expect(units).toHaveLength(46);
      expect(Object.keys(units[0]!).sort()).toEqual([
        "aliases",
        "emails",
        "id",
        "kind",
        "leads",
        "name",
        "tasks",
      ]);
      const water = units.find((u) => u.id === "市水利局")!;
      expect(water).toMatchObject({ kind: "department", emails: ["slj@example.gov.cn"], leads: [14, 17] });
      expect(water.tasks).toEqual([2, 6, 12, 14, 17]);
      expect(units.find((u) => u.id === "市机关事务管理局")!.tasks).toEqual([17, 19, 21]);
      expect(units.find((u) => u.id === "高新区管委会")!.tasks).toHaveLength(21);

      const table = await run("node", [bin, "units"], { env, cwd: dataDir });
      expect(table.stdout).toContain("市水利局");
      expect(table.stdout).toContain("共 46 个单位");
    } finally {
      await release();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
