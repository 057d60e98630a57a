// How much kernel time writing and syncing one more mail-sized file costs as gigabytes pile up:
// the watcher stores every raw mail this way (write, fsync, rename into store/ab/), and the bench at N=5000
// writes about 16 GB. Prints user/system CPU and wall time per file for each 1000 files.
// Usage: node bin/run-ts.js bench/disk-write-cost.ts [dir (default: a temp dir)] [files (5000)]
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, open, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = process.argv[2] ?? (await mkdtemp(join(tmpdir(), "disk-write-cost-")));
const files = Number(process.argv[3] ?? 5000);
// The size of a bench mail (a 300 KB-2 MB scan and a .docx, base64).
const content = randomBytes(1_650_000);
try {
  let cpu = process.cpuUsage();
  let wall = performance.now();
  for (let i = 0; i < files; i++) {
    content.writeUInt32LE(i, 0);
    const hash = createHash("sha256").update(content).digest("hex");
    const home = join(dir, hash.slice(0, 2));
    await mkdir(home, { recursive: true });
    const tmp = join(dir, `tmp-${i}`);
    const fh = await open(tmp, "w");
    await fh.writeFile(content);
    await fh.sync();
    await fh.close();
    await rename(tmp, join(home, hash));
    if ((i + 1) % 1000 === 0) {
      const used = process.cpuUsage(cpu);
      const now = performance.now();
      const per = (us: number) => (us / 1000 / 1000).toFixed(2);
      console.log(
        `${i + 1} 个文件 (${(((i + 1) * content.length) / 1e9).toFixed(1)} GB): 每个用户态 ${per(used.user)} ms，内核态 ${per(used.system)} ms，墙钟 ${((now - wall) / 1000).toFixed(2)} ms`,
      );
      cpu = process.cpuUsage();
      wall = now;
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
