import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findLargeBase64Bodies } from "../../src/adapters/parse/large-bodies.ts";
import { type StreamedMessage, streamMessage } from "../../src/adapters/parse/mime-stream.ts";
import type { ContentStore } from "../../src/adapters/store/content-store.ts";
import { composeMail } from "../helpers/compose.ts";
import { FIXTURES, rng, tempStore } from "./parse-helpers.ts";

let store: ContentStore;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ store, cleanup } = await tempStore());
});
afterAll(async () => {
  await cleanup();
});

/** What the rest of the parser reads from a streamed message. */
function outcome(m: StreamedMessage) {
  return {
    headerLines: m.headerLines.map((h) => h.line),
    text: m.text,
    html: m.html,
    brokenOff: m.brokenOff,
    textParts: m.rawTextParts.map((p) => ({
      type: p.contentType,
      charset: p.charset,
      bytes: Buffer.concat(p.chunks).toString("hex"),
    })),
    attachments: m.attachments.map((a) => ({
      contentType: a.contentType,
      filename: a.filename,
      rawName: a.rawName,
      rawEightBitName: a.rawEightBitName,
      related: a.related,
      failed: a.failed,
      hash: a.stored?.hash ?? null,
      size: a.stored?.size ?? null,
    })),
  };
}

/** Both ways: every base64 body cut out and decoded natively, and mailparser alone. */
async function bothWays(raw: Buffer) {
  const { path } = await store.putBuffer(raw);
  const cut = outcome(await streamMessage(store, path, { cutMinBytes: 1 }));
  const ordinary = outcome(await streamMessage(store, path, { cutMinBytes: Number.POSITIVE_INFINITY }));
  return { cut, ordinary, bodies: findLargeBase64Bodies(raw, 1).length };
}

async function fixtures(): Promise<{ name: string; raw: Buffer }[]> {
  const dir = join(FIXTURES, "eml");
  const names = (await readdir(dir)).filter((n) => n.endsWith(".eml")).sort();
  return Promise.all(names.map(async (name) => ({ name, raw: await readFile(join(dir, name)) })));
}

describe("parsing with the large base64 bodies cut out", () => {
  it("gives exactly what mailparser alone gives, for every fixture mail", async () => {
    let cutSomewhere = 0;
    for (const { name, raw } of await fixtures()) {
      const { cut, ordinary, bodies } = await bothWays(raw);
      expect(cut, name).toEqual(ordinary);
      if (bodies > 0) cutSomewhere++;
    }
    // The comparison means something only if most fixtures had bodies to cut.
    expect(cutSomewhere).toBeGreaterThanOrEqual(10);
  });

  it("gives the same for a report mail with a scan and a .docx, in LF and CRLF", async () => {
    const scan = Buffer.concat([Buffer.from("%PDF-1.4\n"), Buffer.alloc(300 * 1024, 7)]);
    const docx = await readFile(join(FIXTURES, "files", "report.docx"));
    const crlf = await composeMail({
      from: "张三 <a@example.com>",
      subject: "市生态环境局10月份工作进展情况",
      text: "您好：附件为10月份工作进展情况。联系人：张三 13800000000",
      attachments: [
        { filename: "盖章版.pdf", content: scan, contentType: "application/pdf" },
        { filename: "电子版.docx", content: docx },
      ],
    });
    for (const raw of [crlf, Buffer.from(crlf.toString("latin1").replaceAll("\r\n", "\n"), "latin1")]) {
      const { cut, ordinary, bodies } = await bothWays(raw);
      expect(bodies).toBe(2);
      expect(cut).toEqual(ordinary);
      expect(cut.attachments.map((a) => a.size)).toEqual([scan.length, docx.length]);
    }
  });

  it("gives the same for 200 damaged copies (cut short, bytes flipped, lines broken)", async () => {
    const sources = await fixtures();
    const r = rng(20261129);
    for (let i = 0; i < 200; i++) {
      const { name, raw } = sources[Math.floor(r() * sources.length)]!;
      let damaged: Buffer;
      const how = i % 3;
      if (how === 0) damaged = raw.subarray(0, Math.floor(r() * raw.length));
      else if (how === 1) {
        damaged = Buffer.from(raw);
        for (let k = 0; k < 1 + Math.floor(r() * 30); k++) {
          damaged[Math.floor(r() * damaged.length)] = Math.floor(r() * 256);
        }
      } else {
        // A line break, a dash or an "=" dropped into the middle of the text.
        const at = Math.floor(r() * raw.length);
        const insert = ["\r\n", "\r\n-", "=", "\n--", " "][Math.floor(r() * 5)]!;
        damaged = Buffer.concat([raw.subarray(0, at), Buffer.from(insert), raw.subarray(at)]);
      }
      if (damaged.length === 0) continue;
      const { cut, ordinary } = await bothWays(damaged);
      expect(cut, `case ${i} (${name}, damage ${how})`).toEqual(ordinary);
    }
  });
});
