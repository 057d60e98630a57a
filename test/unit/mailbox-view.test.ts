import { describe, expect, it } from "vitest";
import {
  freshWindowMs,
  judgeMailboxView,
  type MailboxViewInput,
  minFreshWindowMs,
  staleLogWarning,
  staleViewReason,
} from "../../src/domain/mailbox-view.ts";
import { planKeyLabel, stageLabel } from "../../src/domain/schedule-plan.ts";

// When the scheduler may name units that have not reported: only on a fresh view of the mailbox.

const tz = "Asia/Shanghai";
const now = new Date("2023-05-19T09:05:00+08:00");
const window = 15 * 60_000;
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();

function judge(input: Partial<MailboxViewInput>) {
  return judgeMailboxView({ folders: ["INBOX"], records: [], pending: 0, now, windowMs: window, ...input });
}

describe("the window", () => {
  it("is three polls, but never under 15 minutes", () => {
    expect(minFreshWindowMs).toBe(900_000);
    expect(freshWindowMs(60)).toBe(900_000);
    expect(freshWindowMs(1)).toBe(900_000);
    expect(freshWindowMs(300)).toBe(900_000);
    expect(freshWindowMs(301)).toBe(903_000);
    expect(freshWindowMs(3600)).toBe(3 * 3_600_000);
  });
});

describe("a fresh view", () => {
  it.each([
    ["synced a minute ago", 60_000],
    ["synced exactly at the window's edge", window],
    ["synced just now", 0],
    ["stamped a few seconds ahead (another instance's clock)", -5_000],
    ["stamped ahead by exactly the window", -window],
  ])("%s: fresh", (_case, ageMs) => {
    expect(judge({ records: [{ folder: "INBOX", lastSyncAt: ago(ageMs), lastError: null }] })).toEqual({
      fresh: true,
    });
  });

  it.each([
    ["a millisecond past the window", window + 1],
    ["hours ago (the server down since the morning)", 5 * 3_600_000],
    ["days ago (a dead watcher)", 3 * 86_400_000],
    ["stamped ahead by more than the window (the clock was set back)", -window - 1],
  ])("%s: stale", (_case, ageMs) => {
    const view = judge({ records: [{ folder: "INBOX", lastSyncAt: ago(ageMs), lastError: null }] });
    expect(view.fresh).toBe(false);
  });

  it("a failed attempt after a success within the window keeps it fresh (the success is what counts)", () => {
    const records = [{ folder: "INBOX", lastSyncAt: ago(120_000), lastError: "IMAP 登录失败" }];
    expect(judge({ records }).fresh).toBe(true);
  });

  it("every watched folder must be fresh; a folder that is not watched any more does not count", () => {
    const records = [
      { folder: "INBOX", lastSyncAt: ago(60_000), lastError: null },
      { folder: "旧文件夹", lastSyncAt: ago(30 * 86_400_000), lastError: null },
    ];
    expect(judge({ records }).fresh).toBe(true);
    const view = judge({ folders: ["INBOX", "报送"], records });
    expect(view).toEqual({
      fresh: false,
      pending: 0,
      lagging: [{ folder: "报送", lastSyncAt: null, lastError: null }],
    });
  });

  it("a folder never synced (no row, a row with only a login error, an unreadable stamp) is stale", () => {
    expect(judge({}).fresh).toBe(false);
    expect(judge({ records: [{ folder: "INBOX", lastSyncAt: null, lastError: "IMAP 登录失败" }] })).toEqual({
      fresh: false,
      pending: 0,
      lagging: [{ folder: "INBOX", lastSyncAt: null, lastError: "IMAP 登录失败" }],
    });
    expect(judge({ records: [{ folder: "INBOX", lastSyncAt: "garbage", lastError: null }] }).fresh).toBe(
      false,
    );
  });

  it("after the scheduler's start, only a sync finished since counts (a restart reads the mailbox first)", () => {
    const startedAt = new Date(now.getTime() - 30_000);
    const synced = (ageMs: number) => [{ folder: "INBOX", lastSyncAt: ago(ageMs), lastError: null }];
    expect(judge({ records: synced(120_000), syncedSince: startedAt }).fresh).toBe(false);
    expect(judge({ records: synced(30_001), syncedSince: startedAt }).fresh).toBe(false);
    expect(judge({ records: synced(30_000), syncedSince: startedAt }).fresh).toBe(true);
    expect(judge({ records: synced(5_000), syncedSince: startedAt }).fresh).toBe(true);
    expect(judge({ records: synced(120_000) }).fresh).toBe(true);
  });

  it("a received mail not yet processed holds it, however fresh the folders", () => {
    const records = [{ folder: "INBOX", lastSyncAt: ago(1_000), lastError: null }];
    expect(judge({ records, pending: 1 })).toEqual({ fresh: false, lagging: [], pending: 1 });
    expect(judge({ records, pending: 0 }).fresh).toBe(true);
  });

  it("without a watcher (imap.host unset) only the waiting mail counts", () => {
    expect(judge({ folders: [] })).toEqual({ fresh: true });
    expect(judge({ folders: [], pending: 3 })).toEqual({ fresh: false, lagging: [], pending: 3 });
  });

  it("works on instants: a window across midnight and the month's end in Shanghai", () => {
    // 00:05 on 1 June in Shanghai is 16:05 UTC on 31 May; synced at 23:55 Shanghai on 31 May.
    const at = new Date("2023-06-01T00:05:00+08:00");
    const records = [{ folder: "INBOX", lastSyncAt: "2023-05-31T15:55:00.000Z", lastError: null }];
    expect(
      judgeMailboxView({ folders: ["INBOX"], records, pending: 0, now: at, windowMs: window }).fresh,
    ).toBe(true);
    // A stamp written with an offset reads as the same instant.
    const offset = [{ folder: "INBOX", lastSyncAt: "2023-05-31T23:55:00+08:00", lastError: null }];
    expect(
      judgeMailboxView({ folders: ["INBOX"], records: offset, pending: 0, now: at, windowMs: window }).fresh,
    ).toBe(true);
  });
});

describe("what staff read", () => {
  it("names the folder, the last success in Shanghai time, the last error and the waiting mail", () => {
    // 16:30 UTC on 19 May is 00:30 on 20 May in Shanghai: the day staff read is Shanghai's.
    const view = judgeMailboxView({
      folders: ["INBOX", "报送"],
      records: [
        {
          folder: "INBOX",
          lastSyncAt: "2023-05-19T16:30:00.000Z",
          lastError: "IMAP 登录失败 (a@b): 用户名或授权码错误",
        },
      ],
      pending: 2,
      now: new Date("2023-05-22T09:00:00+08:00"),
      windowMs: window,
    });
    if (view.fresh) throw new Error("expected stale");
    expect(staleViewReason(view, tz)).toBe(
      "邮箱文件夹“INBOX”自2023年5月20日 00:30起没有成功收取（最近一次错误：IMAP 登录失败 (a@b): 用户名或授权码错误）；" +
        "邮箱文件夹“报送”还没有成功收取过；另有 2 封收到的邮件尚未处理完",
    );
    expect(staleViewReason(view, "UTC")).toContain("自2023年5月19日 16:30起");
    expect(staleLogWarning(view, tz)).toMatch(
      /^注意：邮箱文件夹“INBOX”.*本表只含此前已登记的来件.*催报和逾期提醒.*暂缓发送。$/,
    );
  });

  it("waiting mail alone", () => {
    expect(staleViewReason({ fresh: false, lagging: [], pending: 1 }, tz)).toBe(
      "有 1 封收到的邮件尚未处理完",
    );
  });

  it("names the held items from their keys", () => {
    const stages = [{ name: "first" }, { name: "second" }, { name: "final" }];
    expect(stageLabel(stages, "first")).toBe("第一轮催报");
    expect(stageLabel(stages, "final")).toBe("最后一轮催报");
    expect(planKeyLabel("remind:2023-04:first", stages)).toBe("2023年4月工作进展第一轮催报");
    expect(planKeyLabel("remind:2023-04:final", stages)).toBe("2023年4月工作进展最后一轮催报");
    expect(planKeyLabel("overdue:2023-12", stages)).toBe("2023年12月工作进展逾期提醒");
    expect(planKeyLabel("digest-final:2023-04", stages)).toBe("2023年4月工作进展最终报送情况登记表");
    expect(planKeyLabel("something:else", stages)).toBe("something:else");
  });
});
