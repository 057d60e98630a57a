// Which recorded file a file found on reprocessing is. Links to a file (download, preview, seal
// page; in mails to staff, bookmarks, an open page) carry its attachment id, so reprocessing a
// message must give a file it finds again the id it had, or those links answer 404. Pure.

/** What tells two recordings of a message's file apart. */
export interface FileIdentity {
  content_hash?: string | null;
  original_name: string;
  /** The archive it came out of, by name. */
  parent_id?: string | null;
  link_url?: string | null;
}

/**
 * For each new file, the id of the recorded file it is, or undefined for a file not seen before.
 * The same content, name, archive and link first; then the same content under another name (a
 * parser that now decodes a GBK name, an archive now opened). Each old id is given out once, in
 * the order the files were recorded, so two copies of one file keep two ids. A file without
 * content (a link not fetched) matches only exactly.
 */
export function keptAttachmentIds(
  before: readonly (FileIdentity & { id: string })[],
  files: readonly FileIdentity[],
): (string | undefined)[] {
  const key = (f: FileIdentity) =>
    JSON.stringify([f.content_hash, f.original_name, f.parent_id ?? null, f.link_url ?? null]);
  const left = [...before];
  const take = (match: (old: FileIdentity) => boolean): string | undefined => {
    const at = left.findIndex(match);
    return at < 0 ? undefined : left.splice(at, 1)[0]!.id;
  };
  const exact = files.map((f) => take((old) => key(old) === key(f)));
  return exact.map((id, i) => {
    const hash = files[i]!.content_hash;
    return id ?? (hash ? take((old) => old.content_hash === hash) : undefined);
  });
}
