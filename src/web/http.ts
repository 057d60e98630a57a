import type { Context } from "hono";
import { tryGetContext } from "hono/context-storage";
import type { PasswordCost } from "../adapters/auth/password.ts";
import type { Repositories } from "../adapters/db/repositories.ts";
import type { OutgoingQueue } from "../adapters/queue/enqueue.ts";
import type { Clock } from "../clock.ts";
import type { Config } from "../config/schema.ts";
import { parsePeriod } from "../domain/period.ts";
import type { Unit } from "../domain/types.ts";
import type { Actor, CorrectionProcessDeps } from "../usecases/office-corrections.ts";

/** What the board needs; nothing is opened or listened on until startBoard is called. */
export interface BoardDeps {
  repos: Repositories;
  config: Config;
  clock: Clock;
  /** The active registry (units with their addresses and tasks). */
  loadUnits(): Promise<Unit[]>;
  /** For 重新处理 and 指定单位, which run the message through processing again. */
  processDeps: CorrectionProcessDeps;
  /**
   * The "outgoing" queue for mail the board sends now (重发, 立即发送催报). Absent or null: the row
   * is written pending and the worker's sweeper sends it within recovery.sweepSeconds.
   */
  outgoingQueue?: OutgoingQueue | null;
  /** Waits before a wrong password is answered (sign-in slowing); tests may shorten it. */
  signInDelay?: (ms: number) => Promise<void>;
  /** scrypt cost for an unknown name's check and for passwords set on the board: production's unless a test lowers it. */
  passwordCost?: PasswordCost;
}

/** A request the board refuses with a message for the person at the screen (400 by default). */
export class BoardError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 403 | 404 = 400,
  ) {
    super(message);
    this.name = "BoardError";
  }
}

/** "YYYY-MM" or a BoardError in Chinese. */
export function requirePeriod(value: string | undefined | null): string {
  const period = (value ?? "").trim();
  try {
    parsePeriod(period);
    return period;
  } catch {
    throw new BoardError(`月份“${period}”格式不对，应为 YYYY-MM，例如 2023-04`);
  }
}

/** The active unit with this id, or a BoardError. */
export async function requireUnit(deps: BoardDeps, unitId: string): Promise<Unit> {
  const unit = (await deps.loadUnits()).find((u) => u.id === unitId);
  if (!unit) throw new BoardError(`没有名为“${unitId}”的成员单位`);
  return unit;
}

/** Text fields of a posted form (files ignored), trimmed. */
export async function formOf(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === "string") out[key] = value.trim();
  }
  return out;
}

/**
 * Who made a change, and why: the audit log records both. The person is the one signed in on
 * this request (read from the request's context, so every handler gets it the same way).
 */
export function actorOf(_deps: BoardDeps, form: Record<string, string>): Actor {
  const reason = form["reason"]?.slice(0, 500) || null;
  const user = tryGetContext()?.get("user");
  if (!user) throw new BoardError("请先登录", 403);
  return { actor: user.name, reason };
}

export function receiptSettings(config: Config) {
  return { deadlineDay: config.deadline.day, tz: config.timezone };
}

/**
 * Form posts must come from the board's own pages. Browsers send Origin (or at least Referer)
 * on a form post; when either is present its host must be the one the request was sent to (the
 * host check has already made sure that is one of ours). Clients that send neither (curl,
 * scripts) still need the CSRF token, which only a page of the board carries.
 */
export function isSameOrigin(c: Context, host: string): boolean {
  const source = c.req.header("origin") ?? c.req.header("referer");
  if (!source) return true;
  if (source === "null") return false;
  try {
    return new URL(source).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}
