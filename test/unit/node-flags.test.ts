// Every place that starts a process gives it bin/built.js's V8 flags: they are copied by hand
// into seven files, and a flag added to one list must not be missing from another.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliNodeFlags, repoRoot, serviceEnv, serviceNodeFlags, watcherNodeFlags } from "../../bin/built.js";

const read = (path: string) => readFileSync(join(repoRoot, path), "utf8");
const flagsIn = (line: string) => line.split(/[\s",[\]]+/).filter((w) => w.startsWith("--"));

describe("the V8 flags of a service process are the same everywhere it is started", () => {
  it("bin/report-inbox.js's first line (commands that run and end) carries cliNodeFlags and serviceEnv", () => {
    const shebang = read("bin/report-inbox.js").split("\n")[0]!;
    expect(flagsIn(shebang)).toEqual(cliNodeFlags);
    for (const [k, v] of Object.entries(serviceEnv)) expect(shebang).toContain(`${k}=${v}`);
  });

  it("npm start, the systemd unit and the Dockerfile run `worker all` with serviceNodeFlags", () => {
    const start = JSON.parse(read("package.json")).scripts.start as string;
    const unit = read("deploy/report-inbox.service").match(/^ExecStart=.*$/m)?.[0] ?? "";
    const cmd = read("Dockerfile").match(/^CMD .*$/m)?.[0] ?? "";
    for (const line of [start, unit, cmd]) {
      expect(line).toContain("worker");
      expect(flagsIn(line)).toEqual(serviceNodeFlags);
    }
  });

  it("docker-compose: the watching process has watcherNodeFlags, the process workers serviceNodeFlags", () => {
    const commands = read("docker-compose.yml")
      .split("\n")
      .filter((l) => l.trim().startsWith("command:"));
    const watcher = commands.find((l) => l.includes('"watch"'));
    const process = commands.find((l) => l.includes('"process"') && !l.includes('"watch"'));
    expect(flagsIn(watcher ?? "")).toEqual(watcherNodeFlags);
    expect(flagsIn(process ?? "")).toEqual(serviceNodeFlags);
  });

  it("the README's recommended layout: the watching process with watcherNodeFlags, the two process workers with serviceNodeFlags", () => {
    const line = read("README.md")
      .split("\n")
      .find((l) => l.includes("worker watch outgoing schedule web") && l.includes("node --"));
    const commands = line?.match(/`node [^`]*`/g) ?? [];
    expect(commands).toHaveLength(2);
    expect(commands[0]).toContain("worker watch");
    expect(flagsIn(commands[0]!)).toEqual(watcherNodeFlags);
    expect(commands[1]).toContain("worker process");
    expect(flagsIn(commands[1]!)).toEqual(serviceNodeFlags);
  });
});
