import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import iconv from "iconv-lite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fileExportReader } from "../../src/adapters/import/export-reader.ts";
import { formatImportReport, importFiles } from "../../src/usecases/import-files.ts";
import { createWatchTestEnv, testRedisUrl, type WatchTestEnv } from "../helpers/watch-env.ts";

let env: WatchTestEnv;
let dir: string;

beforeEach(async () => {
  env = await createWatchTestEnv();
  dir = await mkdtemp(join(tmpdir(), "ri-import-"));
});
afterEach(async () => {
  await env.cleanup();
  await rm(dir, { recursive: true, force: true });
});

function mail(name: string, body: string, eol = "\n"): string {
  return [
    `From: ${name}@example.com`,
    `Subject: ${name} 4月份工作进展情况`,
    `Message-ID: <${name}@example.com>`,
    "Date: Mon, 15 May 2023 10:00:00 +0800",
    "",
    body,
    "",
  ].join(eol);
}

/** .eml files, an mbox holding a copy of one of them, and a Maildir holding a copy of another. */
async function writeExport(): Promise<void> {
  await writeFile(join(dir, "a.eml"), mail("a", "正文 A", "\r\n"));
  await mkdir(join(dir, "nested"));
  await writeFile(join(dir, "nested", "b.eml"), mail("b", "正文 B"));
  // An 8-bit GBK subject as Foxmail writes it: the bytes must arrive unchanged.
  const gbkSubject = Buffer.concat([
    Buffer.from("Subject: "),
    iconv.encode("正定县4月进展", "gbk"),
    Buffer.from("\n"),
  ]);
  const mbox = Buffer.concat([
    Buffer.from("From c@example.com Tue May 16 01:02:03 2023\n"),
    Buffer.from(mail("c", "正文 C\nFrom the office, a line that is not a separator.")),
    Buffer.from("\nFrom a@example.com Mon May 15 02:00:00 2023\n"),
    Buffer.from(mail("a", "正文 A")),
    Buffer.from("\nFrom d@example.com Wed May 17 08:00:00 2023\n"),
    Buffer.from("From: d@example.com\nMessage-ID: <d@example.com>\n"),
    gbkSubject,
    Buffer.from("\n正文 D\n\n>From here on, escaped.\n>>From twice.\n"),
  ]);
  await writeFile(join(dir, "nested", "Inbox"), mbox);
  for (const sub of ["cur", "new", "tmp"]) await mkdir(join(dir, "Maildir", sub), { recursive: true });
  await writeFile(join(dir, "Maildir", "cur", "1684116000.M1P1.host:2,S"), mail("e", "正文 E"));
  await writeFile(join(dir, "Maildir", "new", "1684116100.M2P2.host"), mail("b", "正文 B"));
  await writeFile(join(dir, "Maildir", "tmp", "1684116200.M3P3.host"), mail("half", "still being written"));
  await writeFile(join(dir, "Maildir", "dovecot-uidlist"), "3 V1 N4\n");
}

describe("import of exported mail", () => {
  it("takes .eml, mbox and Maildir, counts duplicates, and streams each through ingest", async () => {
    await writeExport();
    const deps = {
      reader: fileExportReader,
      repos: env.db.repos,
      store: env.store,
      enqueueProcessing: env.enqueueProcessing,
    };
    const report = await importFiles(deps, [dir]);
    expect(report).toMatchObject({ new: 5, duplicate: 2, failed: 0 });
    expect(formatImportReport(report)).toBe("导入完成：新登记 5 封，重复 2 封。");

    const rows = await env.db.db.selectFrom("messages").selectAll().orderBy("message_id").execute();
    expect(rows.map((r) => r.message_id)).toEqual([
      "a@example.com",
      "b@example.com",
      "c@example.com",
      "d@example.com",
      "e@example.com",
    ]);
    expect(rows.every((r) => r.source === "import")).toBe(true);
    // Imported mail is backfill: logged, never acknowledged (see send-ack).
    expect(rows.every((r) => r.backfill === 1)).toBe(true);
    expect((await env.jobIds()).sort()).toEqual(rows.map((r) => r.id).sort());

    const byId = Object.fromEntries(rows.map((r) => [r.message_id, r]));
    // received_at: the From_ line date (mbox), the delivery time in the name (Maildir), Date (.eml).
    expect(byId["c@example.com"]!.received_at).toBe("2023-05-16T01:02:03.000Z");
    expect(byId["e@example.com"]!.received_at).toBe(new Date(1684116000 * 1000).toISOString());
    expect(byId["a@example.com"]!.received_at).toBe("2023-05-15T02:00:00.000Z");

    const c = (await env.store.read(byId["c@example.com"]!.id)).toString();
    expect(c).toContain("From the office, a line that is not a separator.");
    expect(c.endsWith("not a separator.\n")).toBe(true);
    const d = await env.store.read(byId["d@example.com"]!.id);
    expect(d.toString()).toContain("\nFrom here on, escaped.\n>From twice.\n");
    expect(d.includes(iconv.encode("正定县4月进展", "gbk"))).toBe(true);

    // Importing the same export again records nothing new.
    expect(await importFiles(deps, [dir])).toMatchObject({ new: 0, duplicate: 7, failed: 0 });
  });

  it("report-inbox import prints the counts in Chinese, and says so in one line when Redis is down", async () => {
    await writeExport();
    const run = (redisUrl: string) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn(process.execPath, ["bin/report-inbox.js", "import", dir], {
          env: {
            ...process.env,
            DATA_DIR: env.db.dataDir,
            DATABASE_URL: "",
            REDIS_URL: redisUrl,
            QUEUE_PREFIX: env.queuePrefix,
            LOG_PRETTY: "0",
          },
        });
        let out = "";
        let err = "";
        child.stdout.on("data", (d) => {
          out += d;
        });
        child.stderr.on("data", (d) => {
          err += d;
        });
        child.on("exit", (code) => resolve({ code, out, err }));
      });
    const down = await run("redis://127.0.0.1:1");
    expect(down.code).not.toBe(0);
    expect(down.err.trim().split("\n")).toHaveLength(1);
    expect(down.err).toContain("无法连接 Redis");

    const ok = await run(testRedisUrl);
    expect(ok.err).toBe("");
    expect(ok.out).toContain("导入完成：新登记 5 封，重复 2 封");
    expect(ok.code).toBe(0);
    expect((await env.jobIds()).length).toBe(5);
  });
});
