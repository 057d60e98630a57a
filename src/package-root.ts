import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The folder holding package.json, config/ and seeds/. Found by walking up, because this file
 * runs both from src/ (through tsx) and from dist/src/ (compiled), at different depths.
 */
function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("package.json not found above src/");
    dir = parent;
  }
  return dir;
}

export const packageRoot = findPackageRoot();
