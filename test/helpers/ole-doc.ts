// Edits a real .doc (512-byte sectors, no DIFAT) at the compound-file level, for the .doc guard's
// tests: its WordDocument stream moved to appended sectors and grown with zeros (still a valid
// .doc that word-extractor reads whole, text and all), or its sector chain made to loop.

const SECTOR = 512;

interface Layout {
  fatIds: number[];
  fat: Int32Array;
  /** File offset of the WordDocument directory entry. */
  entryAt: number;
  chain: number[];
  /** The stream's bytes. */
  bytes: Buffer;
}

function layout(doc: Buffer): Layout {
  if (doc.readUInt16LE(30) !== 9) throw new Error("helper handles 512-byte sectors only");
  const fatCount = doc.readInt32LE(44);
  const fatIds = Array.from({ length: fatCount }, (_v, i) => doc.readInt32LE(76 + i * 4));
  const fat = new Int32Array(fatCount * (SECTOR / 4));
  for (const [i, id] of fatIds.entries())
    for (let j = 0; j < SECTOR / 4; j++)
      fat[i * (SECTOR / 4) + j] = doc.readInt32LE((id + 1) * SECTOR + j * 4);
  const chainOf = (start: number) => {
    const ids: number[] = [];
    for (let id = start; id >= 0 && ids.length < fat.length; id = fat[id]!) ids.push(id);
    return ids;
  };
  for (const dirSector of chainOf(doc.readInt32LE(48))) {
    for (let at = (dirSector + 1) * SECTOR; at < (dirSector + 2) * SECTOR; at += 128) {
      const nameLength = Math.max(doc.readInt16LE(at + 64) - 2, 0);
      if (doc.toString("utf16le", at, at + nameLength) !== "WordDocument") continue;
      const size = doc.readInt32LE(at + 120);
      const chain = chainOf(doc.readInt32LE(at + 116));
      const sectorBytes = (id: number) => doc.subarray((id + 1) * SECTOR, (id + 2) * SECTOR);
      if (size >= doc.readInt32LE(56)) {
        const bytes = Buffer.concat(chain.map(sectorBytes)).subarray(0, size);
        return { fatIds, fat, entryAt: at, chain, bytes };
      }
      // A mini stream: 64-byte sectors inside the root entry's stream, chained by the mini FAT.
      const miniFat = Buffer.concat(chainOf(doc.readInt32LE(60)).map(sectorBytes));
      const rootAt = (doc.readInt32LE(48) + 1) * SECTOR;
      const ministream = Buffer.concat(chainOf(doc.readInt32LE(rootAt + 116)).map(sectorBytes));
      const parts: Buffer[] = [];
      for (let id = doc.readInt32LE(at + 116); id >= 0; id = miniFat.readInt32LE(id * 4))
        parts.push(ministream.subarray(id * 64, id * 64 + 64));
      return { fatIds, fat, entryAt: at, chain: [], bytes: Buffer.concat(parts).subarray(0, size) };
    }
  }
  throw new Error("no WordDocument stream");
}

/** The .doc with its WordDocument stream in new sectors at the end, `extraBytes` of zeros longer. */
export function growWordStream(doc: Buffer, extraBytes: number): Buffer {
  const { fatIds, fat, entryAt, bytes } = layout(doc);
  const content = Buffer.concat([bytes, Buffer.alloc(extraBytes)]);
  const sectors = Math.ceil(doc.length / SECTOR) - 1;
  const added = Math.ceil(content.length / SECTOR);
  let newFat = 0;
  while ((fatIds.length + newFat) * (SECTOR / 4) < sectors + added + newFat) newFat++;
  if (fatIds.length + newFat > 109) throw new Error("helper does not write DIFAT sectors");
  const table = new Int32Array((fatIds.length + newFat) * (SECTOR / 4)).fill(-1);
  table.set(fat);
  const ids = [...fatIds, ...Array.from({ length: newFat }, (_v, i) => sectors + added + i)];
  for (const id of ids.slice(fatIds.length)) table[id] = -3;
  for (let i = 0; i < added; i++) table[sectors + i] = i === added - 1 ? -2 : sectors + i + 1;

  const out = Buffer.alloc((sectors + added + newFat + 1) * SECTOR);
  doc.copy(out);
  content.copy(out, (sectors + 1) * SECTOR);
  out.writeInt32LE(ids.length, 44);
  for (const [i, id] of ids.entries()) out.writeInt32LE(id, 76 + i * 4);
  for (const [i, id] of ids.entries())
    for (let j = 0; j < SECTOR / 4; j++)
      out.writeInt32LE(table[i * (SECTOR / 4) + j]!, (id + 1) * SECTOR + j * 4);
  out.writeInt32LE(sectors, entryAt + 116);
  out.writeInt32LE(content.length, entryAt + 120);
  return out;
}

/** The .doc (its WordDocument moved to regular sectors) with that chain's last sector pointing back to its first. */
export function loopWordStream(doc: Buffer): Buffer {
  const moved = growWordStream(doc, 4096);
  const { fatIds, chain } = layout(moved);
  const last = chain.at(-1)!;
  const fatSector = fatIds[Math.floor(last / (SECTOR / 4))]!;
  moved.writeInt32LE(chain[0]!, (fatSector + 1) * SECTOR + (last % (SECTOR / 4)) * 4);
  return moved;
}
