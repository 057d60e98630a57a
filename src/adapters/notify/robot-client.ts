import { createHmac } from "node:crypto";
import type { RobotKind } from "../../domain/robot-notice.ts";

// Posts one message to a WeCom or DingTalk group robot. Both answer HTTP 200 with
// {"errcode":0,"errmsg":"ok"} on success and a non-zero errcode otherwise (WeCom 45009 and
// DingTalk 130101: over 20 messages a minute).

export interface RobotTarget {
  robot: RobotKind;
  webhook: string;
  /** DingTalk "加签" secret (SEC…). */
  secret?: string;
}

/** A post that retrying cannot fix: a revoked webhook, a signature or keyword the robot refuses. */
export class PermanentRobotError extends Error {}

/** The robot says we sent over its limit (20 a minute): wait before the next post. */
export class RobotRateLimitedError extends Error {}

const rateLimitCodes = new Set([45009, 130101]);

// WeCom 93000: invalid webhook URL; DingTalk 300001: invalid token, 310000: security settings
// (signature, keyword or IP) not met.
const permanentCodes = new Set([93000, 300001, 310000]);

/**
 * DingTalk's signed URL: timestamp (ms) and sign = Base64(HmacSHA256(key = secret,
 * message = timestamp + "\n" + secret)), URL-encoded, as query parameters beside access_token.
 */
export function dingtalkSignedUrl(webhook: string, secret: string, timestamp: number = Date.now()): string {
  const sign = createHmac("sha256", secret).update(`${timestamp}\n${secret}`, "utf8").digest("base64");
  const url = new URL(webhook);
  // URLSearchParams percent-encodes + / = once, which is the "urlEncode" DingTalk asks for.
  url.searchParams.set("timestamp", String(timestamp));
  url.searchParams.set("sign", sign);
  return url.toString();
}

/** The webhook without its access token, for log lines. */
export function redactWebhook(webhook: string): string {
  return webhook.replace(/(key|access_token)=[^&]+/g, "$1=******");
}

export async function postToRobot(target: RobotTarget, payload: unknown, timeoutMs = 10_000): Promise<void> {
  const url =
    target.robot === "dingtalk" && target.secret
      ? dingtalkSignedUrl(target.webhook, target.secret)
      : target.webhook;
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json; charset=utf-8" },
    body: JSON.stringify(payload),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = await response.text();
  if (!response.ok) {
    const message = `群机器人返回 HTTP ${response.status}: ${body.slice(0, 200)}`;
    throw response.status === 404 ? new PermanentRobotError(message) : new Error(message);
  }
  let answer: { errcode?: number; errmsg?: string };
  try {
    answer = JSON.parse(body) as typeof answer;
  } catch {
    throw new Error(`群机器人的回答不是 JSON: ${body.slice(0, 200)}`);
  }
  if (answer.errcode !== 0) {
    const message = `群机器人拒绝了消息 (errcode ${answer.errcode}): ${answer.errmsg ?? ""}`;
    const code = Number(answer.errcode);
    if (rateLimitCodes.has(code)) throw new RobotRateLimitedError(message);
    throw permanentCodes.has(code) ? new PermanentRobotError(message) : new Error(message);
  }
}
