import iconv from "iconv-lite";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import type Mail from "nodemailer/lib/mailer/index.js";
import { makeDocx, makeScanPdf } from "./sample-files.ts";

// A month of the office's mailbox, for the demo: the collection of April 2023's reports in
// May 2023, with the cases the office meets every month.

/** Shanghai wall-clock time of day N of May 2023. */
export function mayAt(day: number, hhmm: string): Date {
  return new Date(`2023-05-${String(day).padStart(2, "0")}T${hhmm}:00+08:00`);
}

export interface DemoMail {
  at: Date;
  /** What the case shows, printed by the demo. */
  label: string;
  raw: () => Promise<Buffer>;
}

const office = "huanzichu@163.com";

async function compose(options: Mail.Options): Promise<Buffer> {
  return new MailComposer({ to: office, ...options }).compile().build();
}

/** What the demo's units write, as units do: by the work points' tasks, so `compile` has words to place. */
const progress: Record<string, string[]> = {
  市生态环境局: [
    "一、持续开展蓝天保卫战",
    "实施臭氧污染防治攻坚行动，检查涉VOCs企业126家，督促整改问题31个。",
    "二、深入打好碧水保卫战",
    "加强入河排污口监督管理，完成入河排污口整治12个。",
  ],
  市水利局: [
    "一、巩固提升地下水超采治理成果",
    "完成生态补水0.3亿立方米，关停自备井42眼。",
    "二、加强水资源节约高效利用",
    "下达年度用水计划，推进节水型城市建设。",
  ],
  市发改委: [
    "印发重点行业碳达峰实施方案，推进碳达峰十大专项行动。",
    "整县屋顶分布式光伏开发试点新增装机8万千瓦。",
  ],
  鹿泉区: ["（一）蓝天保卫战。完成建筑工地扬尘专项检查45次，清理道路积尘120公里。"],
};

async function report(
  unit: string,
  opts: { scan?: boolean; docx?: boolean; body?: string; subject?: string },
) {
  const attachments: Mail.Attachment[] = [];
  if (opts.scan)
    attachments.push({
      filename: `${unit}4月份工作进展情况（盖章扫描件）.pdf`,
      content: makeScanPdf({ bytes: 40_000 }),
    });
  if (opts.docx) {
    const lines = [
      `石家庄${unit.replace(/^市/, "市")}关于4月份生态文明建设工作进展情况的报告`,
      ...(progress[unit] ?? ["一、工作进展", "……"]),
      "联系人：王芳  联系电话：13931100001",
    ];
    attachments.push({ filename: `${unit}4月份工作进展情况.docx`, content: await makeDocx(lines) });
  }
  return {
    subject: opts.subject ?? `${unit}4月份工作进展情况`,
    text: opts.body ?? "您好，附件为我单位4月份工作进展情况，请查收。",
    attachments,
  };
}

/** A message as Foxmail writes it: GBK subject and GBK file name, no UTF-8 anywhere. */
function gbkMail(
  at: Date,
  from: string,
  subject: string,
  fileName: string,
  file: Buffer,
  body: string,
): Buffer {
  const b64 = (s: string) => iconv.encode(s, "gbk").toString("base64");
  const boundary = "----=_NextPart_demo_gbk";
  const head = [
    `From: ${from}`,
    `To: ${office}`,
    `Subject: =?gb2312?B?${b64(subject)}?=`,
    `Date: ${at.toUTCString().replace("GMT", "+0000")}`,
    `Message-ID: <demo-gbk-${at.getTime()}@foxmail.com>`,
    "MIME-Version: 1.0",
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    "X-Mailer: Foxmail 7.2.25.228[cn]",
    "",
    `--${boundary}`,
    'Content-Type: text/plain; charset="gb2312"',
    "Content-Transfer-Encoding: base64",
    "",
    iconv.encode(body, "gbk").toString("base64"),
    `--${boundary}`,
    `Content-Type: application/octet-stream; name="=?gb2312?B?${b64(fileName)}?="`,
    "Content-Transfer-Encoding: base64",
    `Content-Disposition: attachment; filename="=?gb2312?B?${b64(fileName)}?="`,
    "",
    file.toString("base64").replace(/.{76}/g, "$&\r\n"),
    `--${boundary}--`,
    "",
  ];
  return Buffer.from(head.join("\r\n"), "latin1");
}

/** The month, in the order the mails arrive. */
export function demoMailbox(): DemoMail[] {
  const mails: DemoMail[] = [
    {
      at: mayAt(8, "10:12"),
      label: "市生态环境局：扫描件 + 电子版 + 联系人，一次报齐",
      raw: async () =>
        compose({
          from: "市生态环境局 <sthjj@sjz.example.gov.cn>",
          date: mayAt(8, "10:12"),
          ...(await report("市生态环境局", {
            scan: true,
            docx: true,
            body: "附件为我局4月份工作进展。\n联系人：李明 联系电话：0311-87654321",
          })),
        }),
    },
    {
      at: mayAt(10, "15:40"),
      label: "市水利局：只有电子版，缺盖章扫描件",
      raw: async () =>
        compose({
          from: "slj_office@163.com",
          date: mayAt(10, "15:40"),
          ...(await report("市水利局", { docx: true })),
        }),
    },
    {
      at: mayAt(15, "09:05"),
      label: "正定县：Foxmail 发出的 GBK 编码主题和文件名",
      raw: async () =>
        gbkMail(
          mayAt(15, "09:05"),
          "zdxhbj@qq.com",
          "【正定县】4月生态文明建设工作进展",
          "正定县4月份工作进展（盖章）.pdf",
          makeScanPdf({ bytes: 30_000 }),
          "联系人：赵强 电话：13833300003\r\n电子版稍后补报。",
        ),
    },
    {
      at: mayAt(16, "11:00"),
      label: "自动回复：不是报送，不回执",
      raw: async () =>
        compose({
          from: "someone@sjz.example.gov.cn",
          date: mayAt(16, "11:00"),
          subject: "自动回复：关于报送4月份工作进展的通知",
          text: "您好，我已休假，5月20日返回。",
          headers: { "Auto-Submitted": "auto-replied", "X-Autoreply": "yes" },
        }),
    },
    {
      at: mayAt(17, "14:30"),
      label: "陌生的QQ邮箱：看不出是哪个单位，进入人工确认列表",
      raw: async () =>
        compose({
          from: "123456789@qq.com",
          date: mayAt(17, "14:30"),
          subject: "4月份材料",
          text: "请查收。",
          attachments: [{ filename: "材料.pdf", content: makeScanPdf({ bytes: 20_000 }) }],
        }),
    },
    {
      at: mayAt(22, "16:20"),
      label: "市水利局：补充材料（盖章扫描件），报告齐全",
      raw: async () =>
        compose({
          from: "slj_office@163.com",
          date: mayAt(22, "16:20"),
          subject: "补充材料：市水利局4月份工作进展（盖章）",
          text: "补充盖章扫描件。",
          attachments: [{ filename: "市水利局4月份盖章扫描件.pdf", content: makeScanPdf({ bytes: 30_000 }) }],
        }),
    },
    {
      at: mayAt(26, "10:00"),
      label: "市发改委（简称）：第一次催报之后报齐",
      raw: async () =>
        compose({
          from: "fgw@sjz.example.gov.cn",
          date: mayAt(26, "10:00"),
          ...(await report("市发改委", {
            scan: true,
            docx: true,
            body: "联系人：孙丽 联系电话：0311-86012345",
          })),
        }),
    },
    {
      at: mayAt(29, "09:30"),
      label: "鹿泉区：截止日之后才报送，逾期",
      raw: async () =>
        compose({
          from: "lqq_sthj@163.com",
          date: mayAt(29, "09:30"),
          ...(await report("鹿泉区", { scan: true, docx: true, body: "联系人：周杰 手机：15100000009" })),
        }),
    },
  ];
  return mails;
}
