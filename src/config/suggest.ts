// "Did you mean …?" for a misspelt setting or unit name. Optimal string alignment distance
// (Levenshtein plus swapping two neighbours), so `smtp.prot` is one step from `port`.

export function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  const d: number[][] = Array.from({ length: x.length + 1 }, (_, i) =>
    Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[x.length]![y.length]!;
}

/**
 * The candidate closest to `word`, or undefined when none is close enough to be a likely typo
 * (at most a third of the word's length; short ASCII keys get 2 edits, short Chinese names
 * only 1, as one character there carries as much as a whole syllable).
 * Case is ignored, so `Imap` finds `imap`.
 */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  const length = [...word].length;
  const limit = Math.max(/^[\x00-\x7f]*$/.test(word) ? 2 : 1, Math.floor(length / 3));
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(word.toLowerCase(), name.toLowerCase());
    if (distance <= limit && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}
