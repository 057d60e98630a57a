// Writes small RAR archives for tests. Debian has no RAR creator (rar is non-free and not in the
// archive here) and none ships in an npm package, so the tests write archives in "store" mode
// (no compression) by the published format descriptions (RARLAB's technote for RAR 2.x-4.x and
// for RAR 5.0), with real AES-256 for RAR 5 encryption. Every archive a test uses is checked by
// two independent readers: The Unarchiver's lsar (Debian unar) and RARLAB's own unrar (in
// node-unrar-js), so a mistake here fails the test instead of testing the wrong thing.
import { createCipheriv, createHash, createHmac, randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";

export interface RarEntry {
  /** The name's bytes as stored: GBK bytes for an old Chinese WinRAR's non-Unicode name. */
  name: Buffer;
  data: Buffer;
  /** RAR 4: mark the name as Unicode (stored as UTF-8 only when the name is ASCII-compatible). */
  unicode?: boolean;
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

/** 2023-05-08 09:30 as an MS-DOS date and time. */
const DOS_TIME = ((2023 - 1980) << 25) | (5 << 21) | (8 << 16) | (9 << 11) | (30 << 5);

/** A RAR 4 block: CRC16 (low half of CRC32 over the rest), type, flags, size, body. */
function rar4Block(type: number, flags: number, body: Buffer): Buffer {
  const rest = Buffer.concat([Buffer.from([type]), u16(flags), u16(7 + body.length), body]);
  return Buffer.concat([u16(crc32(rest) & 0xffff), rest]);
}

/** A RAR 4.x archive (what WinRAR 3 and 4 wrote), entries stored uncompressed. */
export function writeRar4(entries: RarEntry[]): Buffer {
  const parts = [Buffer.from("Rar!\x1a\x07\x00", "latin1"), rar4Block(0x73, 0, Buffer.alloc(6))];
  for (const e of entries) {
    const flags = 0x8000 | (e.unicode ? 0x0200 : 0);
    const body = Buffer.concat([
      u32(e.data.length), // packed size
      u32(e.data.length), // unpacked size
      Buffer.from([2]), // host OS: Win32
      u32(crc32(e.data)),
      u32(DOS_TIME),
      Buffer.from([20, 0x30]), // version needed 2.0, method: store
      u16(e.name.length),
      u32(0x20), // archive attribute
      e.name,
    ]);
    parts.push(rar4Block(0x74, flags, body), e.data);
  }
  parts.push(rar4Block(0x7b, 0x4000, Buffer.alloc(0)));
  return Buffer.concat(parts);
}

function vint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  do {
    let byte = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) byte |= 0x80;
    out.push(byte);
  } while (v > 0);
  return Buffer.from(out);
}

/** A RAR 5 header: CRC32 over (size, rest), size as vint, then type, flags and the fields. */
function rar5Header(fields: Buffer): Buffer {
  const size = vint(fields.length);
  const crc = u32(crc32(Buffer.concat([size, fields])));
  return Buffer.concat([crc, size, fields]);
}

/** A RAR 5 archive (WinRAR 5 and later), entries stored; with a password, AES-256 encrypted. */
export function writeRar5(entries: RarEntry[], password?: string): Buffer {
  const parts = [
    Buffer.from("Rar!\x1a\x07\x01\x00", "latin1"),
    rar5Header(Buffer.concat([vint(1), vint(0), vint(0)])), // main header, no flags
  ];
  for (const e of entries) {
    const sealed = password ? encryptRar5(e.data, password) : null;
    const packed = sealed ? sealed.data : e.data;
    const extra = sealed ? extraRecord(0x01, sealed.record) : Buffer.alloc(0);
    const headerFlags = 0x0002 | (extra.length > 0 ? 0x0001 : 0); // data area (+ extra area)
    const fields = Buffer.concat([
      vint(2), // file header
      vint(headerFlags),
      ...(extra.length > 0 ? [vint(extra.length)] : []),
      vint(packed.length),
      vint(0x0004), // file flags: CRC32 present
      vint(e.data.length),
      vint(0x20), // attributes
      u32(crc32(e.data)),
      vint(0), // compression: version 0, store
      vint(0), // host OS: Windows
      vint(e.name.length),
      e.name,
      extra,
    ]);
    parts.push(rar5Header(fields), packed);
  }
  parts.push(rar5Header(Buffer.concat([vint(5), vint(0), vint(0)])));
  return Buffer.concat(parts);
}

function extraRecord(type: number, body: Buffer): Buffer {
  const content = Buffer.concat([vint(type), body]);
  return Buffer.concat([vint(content.length), content]);
}

const KDF_LOG2 = 15;

/**
 * RAR 5 file encryption: PBKDF2-HMAC-SHA256 with 2^15 rounds gives the AES-256 key; the same
 * chain run 32 rounds further gives the password check value (RAR 5.0 technote, "File encryption
 * record"). Data is AES-256-CBC, zero-padded to 16 bytes.
 */
function encryptRar5(data: Buffer, password: string): { data: Buffer; record: Buffer } {
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  const [key, , check] = pbkdf2Chain(Buffer.from(password, "utf8"), salt, 2 ** KDF_LOG2, [0, 16, 32]);
  const pswCheck = Buffer.alloc(8);
  for (let i = 0; i < 32; i++) pswCheck[i % 8]! ^= check![i]!;
  const checkSum = createHash("sha256").update(pswCheck).digest().subarray(0, 4);
  const padded = Buffer.concat([data, Buffer.alloc((16 - (data.length % 16)) % 16)]);
  const cipher = createCipheriv("aes-256-cbc", key!, iv).setAutoPadding(false);
  const encrypted = Buffer.concat([cipher.update(padded), cipher.final()]);
  const record = Buffer.concat([
    vint(0), // AES-256
    vint(0x0001), // password check data present
    Buffer.from([KDF_LOG2]),
    salt,
    iv,
    pswCheck,
    checkSum,
  ]);
  return { data: encrypted, record };
}

/** PBKDF2-HMAC-SHA256, one block, its value after `rounds` and after `rounds + extra` each. */
function pbkdf2Chain(password: Buffer, salt: Buffer, rounds: number, extras: number[]): Buffer[] {
  const mac = (b: Buffer) => createHmac("sha256", password).update(b).digest();
  let u = mac(Buffer.concat([salt, u32be(1)]));
  const acc = Buffer.from(u);
  const out: Buffer[] = [];
  const last = rounds + Math.max(...extras);
  for (let i = 1; i <= last; i++) {
    if (i > 1) {
      u = mac(u);
      for (let j = 0; j < 32; j++) acc[j]! ^= u[j]!;
    }
    if (extras.includes(i - rounds)) out.push(Buffer.from(acc));
  }
  return out;
}

function u32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
