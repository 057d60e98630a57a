import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseStoredMessage } from "../../src/adapters/parse/parse-message.ts";
import type { ContentStore } from "../../src/adapters/store/content-store.ts";
import { limits, tempStore } from "./parse-helpers.ts";

/** A bounce as Coremail sends it: the returned mail attached as application/octet-stream *.eml. */
function bounceWithReturnedMail(): Buffer {
  const returned = [
    "From: =?utf-8?B?5biC5rC05Yip5bGA?= <shuiliju@example.cn>",
    "To: office@example.cn",
    "Subject: =?utf-8?B?5biC5rC05Yip5bGANOaciOS7veW3peS9nOi/m+WxleaDheWGtQ==?=",
    "Message-ID: <returned@example.cn>",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "联系人：张三 联系电话：0311-86688888",
    "",
  ].join("\r\n");
  return Buffer.from(
    [
      "From: postmaster@example.cn",
      "To: shuiliju@example.cn",
      "Subject: =?utf-8?B?57O757uf6YCA5L+h?=",
      "Message-ID: <bounce@example.cn>",
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
      "",
      "--b1",
      "Content-Type: text/plain; charset=utf-8",
      "",
      "您的邮件未能送达。",
      "--b1",
      "Content-Type: message/delivery-status",
      "",
      "Final-Recipient: rfc822; office@example.cn",
      "Action: failed",
      "Status: 5.1.1",
      "",
      "--b1",
      'Content-Type: application/octet-stream; name="=?utf-8?B?6YCA5Zue55qE6YKu5Lu2LmVtbA==?="',
      'Content-Disposition: attachment; filename="=?utf-8?B?6YCA5Zue55qE6YKu5Lu2LmVtbA==?="',
      "Content-Transfer-Encoding: base64",
      "",
      Buffer.from(returned).toString("base64"),
      "--b1--",
      "",
    ].join("\r\n"),
  );
}

describe("a mail attached to a mail", () => {
  let store: ContentStore;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ store, cleanup } = await tempStore());
  });
  afterEach(async () => {
    await cleanup();
  });

  it("keeps a bounce's returned mail (octet-stream *.eml) as a file and parses it as a message", async () => {
    const stored = await store.putBuffer(bounceWithReturnedMail(), { canonicalLineEnds: true });
    const m = await parseStoredMessage(store, stored.hash, limits);
    expect(m.subject).toBe("系统退信");
    expect(m.contentType).toBe("multipart/report");
    const returned = m.files.find((f) => f.originalName === "退回的邮件.eml");
    expect(returned).toMatchObject({ kind: "other" });
    expect(returned?.size).toBeGreaterThan(100);
    expect(m.forwarded.map((f) => [f.subject, f.from?.name])).toEqual([
      ["市水利局4月份工作进展情况", "市水利局"],
    ]);
    expect(m.forwarded[0]?.ownText).toContain("联系人：张三");
  });
});
