/**
 * Polls `check` until it holds; throws after `timeoutMs` naming `what` was awaited. The bound is
 * generous on purpose (a loaded machine must not fail a test); it is not a speed assertion.
 */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for: ${what}`);
}
