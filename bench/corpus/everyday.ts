import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import MailComposer from "nodemailer/lib/mail-composer";
import type { Corpus, CorpusFile } from "./build.ts";
import type { DocTemplate } from "./doc-template.ts";
import { makeDocx } from "./docx.ts";
import { gbkWords, givenNames, surnames } from "./message.ts";
import { makeScanPdf } from "./pdf.ts";
import { between, pick, seededRandom } from "./random.ts";
import type { BenchUnit } from "./units.ts";
import { writeZip } from "./zip.ts";

const KB = 1024;

type Attachment = { filename: string; content: Buffer; contentType: string };

/** A phone photo of the sealed page: JPEG markers around random bytes (nothing decodes images). */
function photoJpeg(bytes: number): Buffer {
  return Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
    randomBytes(bytes - 6),
    Buffer.from([0xff, 0xd9]),
  ]);
}

/**
 * Mail as units send it on an ordinary day (issue 11): 50–300 KB, about 140 KB on average; the
 * editable version a small .docx (three in five) or a Word 97 .doc; the sealed page a JPG photo
 * or a one-page image PDF; one mail in seven with both zipped together; the contact line in
 * the body for half of the mails and only inside the document for the other half.
 */
export async function buildEverydayCorpus(
  dir: string,
  n: number,
  units: BenchUnit[],
  month: number,
  doc: DocTemplate,
): Promise<Corpus> {
  const rand = seededRandom(20261130);
  const files: CorpusFile[] = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const unit = units[i % units.length]!;
    const person =
      pick(rand, surnames) +
      pick(
        rand,
        givenNames.filter((g) => g.length === 2),
      );
    const phone =
      rand() < 0.5 ? `0311-8${between(rand, 1000000, 9999999)}` : `13${between(rand, 100000000, 999999999)}`;
    const contact = { name: person, phone };
    const contactInBody = rand() < 0.5;
    const base = `${unit.id}${month}月份工作进展情况`;
    const asDoc = rand() < 0.4;
    const editable: Attachment = asDoc
      ? {
          filename: `${base}.doc`,
          content: doc.make(unit.id, contactInBody ? null : contact),
          contentType: "application/msword",
        }
      : {
          filename: `${base}.docx`,
          content: makeDocx(
            [
              `${unit.id}关于${month}月份工作进展情况的报告`,
              "一、工作进展情况",
              `${month}月份，我单位认真落实市生态文明建设领导小组办公室工作要点，持续推进各项任务。`,
              "二、存在的问题及下一步打算",
              "部分任务推进较慢，下一步将加强调度。",
              contactInBody ? "" : `联系人：${person} 联系电话：${phone}`,
            ].filter(Boolean),
            between(rand, 10 * KB, 30 * KB),
          ),
          contentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        };
    // Most photos and one-page scans are small; a few reach 190 KB (the square skews them low).
    const scanBytes = Math.floor(32 * KB + 168 * KB * rand() ** 2);
    const scan: Attachment =
      rand() < 0.5
        ? { filename: `${base}（盖章）.jpg`, content: photoJpeg(scanBytes), contentType: "image/jpeg" }
        : {
            filename: `${base}（盖章版）.pdf`,
            content: makeScanPdf(scanBytes, 1),
            contentType: "application/pdf",
          };
    const zipped = rand() < 1 / 7;
    const attachments: Attachment[] = zipped
      ? [
          {
            filename: `${base}.zip`,
            content: writeZip([
              { name: editable.filename, data: editable.content, deflate: true },
              { name: scan.filename, data: scan.content, deflate: false },
            ]),
            contentType: "application/zip",
          },
        ]
      : [scan, editable];
    const messageId = `<bench-e${i}-${randomBytes(6).toString("hex")}@bench.report-inbox>`;
    const body = [
      "您好：",
      `    附件为${base}（盖章版及电子版），请查收。`,
      contactInBody ? `    联系人：${person} 联系电话：${phone}` : "",
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
        Subject: { prepared: true, value: gbkWords(pick(rand, [base, `【${unit.id}】${month}月工作进展`])) },
        "X-Mailer": "Foxmail 7.2.25.228[cn]",
      },
      attachments,
    });
    const from = rand() < 0.8 ? unit.email : `${between(rand, 10000000, 999999999)}@qq.com`;
    const fromHeader = Buffer.from(`From: ${gbkWords(`${unit.id} ${person}`)} <${from}>\r\n`, "latin1");
    const raw = Buffer.concat([fromHeader, await composer.compile().build()]);
    const path = join(dir, `e${String(i).padStart(6, "0")}.eml`);
    await writeFile(path, raw, { mode: 0o644 });
    files.push({ path, size: raw.length, unitId: unit.id, messageId });
    bytes += raw.length;
  }
  return { dir, files, bytes };
}
