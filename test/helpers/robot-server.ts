import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

// A WeCom / DingTalk group robot on loopback: it checks what the vendors check (the key or
// access_token, DingTalk's timestamp and HMAC signature, the payload's shape and size) and
// answers as they do, {"errcode":0,"errmsg":"ok"}, or an error.

export interface RobotPost {
  robot: "wecom" | "dingtalk";
  body: Record<string, unknown>;
  at: number;
  /** DingTalk only: whether timestamp and sign matched the secret. */
  signatureOk?: boolean;
}

export interface TestRobotServer {
  wecomUrl: string;
  dingtalkUrl: string;
  dingtalkSecret: string;
  /** Accepted posts (errcode 0), in order. */
  posts: RobotPost[];
  /** Posts answered with an error, and why. */
  refused: { robot: string; reason: string }[];
  /** Answer the next n posts with HTTP 500. */
  failNext(n: number): void;
  stop(): Promise<void>;
}

const wecomKey = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa";
const dingtalkToken = "b0c0ffee";
const secret = "SEC0123456789abcdef";

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

function shapeProblem(robot: "wecom" | "dingtalk", body: Record<string, unknown>): string | null {
  const type = body.msgtype;
  if (type === "text") {
    const content = (body.text as { content?: unknown })?.content;
    if (typeof content !== "string") return "text.content missing";
    const limit = robot === "wecom" ? 2048 : 4096;
    return Buffer.byteLength(content) > limit ? `text.content over ${limit} bytes` : null;
  }
  if (type === "markdown") {
    const md = body.markdown as { content?: unknown; title?: unknown; text?: unknown };
    if (robot === "wecom") {
      if (typeof md?.content !== "string") return "markdown.content missing";
      return Buffer.byteLength(md.content) > 4096 ? "markdown.content over 4096 bytes" : null;
    }
    if (typeof md?.title !== "string" || typeof md?.text !== "string") return "markdown.title/text missing";
    return null;
  }
  return `unknown msgtype ${String(type)}`;
}

export async function startRobotServer(): Promise<TestRobotServer> {
  const posts: RobotPost[] = [];
  const refused: { robot: string; reason: string }[] = [];
  let failing = 0;
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const text = await readBody(req);
    const answer = (status: number, errcode: number, errmsg: string) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ errcode, errmsg }));
    };
    const robot = url.pathname === "/cgi-bin/webhook/send" ? "wecom" : "dingtalk";
    if (failing > 0) {
      failing--;
      refused.push({ robot, reason: "HTTP 500 (server told to fail)" });
      answer(500, -1, "system busy");
      return;
    }
    if (req.method !== "POST" || !String(req.headers["content-type"]).startsWith("application/json")) {
      refused.push({ robot, reason: "not a JSON POST" });
      answer(400, 40000, "bad request");
      return;
    }
    let signatureOk: boolean | undefined;
    if (robot === "wecom") {
      if (url.searchParams.get("key") !== wecomKey) {
        refused.push({ robot, reason: "wrong key" });
        answer(200, 93000, "invalid webhook url");
        return;
      }
    } else {
      const timestamp = url.searchParams.get("timestamp") ?? "";
      const sign = url.searchParams.get("sign") ?? "";
      const expected = createHmac("sha256", secret).update(`${timestamp}\n${secret}`).digest("base64");
      signatureOk =
        url.searchParams.get("access_token") === dingtalkToken &&
        Math.abs(Date.now() - Number(timestamp)) < 3_600_000 &&
        sign === expected;
      if (!signatureOk) {
        refused.push({ robot, reason: "sign not match" });
        answer(200, 310000, "sign not match");
        return;
      }
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      refused.push({ robot, reason: "body not JSON" });
      answer(200, 40035, "invalid json");
      return;
    }
    const problem = shapeProblem(robot, body);
    if (problem) {
      refused.push({ robot, reason: problem });
      answer(200, 40035, problem);
      return;
    }
    posts.push({ robot, body, at: Date.now(), ...(signatureOk === undefined ? {} : { signatureOk }) });
    answer(200, 0, "ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    wecomUrl: `http://127.0.0.1:${port}/cgi-bin/webhook/send?key=${wecomKey}`,
    dingtalkUrl: `http://127.0.0.1:${port}/robot/send?access_token=${dingtalkToken}`,
    dingtalkSecret: secret,
    posts,
    refused,
    failNext: (n) => {
      failing = n;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
