import mammoth from "mammoth";

/** A compiled .docx as the office reads it: its paragraphs in order, and the part under a heading. */
export interface ReadBack {
  paragraphs: string[];
  /** The document's headings (Word's heading styles: what the navigation pane shows), by level. */
  headings: { level: number; text: string }[];
  /** The paragraphs after `heading` up to the next heading of the same or a higher level. */
  section(heading: string): string[];
}

const entities: Record<string, string> = {
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&#39;": "'",
};

/** Reads the .docx with mammoth (as the service reads units' files), headings by their Word style. */
export async function readCompilation(docx: Buffer): Promise<ReadBack> {
  const { value: html } = await mammoth.convertToHtml({ buffer: docx });
  const blocks = [...html.matchAll(/<(h[1-6]|p)>([\s\S]*?)<\/\1>/g)].map((m) => ({
    level: m[1]!.startsWith("h") ? Number(m[1]![1]) : null,
    text: m[2]!
      .replace(/<[^>]+>/g, "")
      .replace(/&[#\w]+;/g, (e) => entities[e] ?? e)
      .trim(),
  }));
  const paragraphs = blocks.map((b) => b.text).filter(Boolean);
  return {
    paragraphs,
    headings: blocks.filter((b) => b.level !== null) as { level: number; text: string }[],
    section(heading) {
      const start = blocks.findIndex((b) => b.text === heading && b.level !== null);
      if (start < 0) throw new Error(`no heading "${heading}" in the compilation`);
      const level = blocks[start]!.level!;
      const out: string[] = [];
      for (const b of blocks.slice(start + 1)) {
        if (b.level !== null && b.level <= level) break;
        if (b.text) out.push(b.text);
      }
      return out;
    },
  };
}
