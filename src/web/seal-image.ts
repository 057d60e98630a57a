import type { Hono } from "hono";
import { drawSealBox, sealPageOf } from "../adapters/image/seal-check.ts";
import { parseStoredMessage } from "../adapters/parse/parse-message.ts";
import type { SealBox } from "../domain/seal/find-seal.ts";
import { type BoardDeps, BoardError } from "./http.ts";

// The page of a scan the seal check looked at, as a PNG with the seal found boxed: the office
// sees at once what the check saw. The message page (and the unit page's file list) link here.

export function registerSealImageRoute(app: Hono, deps: BoardDeps): void {
  app.get("/attachments/:id/seal.png", async (c) => {
    const png = await renderSealPage(deps, c.req.param("id"));
    // Private: a unit's scan; may be kept by the browser, never by a shared cache.
    return c.body(new Uint8Array(png), 200, {
      "content-type": "image/png",
      "cache-control": "private, max-age=3600",
    });
  });
}

/** The PNG of attachment `id`'s seal page with its seal boxed, or a BoardError in Chinese. */
export async function renderSealPage(deps: BoardDeps, id: string): Promise<Buffer> {
  const row = await deps.repos.messages.findAttachment(id);
  if (!row) throw new BoardError("没有这个附件。", 404);
  if (!row.seal_state) throw new BoardError("这个附件没有做过公章检查（不是扫描件，或检查已关闭）。", 404);
  const store = deps.processDeps.store;
  // Attachments are not kept as files of their own (processing holds them in memory while it
  // runs): the stored mail is parsed again to get this one back.
  const held: string[] = [];
  if (row.content_hash && !(await store.has(row.content_hash))) {
    const parsed = await parseStoredMessage(store, row.message_id, deps.config.archives).catch(() => null);
    held.push(...(parsed?.heldHashes ?? []));
  }
  try {
    const page = await sealPageOf(store, {
      contentHash: row.content_hash,
      detectedType: row.detected_type,
      size: Number(row.size),
    }).catch(() => ({ reason: "unreadable" }));
    if ("reason" in page) throw new BoardError("无法显示这个文件的页面（文件未下载或无法读取）。", 404);
    const box = row.seal_box ? (JSON.parse(row.seal_box) as SealBox & { page: number }) : null;
    return await drawSealBox(page.image, box);
  } finally {
    store.release(held);
  }
}
