import { describe, expect, it } from "vitest";
import { asciiFallback, attachmentDisposition } from "../../src/web/content-disposition.ts";

describe("download names (RFC 6266 / RFC 8187)", () => {
  it("carries the Chinese name in filename* and an ASCII stand-in with the extension in filename", () => {
    expect(attachmentDisposition("材料.pdf")).toBe(
      `attachment; filename="attachment.pdf"; filename*=UTF-8''%E6%9D%90%E6%96%99.pdf`,
    );
  });

  it("keeps a mostly ASCII name readable, and never lets a quote, backslash or ; out of the quotes", () => {
    expect(asciiFallback("report 2023年4月.docx")).toBe("report 2023_4.docx");
    expect(asciiFallback('a"b;c\\\\d%.txt')).toBe("a_b_c_d.txt");
    const header = attachmentDisposition("it's (final)*.pdf");
    expect(header).toBe(
      `attachment; filename="it's (final)*.pdf"; filename*=UTF-8''it%27s%20%28final%29%2A.pdf`,
    );
  });

  it("never puts a path or a control character in either name", () => {
    const header = attachmentDisposition("../../etc/passwd\r\nX-Evil: 1");
    expect(header).not.toMatch(/[\r\n/]/);
    expect(attachmentDisposition("")).toBe(`attachment; filename="attachment"; filename*=UTF-8''attachment`);
  });
});
