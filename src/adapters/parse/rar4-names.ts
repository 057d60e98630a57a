/**
 * The raw name bytes of a RAR 4.x archive's file headers, in directory order, or null for a RAR 5
 * archive or one that cannot be walked. WinRAR before 5 on Chinese Windows stored names in the
 * system code page (GBK) unless a name needed Unicode; unrar reads such bytes as UTF-8 and loses
 * them, so they are taken from the headers here (technote for RAR 2.x-4.x: a block is CRC16,
 * type, flags, size; a file header's name starts 32 bytes in, 8 later with 64-bit sizes).
 */
export function rar4NameBytes(archive: Buffer): ({ raw: Buffer; unicode: boolean } | null)[] | null {
  const start = archive.indexOf("Rar!\x1a\x07\x00", 0, "latin1");
  if (start < 0 || start > 1024 * 1024) return null;
  const names: ({ raw: Buffer; unicode: boolean } | null)[] = [];
  let pos = start + 7;
  while (pos + 7 <= archive.length) {
    const type = archive[pos + 2]!;
    const flags = archive.readUInt16LE(pos + 3);
    const headSize = archive.readUInt16LE(pos + 5);
    if (headSize < 7) return null;
    let addSize = 0;
    if ((flags & 0x8000) !== 0 || type === 0x74) {
      if (pos + 11 > archive.length) return null;
      addSize = archive.readUInt32LE(pos + 7);
    }
    if (type === 0x73 && (flags & 0x0080) !== 0) return null; // encrypted headers
    if (type === 0x74) {
      const large = (flags & 0x0100) !== 0;
      const nameAt = pos + 32 + (large ? 8 : 0);
      if (large && pos + 36 <= archive.length) addSize += archive.readUInt32LE(pos + 32) * 2 ** 32;
      const nameSize = archive.readUInt16LE(pos + 26);
      if (nameAt + nameSize > archive.length) return null;
      const raw = archive.subarray(nameAt, nameAt + nameSize);
      const isDir = (flags & 0x00e0) === 0x00e0;
      names.push(isDir ? null : { raw, unicode: (flags & 0x0200) !== 0 });
    }
    if (type === 0x7b) break;
    pos += headSize + addSize;
  }
  return names;
}
