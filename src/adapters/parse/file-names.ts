const MAX_NAME_CHARS = 120;

/**
 * A file name safe for disk and for mail: no directories (either slash), no control, bidi or
 * zero-width characters (a U+202E can make "txt.exe" look like "exe.txt"), no reserved Windows
 * characters, at most 120 characters with the extension kept. Never empty.
 */
export function safeFileName(original: string, fallback = "附件"): string {
  const base = original.split(/[\\/]/).pop() ?? "";
  let name = base
    .normalize("NFC")
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, "")
    .replace(/[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufffd]/g, "")
    .replace(/[<>:"|?*]/g, "_")
    .trim()
    .replace(/^\.+/, "")
    .replace(/[. ]+$/, "");
  if (!name) name = fallback;
  const chars = Array.from(name);
  if (chars.length > MAX_NAME_CHARS) {
    const ext = extensionOf(name);
    const keep = MAX_NAME_CHARS - (ext ? ext.length + 1 : 0);
    name = chars.slice(0, Math.max(1, keep)).join("") + (ext ? `.${ext}` : "");
  }
  return name;
}

/** Lower-case extension without the dot, "" when there is none (or it is implausibly long). */
export function extensionOf(name: string): string {
  const m = name.match(/\.([A-Za-z0-9]{1,8})$/);
  return m ? m[1]!.toLowerCase() : "";
}
