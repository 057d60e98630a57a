import { afterAll, beforeAll, expect, it } from "vitest";
import { describeStoredFile } from "../../src/adapters/parse/classify-file.ts";
import type { ContentStore } from "../../src/adapters/store/content-store.ts";
import { writeRar5 } from "../helpers/rar-writer.ts";
import { limits, tempStore } from "./parse-helpers.ts";

// unrar's Emscripten runtime adds process listeners that throw every uncaught error again, which
// would end the worker on a network error it means to survive. This file runs in a process of
// its own, so the runtime starts here for the first time.

let store: ContentStore;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, cleanup } = await tempStore());
});
afterAll(async () => {
  await cleanup();
});

it("opening a RAR leaves the process's uncaught-error listeners as they were", async () => {
  const events = ["uncaughtException", "unhandledRejection"] as const;
  const before = events.map((e) => process.listenerCount(e));
  const stored = await store.putBuffer(writeRar5([{ name: Buffer.from("a.txt"), data: Buffer.from("x") }]));
  const files = await describeStoredFile(
    { store, limits, budget: { entries: limits.maxEntries, bytes: limits.maxTotalBytes } },
    stored,
    { originalName: "a.rar", depth: 0 },
  );
  expect(files.map((f) => f.originalName)).toEqual(["a.rar", "a.txt"]);
  expect(events.map((e) => process.listenerCount(e))).toEqual(before);
});
