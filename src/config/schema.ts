import { z } from "zod";
import { normalizePhone } from "../domain/phone.ts";
import { SEAL_POLICIES } from "../domain/seal/policy.ts";

// Messages for the office's IT staff, in Chinese like the rest of what people read.
z.config(z.locales.zhCN());

// Every object is strict: a misspelt key (`smtp.prot`) is an error that names the nearest valid
// key (load.ts), instead of a setting silently ignored while the default applies.

const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "应为 HH:MM 格式的时间");
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "应为 YYYY-MM-DD 格式的日期");
const email = z.string().regex(/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/, "不是有效的邮箱地址");
const port = z.coerce.number().int().min(1).max(65535);
const bool = z.preprocess(
  (v) => (typeof v === "string" ? ["1", "true", "yes"].includes(v.toLowerCase()) : v),
  z.boolean(),
);

const webhookUrl = z
  .string()
  .refine((v) => v === "" || /^https?:\/\/\S+$/.test(v), "应为以 https:// 开头的机器人 Webhook 地址")
  .default("");

/** One reminder stage: the day of the month (before the deadline) and the time it is sent. */
export const stageSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9-]+$/),
  day: z.number().int().min(1).max(31),
  time,
});

/** Per-unit settings the office edits; seeding never overwrites them. */
export const unitOverrideSchema = z.strictObject({
  emails: z.array(email).default([]),
  aliases: z.array(z.string().min(1)).default([]),
  active: z.boolean().default(true),
  /** The unit's standing contact person when its mail never named one (see domain/standing-contact.ts). */
  contact: z
    .string()
    .trim()
    .min(1, "联系人姓名不能为空（不需要时删去这一行）")
    .max(20, "联系人姓名过长（最多 20 个字）")
    .optional(),
  /** The standing contact's phone, normalised (13812345678 / 0311-86688888). */
  phone: z
    .string()
    .trim()
    .refine(
      (v) => normalizePhone(v) !== null,
      "不是有效的电话号码：应为 11 位手机号或带区号的固定电话，如 0311-86688888",
    )
    .transform((v) => normalizePhone(v) ?? v)
    .optional(),
});

export const configSchema = z.strictObject({
  timezone: z.string().min(1),
  dataDir: z.string().min(1),
  databaseUrl: z
    .string()
    .refine(
      (v) => v === "" || /^postgres(ql)?:\/\//.test(v) || /^sqlite:/.test(v),
      "应为空 (SQLite)、sqlite:<文件> 或 postgres://…",
    ),
  redisUrl: z.string().regex(/^rediss?:\/\//, "应以 redis:// 开头"),
  templatesDir: z.string().min(1),
  queuePrefix: z.string().regex(/^[A-Za-z0-9_.:-]+$/, "只能包含字母、数字和 _.:-"),
  office: z.strictObject({
    name: z.string().min(1),
    emails: z.array(email),
    ownAddresses: z.array(email),
    contactNames: z.array(z.string().min(1)),
    contactPhones: z.array(z.string().min(1)),
  }),
  imap: z.strictObject({
    host: z.string(),
    port,
    secure: bool,
    user: z.string(),
    pass: z.string().default(""),
    folders: z.array(z.string().min(1)).min(1),
    since: z.union([z.literal(""), isoDate]),
    idle: bool,
    pollSeconds: z.number().int().min(1),
    noopSeconds: z.number().int().min(1),
    postAction: z.enum(["none", "flag", "move"]),
    postFlag: z.string().min(1),
    postFolder: z.string().min(1),
    reconnectMinSeconds: z.number().positive(),
    reconnectMaxSeconds: z.number().positive(),
    authRetrySeconds: z.number().positive(),
  }),
  smtp: z.strictObject({
    host: z.string(),
    port,
    secure: bool,
    user: z.string(),
    pass: z.string().default(""),
    from: z.union([z.literal(""), email]),
    perMinute: z.number().int().min(1),
    perDay: z.number().int().min(1),
  }),
  deadline: z.strictObject({ day: z.number().int().min(1).max(28) }),
  reminders: z.strictObject({
    stages: z.array(stageSchema),
    overdueAfterDays: z.number().int().min(0),
    overdueTime: time,
    overdueGraceWorkingDays: z.number().int().min(1).max(30),
  }),
  digest: z.strictObject({
    /** Whether the office gets receipt logs at all; on, it needs office.emails. */
    enabled: z.boolean().default(true),
    fromDay: z.number().int().min(1).max(31),
    toDay: z.number().int().min(1).max(31),
    times: z.array(time),
    finalTime: time,
  }),
  acknowledgements: z.strictObject({
    enabled: z.boolean(),
    perRecipientPerHour: z.number().int().min(1),
    recentDays: z.number().min(0),
    /**
     * An address that answered this many acknowledgements, each within loopWithinMinutes of it
     * being sent (over the last 30 days), is an auto-responder: it gets none (a note on the mail
     * says so, the daily receipt log names it). Only an auto-reply or a bare reply to the
     * acknowledgement answers it, never a mail that brings part of a report (ack-policy.ts).
     */
    loopReplies: z.number().int().min(1).default(3),
    loopWithinMinutes: z.number().min(0).default(5),
  }),
  classification: z.strictObject({
    textPdfCountsAsElectronic: z.boolean(),
    ocr: z.boolean(),
    /** warn: a scan without a seal counts, with a note; require: it does not count; off. @defaultValue "warn" */
    seal: z.enum(SEAL_POLICIES).default("warn"),
    /**
     * A report from an address not registered to its unit (or naming a unit that registered none):
     * count (marked 发件人未核实, listed for review, the unit still reminded) or confirm (held in
     * review until the office assigns it). @defaultValue "count"
     */
    unverifiedSenders: z.enum(["count", "confirm"]).default("count"),
  }),
  archives: z.strictObject({
    maxDepth: z.number().int().min(0).max(5),
    maxEntries: z.number().int().min(1),
    maxTotalBytes: z.number().int().min(1),
    maxRatio: z.number().min(1),
  }),
  web: z.strictObject({
    host: z.string().min(1),
    port,
    user: z.string().default(""),
    pass: z.string().default(""),
    /** true: /metrics (Prometheus) is readable without signing in; otherwise it needs a sign-in or the token. */
    metrics: bool.default(false),
    /** A Prometheus scraper sends it as "Authorization: Bearer <token>" to read /metrics without signing in. */
    metricsToken: z.string().default(""),
    hostnames: z.array(z.string().min(1)).default([]),
    trustProxy: bool.default(false),
    sessionHours: z
      .number()
      .positive()
      .max(24 * 30)
      .default(12),
    sessionIdleMinutes: z.number().positive().default(120),
    lockAfterFailures: z.number().int().min(1).max(100).default(5),
    lockMinutes: z.number().positive().default(15),
  }),
  units: z.record(z.string(), unitOverrideSchema),
  notify: z
    .strictObject({
      /** WeCom group robot webhook (https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…). */
      wecomWebhook: webhookUrl,
      /** DingTalk custom robot webhook (https://oapi.dingtalk.com/robot/send?access_token=…). */
      dingtalkWebhook: webhookUrl,
      /** The DingTalk robot's signing secret (SEC…), required with dingtalkWebhook. */
      dingtalkSecret: z.string().default(""),
      /** markdown (default) or plain text. */
      format: z.enum(["markdown", "text"]).default("markdown"),
    })
    .prefault({}),
  calendar: z.strictObject({ holidays: z.array(isoDate), workdays: z.array(isoDate) }),
  memory: z
    .strictObject({
      /**
       * MB of attachments a process keeps in memory for the messages it is processing (decoded
       * from a stored mail, not written again); beyond it they are written to the store. Bounds
       * what one message, or several at once, may hold. @defaultValue 32
       */
      heldMb: z.number().int().min(0).max(1024).default(32),
      /**
       * MB of a .docx/.odt's text XML (uncompressed) read for its text; a larger document is kept
       * and counted as a file, its text is not read (a note says so). The XML is read whole and
       * copied a few times as text (up to about six times its size in memory), inside the
       * service's 192 MB heap. A .doc is held to the same bound on the text its piece table
       * names (ole-word-check.ts). @defaultValue 8
       */
      documentXmlMb: z.number().int().min(1).max(64).default(8),
      /**
       * MB of a mail's body text (its text and HTML parts, decoded) read; a longer body is read
       * at its start only and the mail goes to review with the reason. @defaultValue 4
       */
      bodyTextMb: z.number().int().min(1).max(64).default(4),
      /**
       * Messages a process worker processes at once. Each holds its raw mail (up to 8 MB is read
       * whole) and what it decodes while it is parsed, outside the heap; parsing also waits on
       * disk and zlib, so 2–4 keeps a core busy. @defaultValue 4
       */
      processConcurrency: z.number().int().min(1).max(16).default(4),
    })
    .prefault({}),
  recovery: z
    .strictObject({
      /** Seconds between sweeps that queue again unfinished work without a job. @defaultValue 180 */
      sweepSeconds: z.number().int().min(1).default(180),
      /** /healthz is not ok while work waits longer than this. @defaultValue 15 */
      stuckMinutes: z.number().min(1).default(15),
      /** A send left "sending" this long lost its sender and is sent again. @defaultValue 240 */
      staleSendingSeconds: z.number().int().min(5).default(240),
      /**
       * A message whose processing fails with ENOMEM or EIO this many times in a row is failed
       * with the reason (the mail itself may exhaust memory); other transient failures (disk
       * full, database, Redis) wait without end. @defaultValue 6
       */
      resourceRetries: z.number().int().min(1).default(6),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type ReminderStage = z.infer<typeof stageSchema>;
export type UnitOverride = z.infer<typeof unitOverrideSchema>;

/** Environment variables and the config path each one sets. Secrets are only ever read from here. */
export const envKeys: Record<string, string> = {
  IMAP_HOST: "imap.host",
  IMAP_PORT: "imap.port",
  IMAP_SECURE: "imap.secure",
  IMAP_USER: "imap.user",
  IMAP_PASS: "imap.pass",
  SMTP_HOST: "smtp.host",
  SMTP_PORT: "smtp.port",
  SMTP_SECURE: "smtp.secure",
  SMTP_USER: "smtp.user",
  SMTP_PASS: "smtp.pass",
  MAIL_FROM: "smtp.from",
  OFFICE_EMAILS: "office.emails",
  REDIS_URL: "redisUrl",
  DATABASE_URL: "databaseUrl",
  DATA_DIR: "dataDir",
  QUEUE_PREFIX: "queuePrefix",
  TZ_OFFICE: "timezone",
  WEB_HOST: "web.host",
  WEB_PORT: "web.port",
  WEB_USER: "web.user",
  WEB_PASS: "web.pass",
  WEB_METRICS: "web.metrics",
  METRICS_TOKEN: "web.metricsToken",
  WEB_HOSTNAMES: "web.hostnames",
  WEB_TRUST_PROXY: "web.trustProxy",
  WECOM_WEBHOOK: "notify.wecomWebhook",
  DINGTALK_WEBHOOK: "notify.dingtalkWebhook",
  DINGTALK_SECRET: "notify.dingtalkSecret",
};

/** Keys whose values must never reach a log line or an error message. */
export const secretPaths = new Set([
  "imap.pass",
  "smtp.pass",
  "web.pass",
  "web.metricsToken",
  // A robot's webhook address carries its access token: whoever has it can post to the group.
  "notify.wecomWebhook",
  "notify.dingtalkWebhook",
  "notify.dingtalkSecret",
]);

/** An example for each key that commonly goes wrong, quoted in the error message. */
export const examples: Record<string, string> = {
  "imap.port": "IMAP_PORT=993",
  "smtp.port": "SMTP_PORT=465",
  "smtp.from": "MAIL_FROM=huanzichu@163.com",
  "office.emails": "OFFICE_EMAILS=a@163.com,b@163.com",
  redisUrl: "REDIS_URL=redis://127.0.0.1:6379",
  databaseUrl: "DATABASE_URL=postgres://user@127.0.0.1:5432/report_inbox",
  "imap.since": 'since: "2023-05-01"（或留空：从正在收集的月份的 1 日起）',
  timezone: "timezone: Asia/Shanghai",
  "imap.pass": "IMAP_PASS=<163 邮箱的客户端授权码>",
  "web.host": "WEB_HOST=127.0.0.1",
  "web.pass": "WEB_PASS=<看板登录密码>",
  "web.hostnames": "WEB_HOSTNAMES=board.example.gov.cn,192.168.1.10",
  dataDir: "DATA_DIR=/var/lib/report-inbox",
  "notify.dingtalkSecret": "DINGTALK_SECRET=SEC…",
};
