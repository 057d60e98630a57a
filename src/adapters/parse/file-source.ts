import { open, readFile } from "node:fs/promises";
import yauzl from "yauzl";

/**
 * A stored file to look at: its path, and its bytes when they are in memory already (an
 * attachment just decoded, a small file just stored). Read from the bytes when there are some:
 * each look at a file on disk is several system calls through libuv's thread pool, and a report
 * mail's attachments were looked at five times over (type, zip directory, PDF scan, size check,
 * text).
 */
export interface FileSource {
  path: string;
  size: number;
  bytes?: Buffer | undefined;
}

export function fileAt(path: string, size: number, bytes?: Buffer): FileSource {
  return { path, size, bytes };
}

/** The first `length` bytes (fewer if the file is shorter). */
export async function readHead(src: FileSource, length: number): Promise<Buffer> {
  if (src.bytes) return src.bytes.subarray(0, length);
  const fh = await open(src.path, "r");
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

export async function readWhole(src: FileSource): Promise<Buffer> {
  return src.bytes ?? readFile(src.path);
}

export function openZip(src: FileSource, options: yauzl.Options): Promise<yauzl.ZipFile> {
  return src.bytes ? yauzl.fromBufferPromise(src.bytes, options) : yauzl.openPromise(src.path, options);
}
