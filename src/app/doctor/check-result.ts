// One line per check of `report-inbox doctor`: what was checked, and either that it works or what
// is wrong and how to fix it.

export type CheckStatus = "ok" | "warn" | "fail" | "skip";

export interface CheckResult {
  /** What was checked, e.g. 收信 (IMAP). */
  name: string;
  status: CheckStatus;
  /** One line in Chinese: the finding, and for warn/fail the fix. */
  detail: string;
}

const labels: Record<CheckStatus, string> = { ok: "[通过]", warn: "[注意]", fail: "[失败]", skip: "[跳过]" };

export function formatCheck(result: CheckResult): string {
  return `${labels[result.status]} ${result.name}：${result.detail}`;
}

export const ok = (name: string, detail: string): CheckResult => ({ name, status: "ok", detail });
export const warn = (name: string, detail: string): CheckResult => ({ name, status: "warn", detail });
export const fail = (name: string, detail: string): CheckResult => ({ name, status: "fail", detail });
export const skip = (name: string, detail: string): CheckResult => ({ name, status: "skip", detail });

/** The first line of an error's message, for the rare failure no check anticipated. */
export function firstLine(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const text = (e?.message ?? String(err)).split("\n")[0]!.slice(0, 200);
  return e?.code && !text.includes(e.code) ? `${text} [${e.code}]` : text;
}
