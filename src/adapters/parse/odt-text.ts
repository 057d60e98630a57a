import type { FileSource } from "./file-source.ts";
import { decodeXmlText, readPackageXml } from "./package-xml.ts";

/** The text of an OpenDocument file: content.xml with paragraphs as lines and tags dropped. */
export async function readOdtText(src: FileSource, maxXmlBytes?: number): Promise<string> {
  const xml = await readPackageXml(src, "content.xml", maxXmlBytes);
  return decodeXmlText(
    xml
      .replace(/<text:(p|h)\b[^>]*\/>/g, "\n")
      .replace(/<\/text:(p|h)>/g, "\n")
      .replace(/<text:tab\/>/g, "\t")
      .replace(/<text:s(\s[^>]*)?\/>/g, " ")
      .replace(/<[^>]+>/g, ""),
  );
}
