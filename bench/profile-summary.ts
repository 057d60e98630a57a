// Summarises V8 .cpuprofile files (from `npm run bench -- --cpu-prof`): where the service's CPU
// time went, by package/file and by function (self time).
// Usage: node bin/run-ts.js bench/profile-summary.ts [bench/profiles/*.cpuprofile]
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const root = process.cwd();

// The CLI runs the esbuild bundle (dist/bundle, bin/bundle.js): a sample there is put down to the
// module it came from by the "// dist/src/…" and "// node_modules/…" lines esbuild writes before
// each module's code.
const modulesOfChunk = new Map<string, [line: number, module: string][]>();

function bundledModuleAt(path: string, line: number): string | null {
  if (!path.includes("/dist/bundle/")) return null;
  let starts = modulesOfChunk.get(path);
  if (!starts) {
    starts = [];
    const lines = readFileSync(path, "utf8").split("\n");
    for (const [i, text] of lines.entries()) {
      const m = text.match(/^\/\/ ((?:dist\/src|node_modules)\/\S+)/);
      if (m) starts.push([i, m[1]!]);
    }
    modulesOfChunk.set(path, starts);
  }
  let found: string | null = null;
  for (const [start, module] of starts) {
    if (start > line) break;
    found = module;
  }
  return found;
}

function where(url: string, line = 0): string {
  if (!url) return "(native/GC/idle)";
  const file = url.replace(/^file:\/\//, "");
  const path = bundledModuleAt(file, line) ?? file;
  const pkg = path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return `npm:${pkg[1]}`;
  if (path.startsWith("node:")) return path;
  return relative(root, path);
}

function summarise(file: string): void {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byPlace = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const place =
      functionName === "(idle)"
        ? "(idle)"
        : functionName === "(garbage collector)"
          ? "(GC)"
          : where(url, lineNumber);
    byPlace.set(place, (byPlace.get(place) ?? 0) + us);
    const fn = `${functionName || "(anonymous)"} ${where(url, lineNumber)}:${lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(
        ([k, us]) =>
          `  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1e6).toFixed(2).padStart(7)} s  ${k}`,
      );
  console.log(`\n${relative(root, file)}: ${(total / 1e6).toFixed(1)} s sampled`);
  console.log("by package / file (self time):");
  console.log(top(byPlace, 20).join("\n"));
  console.log("by function (self time):");
  console.log(top(byFunction, 25).join("\n"));
}

const files = process.argv.slice(2);
const list = files.length
  ? files
  : readdirSync(join(root, "bench/profiles"))
      .filter((f) => f.endsWith(".cpuprofile"))
      .map((f) => join(root, "bench/profiles", f));
for (const f of list) summarise(f);
