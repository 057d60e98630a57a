import { describe, expect, it } from "vitest";
import { keptAttachmentIds } from "../../src/domain/attachment-identity.ts";

const file = (content_hash: string | null, original_name: string, parent_id: string | null = null) => ({
  content_hash,
  original_name,
  parent_id,
  link_url: null,
});

describe("keptAttachmentIds (a file found again on reprocessing keeps its id)", () => {
  it("gives each file found again the id it had, whatever the order", () => {
    const before = [
      { id: "a", ...file("h1", "报告.pdf") },
      { id: "b", ...file("h2", "报告.docx") },
    ];
    expect(keptAttachmentIds(before, [file("h2", "报告.docx"), file("h1", "报告.pdf")])).toEqual(["b", "a"]);
  });

  it("keeps the id of the same content under a better-decoded name; a new file gets none", () => {
    const before = [{ id: "a", ...file("h1", "=?gbk?B?x+u=?=.pdf") }];
    expect(keptAttachmentIds(before, [file("h1", "报告.pdf"), file("h3", "照片.jpg")])).toEqual([
      "a",
      undefined,
    ]);
  });

  it("gives two copies of one file two ids, and an old id only once", () => {
    const before = [
      { id: "a", ...file("h1", "报告.pdf") },
      { id: "b", ...file("h1", "报告.pdf", "材料.zip") },
    ];
    expect(
      keptAttachmentIds(before, [
        file("h1", "报告.pdf", "材料.zip"),
        file("h1", "报告.pdf"),
        file("h1", "副本.pdf"),
      ]),
    ).toEqual(["b", "a", undefined]);
  });

  it("matches a file without content (a link not fetched) only by name, archive and link", () => {
    const before = [{ id: "a", ...file(null, "超大附件.zip"), link_url: "https://mail.163.com/x" }];
    expect(
      keptAttachmentIds(before, [{ ...file(null, "超大附件.zip"), link_url: "https://mail.163.com/x" }]),
    ).toEqual(["a"]);
    expect(keptAttachmentIds(before, [file(null, "另一个.zip")])).toEqual([undefined]);
  });
});
