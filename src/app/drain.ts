import type { Queue } from "bullmq";
import type { Runtime } from "./runtime.ts";

/** Jobs that are waiting, running or due for a retry. */
export async function pendingJobs(queue: Queue): Promise<number> {
  const counts = await queue.getJobCounts("waiting", "active", "delayed", "prioritized", "waiting-children");
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** Waits until the process and outgoing queues are empty (or the time limit passes). */
export async function drainQueues(
  rt: Runtime,
  options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<boolean> {
  // Real elapsed time, whatever the runtime's clock says (the demo's is simulated).
  const deadline = performance.now() + (options.timeoutMs ?? Number.POSITIVE_INFINITY);
  while (performance.now() < deadline) {
    const busy = (await pendingJobs(rt.processQueue)) + (await pendingJobs(rt.outgoingQueue));
    if (busy === 0) return true;
    await new Promise((r) => setTimeout(r, options.pollMs ?? 20));
  }
  return false;
}
