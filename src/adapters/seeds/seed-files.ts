import { readdir, readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import iconv from "iconv-lite";
import { packageRoot } from "../../package-root.ts";
import { readDocumentFile } from "../parse/document-text.ts";

// The files seeding reads: the year's work-points notice and the unit catalog (seeds/units.yaml).

/** The seeds/ folder shipped with the service. */
export const bundledSeedsDir = join(packageRoot, "seeds");

/**
 * The text of a work-points notice: a .txt file (UTF-8, else GB18030 as Chinese Windows saves
 * it), or a document (.docx and the other formats attachments are read in), read by the same
 * code and guards as attachments (a zip bomb is refused, not expanded).
 */
export async function readWorkPointsText(filePath: string): Promise<string> {
  if (extname(filePath).toLowerCase() === ".txt") {
    const bytes = await readFile(filePath);
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      return iconv.decode(bytes, "gb18030");
    }
  }
  const { text, note } = await readDocumentFile(filePath);
  if (text === null)
    throw new Error(
      `无法读取工作要点文件 ${filePath}：${note ?? "没有文字"}；请另存为 .docx 或 .txt 后再导入`,
    );
  return text;
}

/** The unit catalog's YAML text (seeds/units.yaml unless another file is given). */
export function readUnitCatalogText(
  catalogPath: string = join(bundledSeedsDir, "units.yaml"),
): Promise<string> {
  return readFile(catalogPath, "utf8");
}

/** The work-points documents in a seeds folder (.txt/.docx), by file name. */
export async function listSeedDocuments(seedsDir: string = bundledSeedsDir): Promise<string[]> {
  const names = await readdir(seedsDir);
  return names
    .filter((n) => /\.(txt|docx)$/i.test(n))
    .sort()
    .map((n) => join(seedsDir, n));
}
