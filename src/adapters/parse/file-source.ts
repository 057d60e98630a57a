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

/** Reads parts of a file at given positions: from its bytes, or through one open handle. */
export interface RangeReader {
  /** `length` bytes from `position` (fewer at the end of the file). */
  read(position: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}

export async function openRangeReader(src: FileSource): Promise<RangeReader> {
  const bytes = src.bytes;
  if (bytes) {
    return {
      read: async (position, length) => bytes.subarray(position, position + length),
      close: async () => undefined,
    };
  }
  const fh = await open(src.path, "r");
  return {
    async read(position, length) {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, position);
      return buf.subarray(0, bytesRead);
    },
    close: () => fh.close(),
  };
}

/** The first `length` bytes (fewer if the file is shorter). */
export async function readHead(src: FileSource, length: number): Promise<Buffer> {
  const reader = await openRangeReader(src);
  try {
    return await reader.read(0, length);
  } finally {
    await reader.close();
  }
}

export async function readWhole(src: FileSource): Promise<Buffer> {
  return src.bytes ?? readFile(src.path);
}

export function openZip(src: FileSource, options: yauzl.Options): Promise<yauzl.ZipFile> {
  return src.bytes ? yauzl.fromBufferPromise(src.bytes, options) : yauzl.openPromise(src.path, options);
}
