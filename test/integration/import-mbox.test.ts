import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fileExportReader } from "../../src/adapters/import/export-reader.ts";
import { fromLineDate, splitMbox } from "../../src/adapters/import/mbox.ts";
import { importFiles } from "../../src/usecases/import-files.ts";
import { createWatchTestEnv, type WatchTestEnv } from "../helpers/watch-env.ts";

let env: WatchTestEnv;
let dir: string;

beforeEach(async () => {
  env = await createWatchTestEnv();
  dir = await mkdtemp(join(tmpdir(), "ri-mbox-"));
});
afterEach(async () => {
  await env.cleanup();
  await rm(dir, { recursive: true, force: true });
});

async function writeParts(path: string, parts: Array<Buffer | string>): Promise<void> {
  const out = createWriteStream(path);
  for (const part of parts)
    if (!out.write(part)) await new Promise<void>((r) => out.once("drain", () => r()));
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
}

const MB = 1024 * 1024;

describe("mbox splitting", () => {
  it("keeps big messages and lines longer than the read buffer whole, CRLF files included", async () => {
    // A 3 MB line without any break (a careless exporter's base64) and a 20 MB message.
    const longLine = randomBytes(2.25 * MB).toString("base64");
    const first = `From: a@example.com\r\nMessage-ID: <long@x>\r\n\r\n${longLine}\r\n`;
    const bigBody = randomBytes(15 * MB)
      .toString("base64")
      .replace(/.{76}/g, "$&\r\n");
    const second = `From: b@example.com\r\nMessage-ID: <big@x>\r\nDate: Thu, 18 May 2023 09:00:00 +0800\r\n\r\n${bigBody}\r\n`;
    const third = "From: c@example.com\r\nMessage-ID: <small@x>\r\n\r\nsmall\r\n";
    const path = join(dir, "export.mbox");
    await writeParts(path, [
      "From a@example.com Mon May 15 10:00:00 2023\r\n",
      first,
      "\r\nFrom b@example.com Thu May 18 01:00:00 2023\r\n",
      second,
      "\r\nFrom - Fri May 19 02:00:00 2023\r\n",
      third,
      "\r\n",
    ]);

    const sizes: number[] = [];
    const froms: string[] = [];
    for await (const message of splitMbox(path)) {
      froms.push(message.fromLine);
      let size = 0;
      for await (const chunk of message.content) size += chunk.length;
      sizes.push(size);
    }
    expect(froms).toEqual([
      "From a@example.com Mon May 15 10:00:00 2023",
      "From b@example.com Thu May 18 01:00:00 2023",
      "From - Fri May 19 02:00:00 2023",
    ]);
    expect(sizes).toEqual([first.length, second.length, third.length]);

    const report = await importFiles(
      {
        reader: fileExportReader,
        repos: env.db.repos,
        store: env.store,
        enqueueProcessing: env.enqueueProcessing,
      },
      [path],
    );
    expect(report).toMatchObject({ new: 3, duplicate: 0, failed: 0 });
    const big = await env.db.db
      .selectFrom("messages")
      .selectAll()
      .where("message_id", "=", "big@x")
      .executeTakeFirstOrThrow();
    expect(big.raw_size).toBe(second.length);
    expect(
      createHash("sha256")
        .update(await env.store.read(big.id))
        .digest("hex"),
    ).toBe(createHash("sha256").update(second).digest("hex"));
    expect(big.received_at).toBe("2023-05-18T01:00:00.000Z");
  });

  it("a consumer that stops half-way does not derail the messages after it", async () => {
    const path = join(dir, "mbox");
    await writeParts(path, [
      "From x Mon May 15 10:00:00 2023\nSubject: one\n\nbody one\nline two\n\n",
      "From y Tue May 16 10:00:00 2023\nSubject: two\n\nbody two\n",
    ]);
    const subjects: string[] = [];
    for await (const message of splitMbox(path)) {
      subjects.push(message.header.toString().split("\n")[0]!);
      // read nothing of the content
    }
    expect(subjects).toEqual(["Subject: one", "Subject: two"]);
    expect(fromLineDate("From x Tue May 16 10:00:00 2023")?.toISOString()).toBe("2023-05-16T10:00:00.000Z");
    expect(fromLineDate("From MAILER-DAEMON Sat Jan  3 01:05:34 1996")?.toISOString()).toBe(
      "1996-01-03T01:05:34.000Z",
    );
  });
});
