import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** LibreOffice's export filters for the formats units send. */
const filters = {
  docx: "docx:MS Word 2007 XML",
  doc: "doc:MS Word 97",
  pdf: "pdf:writer_pdf_Export",
} as const;

/**
 * Writes each HTML source to a file and has LibreOffice convert them all in one run (its start
 * is most of the cost), with a profile of its own so that parallel tests do not share one.
 * Returns the converted files' bytes by the names given.
 */
export async function convertWithLibreOffice(
  sources: { name: string; html: string }[],
  format: keyof typeof filters,
): Promise<Map<string, Buffer>> {
  const dir = await mkdtemp(join(tmpdir(), "report-inbox-soffice-"));
  try {
    for (const s of sources) await writeFile(join(dir, `${s.name}.html`), s.html);
    await run(
      "soffice",
      [
        `-env:UserInstallation=file://${join(dir, "profile")}`,
        "--headless",
        "--convert-to",
        filters[format],
        "--outdir",
        join(dir, "out"),
        ...sources.map((s) => join(dir, `${s.name}.html`)),
      ],
      { timeout: 120_000 },
    );
    const out = new Map<string, Buffer>();
    for (const s of sources) out.set(s.name, await readFile(join(dir, "out", `${s.name}.${format}`)));
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A report as a unit's clerk types it: paragraphs, and tables given as rows of cells. */
export function reportHtml(blocks: (string | string[][])[]): string {
  const body = blocks
    .map((b) =>
      typeof b === "string"
        ? `<p>${escapeHtml(b)}</p>`
        : `<table border="1">${b.map((row) => `<tr>${row.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`).join("")}</table>`,
    )
    .join("\n");
  return `<html><head><meta charset="utf-8"></head><body style="font-family:FangSong">${body}</body></html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
