import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, Socket } from "node:net";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { queueNames } from "../../src/adapters/queue/queues.ts";
import { type AppRoot, createRoot } from "../../src/app/root.ts";
import { loadConfig } from "../../src/config/load.ts";
import { silentLogger } from "../../src/logger.ts";
import { ingestRawMessage } from "../../src/usecases/ingest-message.ts";
import { composeMail } from "../helpers/compose.ts";
import { testRedisUrl } from "../helpers/env.ts";

// The service as an operator runs it: two real processes against the real Redis, one SQLite
// database, one web port. A second instance started by mistake on the same port must stop
// before it takes a single job (issue #14 item 7), and a stop is graceful on the first signal
// and immediate on the second.

interface Service {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.connect(port, "127.0.0.1");
  });
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("the service's lifecycle", () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let port: number;
  let root: AppRoot;
  let prefix: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "report-inbox-lifecycle-"));
    port = await freePort();
    prefix = `test-life-${randomBytes(4).toString("hex")}`;
    env = {
      ...process.env,
      DATA_DIR: dataDir,
      REDIS_URL: testRedisUrl,
      QUEUE_PREFIX: prefix,
      WEB_HOST: "127.0.0.1",
      WEB_PORT: String(port),
      MAIL_FROM: "huanzichu@163.com",
      OFFICE_EMAILS: "staff@sjz.gov.cn",
      LOG_LEVEL: "info",
      LOG_PRETTY: "0",
    };
    // The test's own hands on the same database, store and queue: mail "arrives" through them.
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir,
        redisUrl: testRedisUrl,
        queuePrefix: prefix,
        smtp: { host: "", from: "huanzichu@163.com" },
        office: { emails: ["staff@sjz.gov.cn"] },
      },
    });
    root = createRoot({ config, logger: silentLogger });
    await root.registry();
  });

  // A test that fails leaves its service running, holding the port: the next test's would then
  // never start. Each test's services go with it.
  afterEach(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    const queues = Object.values(queueNames).map(
      (name) => new Queue(name, { connection: { url: testRedisUrl }, prefix }),
    );
    for (const q of queues) {
      await q.obliterate({ force: true }).catch(() => undefined);
      await q.close();
    }
    await root?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  function start(...workers: string[]): Service {
    const child = spawn(process.execPath, ["bin/report-inbox.js", "worker", ...workers], { env });
    children.push(child);
    let out = "";
    let err = "";
    child.stdout?.on("data", (d) => {
      out += d;
    });
    child.stderr?.on("data", (d) => {
      err += d;
    });
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    return { child, out: () => out, err: () => err, exited };
  }

  const started = (s: Service) => until("the service to start", () => s.out().includes('"msg":"已启动"'));

  let sent = 0;
  async function arrive(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      sent++;
      const raw = await composeMail({
        from: `someone${sent}@example.com`,
        to: "huanzichu@163.com",
        subject: `来信 ${sent}`,
        text: `第 ${sent} 封，不是报送`,
        messageId: `<life-${prefix}-${sent}@example.com>`,
      });
      await ingestRawMessage(
        { repos: await root.repos(), store: root.store(), enqueueProcessing: root.enqueueProcessing },
        raw,
        { source: "import", receivedAt: new Date(), backfill: true },
      );
    }
  }

  it("a second instance on the same port exits with one line and takes no job; the first does them all", async () => {
    // A backlog is waiting when the instances start (mail that came in while the service was
    // down), and mail keeps arriving while the second starts.
    await arrive(400);
    const first = start("all");
    await started(first);
    expect(await portOpen(port)).toBe(true);
    const queue = await root.processQueue();
    const second = start("all");
    let secondCode: number | null | undefined;
    void second.exited.then((code) => {
      secondCode = code;
    });
    // The test would prove nothing if the queue had stayed empty while the second lived. The
    // first may well have emptied the backlog by now on a loaded machine (it did, with the CI's
    // other tests beside it), so mail keeps coming, in batches the first cannot take at once,
    // and the jobs left waiting are counted while the second is alive.
    let waitingSeen = 0;
    while (secondCode === undefined) {
      await arrive(20);
      if (secondCode === undefined) waitingSeen = Math.max(waitingSeen, await queue.getWaitingCount());
    }
    await arrive(10);
    expect(waitingSeen).toBeGreaterThan(0);

    expect(secondCode).not.toBe(0);
    const lines = second.err().trim().split("\n");
    expect(lines, second.err()).toHaveLength(1);
    expect(lines[0]).toContain("端口被占用");
    expect(lines[0]).toContain(`127.0.0.1:${port}`);
    expect(lines[0]).toContain("如何修改");
    expect(lines[0]).toContain("WEB_PORT");
    expect(second.out()).not.toContain('"msg":"已启动"');

    // Every message is done, every job by the first instance.
    const repos = await root.repos();
    await until(
      "every message processed",
      async () => ((await repos.messages.countByState(["stored"])).get("stored") ?? 0) === 0,
    );
    const jobs = await queue.getJobs(["completed", "failed", "active", "waiting", "delayed"]);
    expect(jobs).toHaveLength(sent);
    const by = new Set(jobs.map((j) => j.processedBy));
    expect([...by]).toEqual([`${hostname()}:${first.child.pid}`]);
    expect(jobs.every((j) => j.finishedOn && !j.failedReason)).toBe(true);

    // The first keeps serving; SIGTERM stops it cleanly and frees the port.
    expect(await portOpen(port)).toBe(true);
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(first.out()).toContain('"msg":"已停止"');
    expect(await portOpen(port)).toBe(false);
  });

  it("a second signal while stopping exits at once", async () => {
    const service = start("process", "web");
    await started(service);
    service.child.kill("SIGTERM");
    service.child.kill("SIGINT");
    // Linux delivers two pending signals lowest number first: whichever came second ends it.
    const code = await service.exited;
    expect([130, 143]).toContain(code);
    expect(service.out()).toContain(`再次收到 ${code === 130 ? "SIGINT" : "SIGTERM"}，立即退出`);
    expect(service.out()).not.toContain('"msg":"已停止"');
  });
});
