import { createHash } from "node:crypto";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import sharp from "sharp";
import { afterEach, describe, expect, it } from "vitest";
import { ingestRawMessage } from "../../src/usecases/ingest-message.ts";
import { enqueueMail } from "../../src/usecases/outbox.ts";
import { processMessage } from "../../src/usecases/process-message.ts";
import { backends } from "../helpers/db.ts";
import { deliverReviewMail } from "./review-mail.ts";
import { type BoardEnv, startBoardEnv } from "./web-env.ts";

// The message page as staff use it before deciding: headers and the sender check in words, an
// HTML body shown as text, each file with its kind, size, download and preview, what processing
// decided; downloads byte-identical, by the ids the page gave out only.

const sha = (b: Buffer | Uint8Array) => createHash("sha256").update(b).digest("hex");

describe.each(backends)("message page (%s)", (backend) => {
  let env: BoardEnv | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  it("shows headers, the sender check, the body as text, files with kinds, previews and the decision", async () => {
    env = await startBoardEnv(backend);
    const mail = await deliverReviewMail(env);
    const list = await (await env.fetch(`/review`)).text();
    expect(list).toContain(`<a href="/messages/${mail.id}">4月份材料</a>`);

    const res = await env.fetch(`/messages/${mail.id}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("<h1>4月份材料</h1>");
    expect(html).toContain("小李 &lt;123456789@qq.com&gt;");
    expect(html).toContain("环资处 &lt;huanzichu@example.gov.cn&gt;");
    expect(html).toContain("王五 &lt;wangwu@qq.com&gt;");
    expect(html).toContain("2023年5月10日 09:00");
    expect(html).toContain("SPF 通过　DKIM 通过　DMARC 通过");
    // The HTML-only body is text: no live markup from the mail, no remote image.
    expect(html).toContain("附件是4月份材料，请查收。");
    expect(html).not.toContain('alert("x")');
    expect(html).not.toContain("tracker.example");
    expect(html).not.toContain("<b>4月份材料</b>");
    // The decision and why.
    expect(html).toContain("待人工核实");
    expect(html).toContain("（无法识别单位）");
    expect(html).toContain("记住此发件地址属于该单位");
    // Files: kind, size, download by id, previews.
    const files = await env.tdb.repos.messages.attachmentsOf([mail.id]);
    const byName = new Map(files.map((f) => [f.original_name, f]));
    expect([...byName.keys()].sort()).toEqual(
      ["4月份工作进展 (定稿).docx", "材料.pdf", "现场照片.png"].sort(),
    );
    expect(html).toContain("盖章扫描件");
    expect(html).toContain("电子版");
    for (const f of files) expect(html).toContain(`href="/messages/${mail.id}/files/${f.id}"`);
    expect(html).toContain(`src="/messages/${mail.id}/files/${byName.get("材料.pdf")!.id}/preview.png"`);
    expect(html).toContain(`src="/messages/${mail.id}/files/${byName.get("现场照片.png")!.id}/preview.png"`);
    expect(html).toContain("一、持续开展蓝天保卫战，完成散煤治理清零任务。");
    expect(html).toContain("联系人：李明");

    // The PDF's first page as a PNG, cached on disk under DATA_DIR/previews.
    const pdfId = byName.get("材料.pdf")!.id;
    const preview = await env.fetch(`/messages/${mail.id}/files/${pdfId}/preview.png`);
    expect(preview.status).toBe(200);
    expect(preview.headers.get("content-type")).toBe("image/png");
    const png = Buffer.from(await preview.arrayBuffer());
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe("png");
    expect(meta.width).toBeLessThanOrEqual(900);
    expect(meta.height! / meta.width!).toBeGreaterThan(1.3); // an A4 page, portrait
    const cached = await readdir(join(env.tdb.dataDir, "previews"));
    expect(cached.some((n) => n.startsWith("page-") && n.endsWith(".png"))).toBe(true);
    const again = Buffer.from(
      await (await env.fetch(`/messages/${mail.id}/files/${pdfId}/preview.png`)).arrayBuffer(),
    );
    expect(sha(again)).toBe(sha(png));
  });

  it("says in Chinese when the raw mail cannot be read, and still shows what was recorded", async () => {
    env = await startBoardEnv(backend);
    const id = "e".repeat(64);
    await env.tdb.repos.messages.insert({
      id,
      source: "imap",
      raw_size: 100,
      subject: "原文丢失的邮件",
      from_addr: "lost@qq.com",
      state: "failed",
      reason_code: "parse.missing",
      reason: "无法解析邮件: 找不到邮件原文，无法解析",
      received_at: "2023-05-12T01:00:00Z",
    });
    const res = await env.fetch(`/messages/${id}`);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain("原文丢失的邮件");
    expect(page).toContain("无法读取邮件原文");
    expect(page).toContain("处理失败");
    expect(page).toContain("（邮件原文丢失）");
    expect(page).toContain("这封邮件没有附件。");
  });

  it("is reached from the mail log: an acknowledgement links to the mail it answers", async () => {
    env = await startBoardEnv(backend);
    const mail = await deliverReviewMail(env);
    const deps = { repos: env.tdb.repos, config: env.deps.config, clock: env.clock, queue: null };
    const ack = await enqueueMail(deps, {
      key: `ack:${mail.id}`,
      kind: "ack",
      recipients: ["123456789@qq.com"],
      subject: "回执：4月份材料",
      payload: { text: "已收到", html: "<p>已收到</p>", autoSubmitted: "auto-replied" },
    });
    const detail = await (await env.fetch(`/mail/${ack.id}`)).text();
    expect(detail).toContain(`<a href="/messages/${mail.id}">查看来信</a>`);
  });

  it("downloads each file byte-identical, with RFC 6266 names and nosniff, by its own message's ids only", async () => {
    env = await startBoardEnv(backend);
    const mail = await deliverReviewMail(env);
    const files = await env.tdb.repos.messages.attachmentsOf([mail.id]);
    const original: Record<string, Buffer> = {
      "材料.pdf": mail.pdf,
      "4月份工作进展 (定稿).docx": mail.docx,
      "现场照片.png": mail.photo,
    };
    for (const f of files) {
      const res = await env.fetch(`/messages/${mail.id}/files/${f.id}`);
      expect(res.status).toBe(200);
      expect(sha(Buffer.from(await res.arrayBuffer()))).toBe(sha(original[f.original_name]!));
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("cache-control")).toContain("no-store");
    }
    const docx = files.find((f) => f.original_name.endsWith(".docx"))!;
    const res = await env.fetch(`/messages/${mail.id}/files/${docx.id}`);
    expect(res.headers.get("content-disposition")).toBe(
      `attachment; filename="attachment.docx"; filename*=UTF-8''4%E6%9C%88%E4%BB%BD%E5%B7%A5%E4%BD%9C%E8%BF%9B%E5%B1%95%20%28%E5%AE%9A%E7%A8%BF%29.docx`,
    );
    expect(res.headers.get("content-type")).toBe(
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    );

    // Another message's file under this message's id: not found. So are made-up and path-like ids.
    const second = await (async () => {
      const raw = await new MailComposer({
        from: "x@qq.com",
        to: "huanzichu@example.gov.cn",
        subject: "另一封",
        text: "见附件",
        attachments: [{ filename: "另一个.txt", content: "另一个文件" }],
      })
        .compile()
        .build();
      const { messageId } = await ingestRawMessage(
        { repos: env!.tdb.repos, store: env!.deps.processDeps.store, enqueueProcessing: async () => {} },
        Readable.from([raw]),
        { source: "import", receivedAt: new Date("2023-05-11T01:00:05Z") },
      );
      await processMessage(env!.deps.processDeps, messageId);
      return messageId;
    })();
    const foreign = (await env.tdb.repos.messages.attachmentsOf([second]))[0]!;
    expect((await env.fetch(`/messages/${second}/files/${foreign.id}`)).status).toBe(200);
    for (const path of [
      `/messages/${mail.id}/files/${foreign.id}`,
      `/messages/${mail.id}/files/..%2F..%2Fetc%2Fpasswd`,
      `/messages/${mail.id}/files/${"0".repeat(64)}`,
      `/messages/..%2F${mail.id}/files/${docx.id}`,
      `/messages/${"f".repeat(64)}`,
    ]) {
      expect((await env.fetch(`${path}`)).status, path).toBe(404);
    }
  });

  it("keeps download and preview links working after 重新处理: same ids, same bytes", async () => {
    env = await startBoardEnv(backend);
    const mail = await deliverReviewMail(env);
    const original = new Map([
      ["材料.pdf", mail.pdf],
      ["4月份工作进展 (定稿).docx", mail.docx],
      ["现场照片.png", mail.photo],
    ]);
    // The links as staff would have them: taken from the page before reprocessing.
    const linksOf = (html: string) =>
      [
        ...html.matchAll(
          /(?:href|src)="(\/(?:messages|attachments)\/[^"]*\/(?:files\/[^"/]+|seal\.png)[^"]*)"/g,
        ),
      ]
        .map((m) => m[1]!)
        .sort();
    const before = linksOf(await (await env.fetch(`/messages/${mail.id}`)).text());
    const downloads = before.filter((l) => /\/files\/[^/]+$/.test(l));
    expect(downloads).toHaveLength(3);
    expect(before.some((l) => l.endsWith("/preview.png"))).toBe(true);
    const namesBefore = new Map(
      (await env.tdb.repos.messages.attachmentsOf([mail.id])).map((f) => [f.id, f.original_name]),
    );

    const res = await env.session.post(`/review/${mail.id}/reprocess`, { back: "message" });
    expect(res.status).toBe(303);
    const after = linksOf(await (await env.fetch(`/messages/${mail.id}?done=reprocessed`)).text());
    expect(after).toEqual(before);
    for (const link of before) expect((await env.fetch(link)).status, link).toBe(200);
    for (const link of downloads) {
      const body = Buffer.from(await (await env.fetch(link)).arrayBuffer());
      const name = namesBefore.get(decodeURIComponent(link.split("/").at(-1)!))!;
      expect(sha(body), name).toBe(sha(original.get(name)!));
    }
    // Reprocessing wrote the rows again (one more processing), under the ids they had.
    expect((await env.tdb.repos.messages.find(mail.id))!.attempts).toBe(2);
  });
});
