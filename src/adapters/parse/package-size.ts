import type yauzl from "yauzl";
import { type FileSource, openZip } from "./file-source.ts";
import { readZipDirectory } from "./zip-directory.ts";

/**
 * Declared expanded size of a zip package (docx, odt), from its central directory alone: a
 * document whose XML expands to gigabytes is a bomb, and mammoth would inflate it into memory.
 */
export async function zipExpandedBytes(src: FileSource): Promise<number> {
  const read = src.bytes ? readZipDirectory(src.bytes) : null;
  if (read) return read.reduce((sum, e) => sum + e.uncompressedSize, 0);
  const zip = await openZip(src, { lazyEntries: true, autoClose: false, decodeStrings: false });
  try {
    return await new Promise<number>((resolve, reject) => {
      let total = 0;
      zip.on("entry", (entry: yauzl.Entry) => {
        total += entry.uncompressedSize;
        zip.readEntry();
      });
      zip.once("end", () => resolve(total));
      zip.once("error", reject);
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}
