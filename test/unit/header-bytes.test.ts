import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { decodeRawHeaderValue } from "../../src/adapters/parse/charset.ts";
import { decodeHeaderBytes } from "../../src/adapters/parse/header-bytes.ts";

const bytes = (...parts: [string, string][]) => Buffer.concat(parts.map(([s, enc]) => iconv.encode(s, enc)));

describe("raw 8-bit header bytes, per run", () => {
  it.each([
    [
      "Big5 named only by the message's Content-Type",
      bytes(["養樂多線上訂購", "big5"]),
      "big5",
      "養樂多線上訂購",
    ],
    [
      "EUC-KR named only by the message's Content-Type",
      bytes(["[멜론] 이용약관 안내", "euc-kr"]),
      "euc-kr",
      "[멜론] 이용약관 안내",
    ],
    [
      "GBK with no declared charset",
      bytes(["市水利局4月份工作进展情况", "gbk"]),
      null,
      "市水利局4月份工作进展情况",
    ],
    [
      "UTF-8 with no declared charset",
      bytes(["市水利局4月份工作进展情况", "utf8"]),
      null,
      "市水利局4月份工作进展情况",
    ],
    ["GBK-only characters under a gb2312 label", bytes(["朱镕珺", "gbk"]), "gb2312", "朱镕珺"],
    ["UTF-8 text under a GBK label (a gateway's tag)", bytes(["外部邮件", "utf8"]), "gbk", "外部邮件"],
    [
      "UTF-8 and GBK runs separated by a space",
      bytes(["回复： ", "utf8"], ["市水利局4月份工作进展", "gbk"]),
      null,
      "回复： 市水利局4月份工作进展",
    ],
    [
      "a UTF-8 prefix glued to a GBK subject",
      bytes(["转发：", "utf8"], ["市水利局工作进展", "gbk"]),
      null,
      "转发：市水利局工作进展",
    ],
    [
      "a GBK subject followed by UTF-8 without a separator",
      bytes(["鹿泉区进展", "gbk"], ["（补充）", "utf8"]),
      null,
      "鹿泉区进展（补充）",
    ],
    [
      "a Big5 run and a UTF-8 run under a Big5 label",
      bytes(["回覆:", "big5"], [" 朱冠穎", "utf8"]),
      "big5",
      "回覆: 朱冠穎",
    ],
    ["GB18030 four-byte characters (digits inside)", bytes(["𠀀㐀", "gb18030"]), null, "𠀀㐀"],
  ])("%s", (_case, raw, declared, expected) => {
    expect(decodeHeaderBytes(raw, declared)).toBe(expected);
  });

  it("decodes raw bytes first, then the encoded words beside them", () => {
    const raw = `${bytes(["回覆：", "big5"]).toString("latin1")}=?utf-8?B?${Buffer.from("報告").toString("base64")}?=`;
    expect(decodeRawHeaderValue(raw, "big5")).toBe("回覆：報告");
  });
});
