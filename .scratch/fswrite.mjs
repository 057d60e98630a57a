// Does writing+fsyncing 1.6 MB files cost more CPU per file as thousands accumulate?
import { mkdir, open, rename, rm } from "node:fs/promises";
import { randomBytes, createHash } from "node:crypto";
import { join } from "node:path";
const dir = process.argv[2]; const n = Number(process.argv[3] ?? 5000);
await mkdir(dir, { recursive: true });
const buf = randomBytes(1_650_000);
let last = process.cpuUsage(); let t = performance.now();
for (let i = 0; i < n; i++) {
  buf.writeUInt32LE(i, 0);
  const h = createHash("sha256").update(buf).digest("hex");
  const d = join(dir, h.slice(0, 2), h.slice(2, 4)); await mkdir(d, { recursive: true });
  const tmp = join(dir, `tmp-${i}`); const fh = await open(tmp, "w");
  await fh.writeFile(buf); await fh.sync(); await fh.close(); await rename(tmp, join(d, h));
  if ((i + 1) % 1000 === 0) { const c = process.cpuUsage(last); const now = performance.now();
    console.log(`${i + 1}: user ${(c.user / 1000 / 1000).toFixed(2)} ms/file, sys ${(c.system / 1000 / 1000).toFixed(2)} ms/file, wall ${((now - t) / 1000).toFixed(2)} ms/file`);
    last = process.cpuUsage(); t = now; }
}
await rm(dir, { recursive: true, force: true });
