import { randomBytes } from "node:crypto";
import iconv from "iconv-lite";
import MailComposer from "nodemailer/lib/mail-composer";
import { makeDocx } from "./docx.ts";
import { makeScanPdf } from "./pdf.ts";
import { between, pick } from "./random.ts";
import type { BenchUnit } from "./units.ts";

export const surnames = [
  "张",
  "王",
  "李",
  "赵",
  "刘",
  "陈",
  "杨",
  "黄",
  "周",
  "吴",
  "徐",
  "孙",
  "马",
  "胡",
  "郭",
];
export const givenNames = [
  "伟",
  "芳",
  "娜",
  "敏",
  "静",
  "磊",
  "洋",
  "艳",
  "勇",
  "军",
  "杰",
  "涛",
  "明",
  "超",
  "秀英",
  "建华",
  "志强",
];

/** RFC 2047 encoded words in GBK, folded by hand (Chinese clients send them like this). */
export function gbkWords(text: string): string {
  const words: string[] = [];
  for (let i = 0; i < text.length; i += 12) {
    words.push(`=?GBK?B?${iconv.encode(text.slice(i, i + 12), "gbk").toString("base64")}?=`);
  }
  return words.join("\r\n ");
}

export interface SubmissionOptions {
  unit: BenchUnit;
  /** Report month (1-12) the mail names. */
  month: number;
  rand: () => number;
  /** Scan size; the issue's range is 300 KB–2 MB. */
  pdfBytes?: number;
  docxBytes?: number;
  /** Send from the unit's registered address (else a personal QQ mailbox). */
  registered?: boolean;
  /** A tag kept in the Message-ID, to find the message in the database. */
  tag: string;
}

export interface Submission {
  raw: Buffer;
  messageId: string;
}

/** One realistic submission: GBK subject and sender name, a sealed scan PDF, a .docx, a contact line. */
export async function buildSubmission(o: SubmissionOptions): Promise<Submission> {
  const { unit, month, rand } = o;
  const person = pick(rand, surnames) + pick(rand, givenNames);
  const phone =
    rand() < 0.5 ? `0311-8${between(rand, 1000000, 9999999)}` : `13${between(rand, 100000000, 999999999)}`;
  const subject = pick(rand, [
    `${unit.id}${month}月份工作进展情况`,
    `【${unit.id}】${month}月生态文明建设工作进展`,
    `关于报送${unit.id}${month}月份工作进展情况的函`,
  ]);
  const report = `石家庄${unit.id.replace(/^市/, "市")}关于${month}月份工作进展情况的报告`;
  const contactLine = `联系人：${person} 联系电话：${phone}`;
  const contactInBody = rand() < 0.5;
  const paragraphs = [
    report,
    "一、工作进展情况",
    `${month}月份，我单位认真落实市生态文明建设领导小组办公室工作要点，持续开展蓝天保卫战、碧水保卫战、净土保卫战。`,
    "二、存在的问题",
    "部分任务推进较慢，下一步将加强调度。",
    "三、下一步工作打算",
    "继续抓好各项任务落实。",
    contactInBody ? "" : contactLine,
  ].filter(Boolean);
  const pdfBytes = o.pdfBytes ?? between(rand, 300 * 1024, 2 * 1024 * 1024);
  const docxBytes = o.docxBytes ?? between(rand, 30 * 1024, 80 * 1024);
  const from = o.registered === false ? `${between(rand, 10000000, 999999999)}@qq.com` : unit.email;
  const messageId = `<bench-${o.tag}-${randomBytes(6).toString("hex")}@bench.report-inbox>`;
  const body = [
    "您好：",
    `    附件为${unit.id}${month}月份工作进展情况（加盖公章扫描版及电子版），请查收。`,
    contactInBody ? `    ${contactLine}` : "",
    "",
    unit.id,
  ]
    .filter((l) => l !== "")
    .join("\n");
  const composer = new MailComposer({
    to: "office@bench.example",
    messageId,
    date: new Date(),
    text: body,
    headers: {
      Subject: { prepared: true, value: gbkWords(subject) },
      "X-Mailer": "Foxmail 7.2.25.228[cn]",
    },
    attachments: [
      {
        filename: `${unit.id}${month}月份工作进展情况（盖章版）.pdf`,
        content: makeScanPdf(pdfBytes, rand() < 0.7 ? 1 : 2),
        contentType: "application/pdf",
      },
      {
        filename: `${unit.id}${month}月份工作进展情况.docx`,
        content: makeDocx(paragraphs, docxBytes),
        contentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      },
    ],
  });
  // MailComposer writes From itself (in UTF-8); Foxmail writes the name in GBK, so it goes in by hand.
  const fromHeader = Buffer.from(`From: ${gbkWords(`${unit.id} ${person}`)} <${from}>\r\n`, "latin1");
  const raw = Buffer.concat([fromHeader, await composer.compile().build()]);
  return { raw, messageId };
}
