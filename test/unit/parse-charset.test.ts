import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import {
  decodeCharset,
  decodeEncodedWords,
  decodeRawHeaderValue,
  decodeUndeclared,
} from "../../src/adapters/parse/charset.ts";
import { parseHeaderParams } from "../../src/adapters/parse/header-params.ts";

const binary = (s: string, enc: string) => iconv.encode(s, enc).toString("latin1");

describe("charsets of Chinese mail", () => {
  it("decodes undeclared bytes as UTF-8 when valid, else GB18030", () => {
    expect(decodeUndeclared(Buffer.from("鹿泉区", "utf8"))).toBe("鹿泉区");
    expect(decodeUndeclared(iconv.encode("鹿泉区", "gbk"))).toBe("鹿泉区");
  });

  it("decodes text labelled GB2312 that holds GBK-only characters (镕, 珺)", () => {
    expect(decodeCharset(iconv.encode("联系人：朱镕珺", "gbk"), "gb2312")).toBe("联系人：朱镕珺");
  });

  it("falls back for an unknown or lying label instead of throwing", () => {
    expect(decodeCharset(iconv.encode("水利局", "gbk"), "x-unknown-charset")).toBe("水利局");
    expect(decodeCharset(iconv.encode("水利局", "gbk"), "utf-8")).toBe("水利局");
  });

  it("decodes RFC 2047 B and Q words, joined across a split multibyte character", () => {
    const gbk = iconv.encode("市水利局", "gbk");
    const b1 = gbk.subarray(0, 3).toString("base64");
    const b2 = gbk.subarray(3).toString("base64");
    expect(decodeEncodedWords(`=?GBK?B?${b1}?= =?GBK?B?${b2}?=`)).toBe("市水利局");
    expect(decodeEncodedWords("=?utf-8?Q?=E5=9B=9E=E5=A4=8D=EF=BC=9A?=abc")).toBe("回复：abc");
    expect(decodeEncodedWords("=?big5_tw?b?pPSnUQ==?=")).toBe("水利");
  });

  it("decodes a raw header value holding both 8-bit GBK and encoded words", () => {
    const raw = `${binary("转发：", "gbk")}=?utf-8?B?${Buffer.from("报告").toString("base64")}?=`;
    expect(decodeRawHeaderValue(raw)).toBe("转发：报告");
  });

  it("parses RFC 2231 parameters with continuations and a character split between them", () => {
    const enc = [...iconv.encode("鹿泉区进展.pdf", "gbk")]
      .map((b) => `%${b.toString(16).toUpperCase()}`)
      .join("");
    const v = `attachment;\r\n filename*0*=gbk''${enc.slice(0, 9)};\r\n filename*1*=${enc.slice(9)}`;
    expect(parseHeaderParams(v).filename).toBe("鹿泉区进展.pdf");
  });

  it("parses raw 8-bit GBK and encoded-word file names in quotes", () => {
    expect(parseHeaderParams(`attachment; filename="${binary("盖章页.jpg", "gbk")}"`).filename).toBe(
      "盖章页.jpg",
    );
    expect(parseHeaderParams('application/pdf; name="=?gb2312?B?vajJ6C5wZGY=?="').name).toBe("建设.pdf");
  });
});
