import type { Readable } from "node:stream";

/**
 * Cuts one byte stream into consecutive pieces of known lengths (7za -so writes every file of an
 * archive one after another). A piece ends early only when the stream does: an error.
 */
export class StreamCutter {
  private readonly chunks: AsyncIterator<Buffer>;
  private pending: Buffer | null = null;
  /** Bytes of the previous piece its reader left unread (it failed or stopped early). */
  private owed = 0;

  constructor(stream: Readable) {
    this.chunks = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  async *take(length: number): AsyncGenerator<Buffer> {
    for (let left = this.owed; left > 0; ) left -= (await this.read(left)).length;
    this.owed = length;
    while (this.owed > 0) {
      const piece = await this.read(this.owed);
      this.owed -= piece.length;
      yield piece;
    }
  }

  /** Up to `max` bytes: what is pending, else the next chunk. */
  private async read(max: number): Promise<Buffer> {
    const chunk = this.pending ?? (await this.nextChunk());
    this.pending = chunk.length > max ? chunk.subarray(max) : null;
    return chunk.length > max ? chunk.subarray(0, max) : chunk;
  }

  async skip(length: number): Promise<void> {
    for await (const _ of this.take(length)) {
      // discarded
    }
  }

  private async nextChunk(): Promise<Buffer> {
    const next = await this.chunks.next();
    if (next.done) throw new Error("archive data ended before the listed size");
    return next.value;
  }
}
