export const repoRoot: string;
export function compiledIfFresh(relPath: string): string | null;
