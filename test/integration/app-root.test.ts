import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoot, RedisUnavailableError } from "../../src/app/root.ts";
import { loadConfig } from "../../src/config/load.ts";
import { silentLogger } from "../../src/logger.ts";
import { testRedisUrl } from "../helpers/env.ts";

// The composition root opens a part only when asked, once, and closes what it opened.
describe("the composition root", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "report-inbox-root-"));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  const configWith = (redisUrl: string, databaseUrl = "") =>
    loadConfig({ env: {}, overrides: { dataDir, redisUrl, databaseUrl, queuePrefix: "test-root" } });

  it("reads the config without opening the database or Redis, both of which are unreachable here", async () => {
    const root = createRoot({
      config: configWith("redis://127.0.0.1:1", "postgres://127.0.0.1:1/none"),
      logger: silentLogger,
    });
    expect(root.config().redisUrl).toBe("redis://127.0.0.1:1");
    expect(root.store()).toBeDefined();
    // Asked for, Redis says in one line that it is not there and how to start one.
    const err = await root.redis().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedisUnavailableError);
    expect((err as Error).message).toMatch(/^无法连接 Redis \(redis:\/\/127\.0\.0\.1:1\)。请先启动 Redis/);
    expect((err as Error).message).not.toContain("\n");
    await root.close();
  });

  it("hides a Redis password in its message", async () => {
    const root = createRoot({ config: configWith("redis://:s3cret@127.0.0.1:1"), logger: silentLogger });
    const err = (await root.redis().catch((e: unknown) => e)) as Error;
    expect(err.message).toContain("redis://******@127.0.0.1:1");
    expect(err.message).not.toContain("s3cret");
    await root.close();
  });

  it("opens each part once, shares it, and closes everything it opened", async () => {
    const root = createRoot({ config: configWith(testRedisUrl), logger: silentLogger });
    const [a, b] = await Promise.all([root.db(), root.db()]);
    expect(a).toBe(b);
    expect(await root.repos()).toBe(await root.repos());
    // The registry is seeded on a first start.
    expect((await (await root.registry()).units.list()).length).toBeGreaterThan(40);
    const rt = await root.runtime();
    expect(rt.redis).toBe(await root.redis());
    expect(rt.processQueue).toBe(await root.processQueue());
    expect(await readdir(dataDir)).toContain("report-inbox.db");
    await root.close();
    await new Promise((r) => setTimeout(r, 200));
    expect(rt.redis.status).toBe("end");
    await expect(root.db()).rejects.toThrow();
    await root.close();
  });
});
