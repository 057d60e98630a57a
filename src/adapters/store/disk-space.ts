import { statfs } from "node:fs/promises";

/** Free and total bytes of the file system holding `dir`; null when it cannot be read. */
export async function diskSpace(dir: string): Promise<{ freeBytes: number; totalBytes: number } | null> {
  try {
    const s = await statfs(dir);
    // bavail: what an unprivileged process may still write (bfree counts root's reserve too).
    return { freeBytes: Number(s.bavail) * Number(s.bsize), totalBytes: Number(s.blocks) * Number(s.bsize) };
  } catch {
    return null;
  }
}
