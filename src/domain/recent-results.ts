// What a pure function gave for the last few texts. Processing one mail asks the same questions of
// the same subject, file names, body and documents two or three times (whether to read the
// documents, the decision, the decision again once the seals were looked at); keeping the last
// answers makes the repeats free. Bounded in entries and in characters of the texts kept, the
// oldest going first, so a run of long documents holds little memory.

/** Recent results by text; callers store values they never hand out uncopied. */
export class RecentResults<V> {
  private readonly kept = new Map<string, V>();
  private chars = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxChars: number,
  ) {}

  get(text: string): V | undefined {
    return this.kept.get(text);
  }

  set(text: string, value: V): void {
    // A text longer than the whole budget is not kept at all.
    if (text.length > this.maxChars || this.kept.has(text)) return;
    while (this.kept.size >= this.maxEntries || this.chars + text.length > this.maxChars) {
      const oldest = this.kept.keys().next().value!;
      this.kept.delete(oldest);
      this.chars -= oldest.length;
    }
    this.kept.set(text, value);
    this.chars += text.length;
  }
}
