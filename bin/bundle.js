// Bundles the compiled CLI (dist/src) into dist/bundle with esbuild (issue #11): a sync loaded
// about 830 module files at start (kysely alone 263), and loading them took more CPU than the
// first few hundred mails. See the comment on `external` for what stays in node_modules.

import { rm } from "node:fs/promises";
import { join } from "node:path";
import { build } from "esbuild";
import { repoRoot } from "./built.js";

/**
 * Packages loaded from node_modules as usual, not bundled: native addons (better-sqlite3, sharp,
 * msgpackr-extract), packages that find files next to their own code (7-Zip's binary, pdf.js's
 * worker and CMaps, unrar's WebAssembly, pino's transport workers, node-cron's background
 * tasks), and the large ones that only the compilation, the board or the .xlsx use, which load
 * lazily anyway. Everything else (kysely, zod, imapflow, mailparser, bullmq, ioredis, …) is
 * bundled.
 */
const external = [
  "7zip-bin",
  "better-sqlite3",
  "docx",
  "exceljs",
  "jszip",
  "mailauth",
  "mammoth",
  "msgpackr-extract",
  "node-cron",
  "node-unrar-js",
  "pdf-parse",
  "pdfjs-dist",
  "pg",
  "pg-native",
  "pino",
  "pino-pretty",
  "prom-client",
  "sharp",
  "tsx",
  "word-extractor",
];

export async function bundle() {
  const outdir = join(repoRoot, "dist/bundle");
  // Chunk names carry a content hash: without emptying the folder, each build would leave the
  // last build's chunks behind.
  await rm(outdir, { recursive: true, force: true });
  await build({
    entryPoints: {
      main: join(repoRoot, "dist/src/cli/main.js"),
      "processing-thread": join(repoRoot, "dist/src/app/processing-thread.js"),
    },
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    chunkNames: "[name]-[hash]",
    external,
    // CommonJS inside the bundle (mailparser, imapflow, bullmq) requires Node's own modules, and
    // some of it names __dirname/__filename (ioredis's friendly error stacks, bullmq's sandboxed
    // processors; neither is used here): each chunk defines them for its own folder, so such a
    // path gives the bundle's folder instead of a ReferenceError.
    banner: {
      js: [
        'import { createRequire as __bundleRequire } from "node:module";',
        'import { fileURLToPath as __bundleFileURLToPath } from "node:url";',
        'import { dirname as __bundleDirname } from "node:path";',
        "const require = __bundleRequire(import.meta.url);",
        "const __filename = __bundleFileURLToPath(import.meta.url);",
        "const __dirname = __bundleDirname(__filename);",
      ].join(" "),
    },
    logLevel: "warning",
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await bundle();
