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
  return firstCompiledIfFresh([relPath]);
}

/**
 * The first of dist/<relPaths> that exists and is fresh, else null; the sources are walked (every
 * .ts file statted) once for all of them, not once a candidate.
 */
export function firstCompiledIfFresh(relPaths) {
  let sources = null;
  for (const relPath of relPaths) {
    const compiled = join(repoRoot, "dist", relPath);
    if (!existsSync(compiled)) continue;
    sources ??= Math.max(newestSource(join(repoRoot, "src")), newestSource(join(repoRoot, "workers")));
    if (statSync(compiled).mtimeMs >= sources) return compiled;
  }
  return null;
}

/**
 * V8 flags for a service process (npm start, the systemd unit, the Dockerfile, docker-compose's
 * process workers, the bench and the fault suite start it with these).
 * A 2 MB young generation instead of V8's 16 MB: the parser makes short-lived buffers and strings
 * by the megabyte, and a large nursery only holds them longer. Measured on the bench (N=400, 2
 * cores): peak RSS of the busiest process 226–249 MB instead of 245–262 MB, throughput unchanged
 * within the noise. It must be given at start: V8 sizes the heap once.
 *
 * A 192 MB old generation (issue #14 item 8): with V8's own limit (about 4 GB on a 24 GB machine)
 * the heap grew with garbage between full collections, and the fault suite's mangled-mail row
 * (compiled, 100 messages) peaked at 275 MB RSS with a live heap of about 40 MB; with 128, 192
 * and 256 it peaked at 219, 231 and 223 MB, no slower. 192 leaves a message far more heap than
 * any bounded step needs (see the `memory` settings); a process that runs out anyway dies and its
 * job is taken again by the stalled check, up to maxStalledCount times, then failed with a reason.
 *
 * Garbage collection on the process's own thread (issue #11): V8 otherwise runs parallel and
 * concurrent GC on four helper threads of its own, and on a two-core machine those compete with
 * the other process (or the processing thread) and with Dovecot for the same cores. Measured with
 * `sync --once` on one thread (bench, everyday mail, N=1000, idle machine): the four helpers
 * used about 4.3 s of CPU; CPU per mail 14.7 → 13.3 ms, mails a second 88 → 92. Pauses get
 * longer, which nothing here notices (no request waits on a parse).
 */
export const serviceNodeFlags = [
  "--max-semi-space-size=2",
  "--max-old-space-size=192",
  "--single-threaded-gc",
];

/**
 * V8 flags of the command line (bin/report-inbox.js's first line): `sync --once` from cron, status,
 * import and the other commands, which run and end. V8's default 16 MB young generation instead
 * of the service's 2 MB: a sync parses mail as fast as it can, and with 2 MB it collected young
 * garbage so often that survivors were promoted and collected again (bench, everyday mail,
 * N=1000, two A/B runs each: 13.7–14.1 → 11.9–12.8 ms CPU a mail with the processing thread,
 * 11.0–11.2 → 10.3–10.6 on one thread). A command ends, so its larger heap goes with it; the
 * long-running processes are started with explicit flags everywhere (npm start, systemd, the
 * Dockerfile, docker-compose, the README's recommended layout), which a test checks.
 */
export const cliNodeFlags = ["--max-semi-space-size=16", "--max-old-space-size=192", "--single-threaded-gc"];

/**
 * Environment for a service process, set before it starts (glibc reads it once): at most two
 * malloc arenas instead of eight per core. libuv's and libvips' threads each got an arena of
 * their own and memory freed in one was not reused by another: on the fault suite's mangled-mail
 * row (1,000 messages, compiled, 192 MB heap) the process's anonymous memory peaked at 175 MB
 * against 144 MB with two arenas, peak RSS 261 against 229 MB, no slower. The systemd unit, the
 * Dockerfile, npm start, bin/report-inbox.js's first line, the bench and the fault suite set it.
 */
export const serviceEnv = { MALLOC_ARENA_MAX: "2" };

/**
 * V8 flags for a process that watches the mailbox without parsing (the recommended layout's
 * first process). With a 2 MB nursery the mail it holds while writing and syncing outlived two
 * scavenges, and at N=5000 the process ran a full mark-compact every 1.3 s: 23–24 s of user CPU
 * against 13–14 s with V8's default 16 MB (bench, N=5000, three runs each), its peak RSS 200 MB.
 */
export const watcherNodeFlags = ["--max-semi-space-size=16", "--single-threaded-gc"];

/** The flags for a process running these workers (see the two lists above). */
export function nodeFlagsFor(workers) {
  const watchesOnly = workers.includes("watch") && !workers.includes("process") && !workers.includes("all");
  return watchesOnly ? watcherNodeFlags : serviceNodeFlags;
}
