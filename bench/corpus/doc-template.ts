import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { makeDocx } from "./docx.ts";

const run = promisify(execFile);

// Placeholders of fixed length in the template, overwritten in place in each copy. Word 97
// stores this text as UTF-16LE in one piece, so an equal-length replacement keeps the file valid.
const NAME = "甲乙丙";
const PHONE = "0311-80000000";
const UNIT = "〇".repeat(14);
const LABEL = "联系人：";

export interface DocTemplate {
  /** A .doc for this unit and contact (name of 3 characters, phone of 13). */
  make(unitId: string, contact: { name: string; phone: string } | null): Buffer;
}

function utf16(s: string): Buffer {
  return Buffer.from(s, "utf16le");
}

/**
 * A real Word 97 .doc (word-extractor reads it, as the service does), made once per corpus by
 * LibreOffice from a .docx with placeholders. No JavaScript library writes .doc; units still
 * send it (old Word and WPS), and reading it costs more than a .docx.
 */
export async function makeDocTemplate(month: number): Promise<DocTemplate> {
  const dir = await mkdtemp(join(tmpdir(), "ri-bench-doc-"));
  try {
    const docx = join(dir, "template.docx");
    await writeFile(
      docx,
      makeDocx(
        [
          `关于${month}月份工作进展情况的报告`,
          "一、工作进展情况",
          `${month}月份，我单位认真落实市生态文明建设领导小组办公室工作要点，持续推进各项任务。`,
          "二、存在的问题及下一步打算",
          "部分任务推进较慢，下一步将加强调度，确保按期完成。",
          `${LABEL}${NAME} 联系电话：${PHONE}`,
          `报送单位：${UNIT}`,
        ],
        4096,
      ),
    );
    try {
      await run("soffice", ["--headless", "--convert-to", "doc", "--outdir", dir, docx], {
        timeout: 120_000,
      });
    } catch (err) {
      throw new Error(
        `无法用 LibreOffice (soffice) 生成 .doc 样本: ${(err as Error).message.split("\n")[0]}`,
      );
    }
    const template = await readFile(join(dir, "template.doc"));
    const at = (s: string) => {
      const i = template.indexOf(utf16(s));
      if (i < 0) throw new Error(`.doc 样本中找不到占位文字 ${s}`);
      return i;
    };
    const labelAt = at(`${LABEL}${NAME}`);
    const phoneAt = at(PHONE);
    const unitAt = at(UNIT);
    return {
      make(unitId, contact) {
        const doc = Buffer.from(template);
        // Unit name padded with spaces at the end of its line; without a contact the line says
        // something else of the same length.
        utf16(unitId.padEnd(UNIT.length, " ").slice(0, UNIT.length)).copy(doc, unitAt);
        if (contact) {
          utf16(`${LABEL}${contact.name.padEnd(NAME.length, " ")}`).copy(doc, labelAt);
          utf16(contact.phone.padEnd(PHONE.length, " ")).copy(doc, phoneAt);
        } else {
          utf16("经办：办公室".padEnd(LABEL.length + NAME.length, " ")).copy(doc, labelAt);
          utf16(" ".repeat(PHONE.length)).copy(doc, phoneAt);
        }
        return doc;
      },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
