// Whether the compiled dist/ can stand in for the TypeScript sources: it exists and is at least
// as new as every .ts file under src/ and workers/ (so an edit is never shadowed by an old build).
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** The absolute path of dist/<relPath> when it is fresh, else null. */
export function compiledIfFresh(relPath) {
  const compiled = join(repoRoot, "dist", relPath);
  if (!existsSync(compiled)) return null;
  const sources = Math.max(newestSource(join(repoRoot, "src")), newestSource(join(repoRoot, "workers")));
  return statSync(compiled).mtimeMs >= sources ? compiled : null;
}
