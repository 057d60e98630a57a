export const repoRoot: string;
export function compiledIfFresh(relPath: string): string | null;
export function firstCompiledIfFresh(relPaths: string[]): string | null;
export const serviceNodeFlags: string[];
export const cliNodeFlags: string[];
export const serviceEnv: Record<string, string>;
export const watcherNodeFlags: string[];
export function nodeFlagsFor(workers: string[]): string[];
