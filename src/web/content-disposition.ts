// Content-Disposition for a download (RFC 6266): filename* carries the real name in UTF-8
// (RFC 8187), filename an ASCII stand-in for clients that do not read filename*. Written here
// rather than taken from the content-disposition package: one function, and the name given is
// already stripped of paths and control characters (the parser's safe name).

/** `attachment; filename="…"; filename*=UTF-8''…` for a file called `name`. */
export function attachmentDisposition(name: string): string {
  const clean = name.replace(/[\u0000-\u001f\u007f/\\]/g, "_").trim() || "attachment";
  return `attachment; filename="${asciiFallback(clean)}"; filename*=UTF-8''${encodeRfc8187(clean)}`;
}

/**
 * The name for a client that reads only `filename`: printable ASCII as it is, other characters
 * and quotes as "_"; a name that is mostly not ASCII (a Chinese name) becomes "attachment". The
 * extension is kept, so the file still opens with the right program.
 */
export function asciiFallback(name: string): string {
  const dot = name.lastIndexOf(".");
  const ext = dot > 0 ? name.slice(dot).replace(/[^A-Za-z0-9.]/g, "") : "";
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const foreign = [...stem].filter((ch) => !/[\x20-\x7e]/.test(ch)).length;
  const base = stem
    .replace(/[^\x20-\x7e]|["%;\\]/g, "_")
    .replace(/_+/g, "_")
    .replace(/^[_ ]+|[_ ]+$/g, "");
  const readable = /[A-Za-z0-9]/.test(base) && foreign * 2 < [...stem].length;
  return `${readable ? base : "attachment"}${ext}`;
}

/** RFC 8187 value-chars: attr-char as is, every other byte percent-encoded. */
function encodeRfc8187(value: string): string {
  return encodeURIComponent(value).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
