export const repoRoot: string;
export function compiledIfFresh(relPath: string): string | null;
export const serviceNodeFlags: string[];
