import sharp from "sharp";
import { makeDocx } from "../../src/demo/sample-files.ts";
import { imagePdf } from "../helpers/image-pdf.ts";
import { makeSealCase } from "../helpers/seal-pages.ts";
import { type BoardEnv, deliverBoardMail } from "./web-env.ts";

// The mail of issue 13, through real ingest and processing: it lands on the review list.

export interface ReviewMail {
  id: string;
  pdf: Buffer;
  docx: Buffer;
  photo: Buffer;
}

/** The mail of the issue: 123456789@qq.com, 4月份材料, a sealed scan, the Word version, a photo. */
export async function deliverReviewMail(env: BoardEnv): Promise<ReviewMail> {
  const page = await makeSealCase("msg-page", "seal_scan", 20231);
  const pdf = await imagePdf([page.image]);
  const docx = await makeDocx([
    "4月份工作进展情况",
    "一、持续开展蓝天保卫战，完成散煤治理清零任务。",
    "二、推进河湖长制，完成滹沱河沿线排查整治。",
    "联系人：李明　联系电话：0311-86012345",
  ]);
  const photo = await sharp({ create: { width: 640, height: 400, channels: 3, background: "#3a7bd5" } })
    .png()
    .toBuffer();
  const { id, outcome } = await deliverBoardMail(env, {
    from: "小李 <123456789@qq.com>",
    to: "环资处 <huanzichu@example.gov.cn>",
    cc: "王五 <wangwu@qq.com>",
    subject: "4月份材料",
    date: new Date("2023-05-10T01:00:00Z"),
    headers: {
      "Authentication-Results":
        "mx.example.gov.cn; spf=pass smtp.mailfrom=qq.com; dkim=pass header.d=qq.com; dmarc=pass",
    },
    html: '<p>您好：</p><p>附件是<b>4月份材料</b>，请查收。</p><script>alert("x")</script><img src="https://tracker.example/p.gif">',
    attachments: [
      { filename: "材料.pdf", content: pdf },
      { filename: "4月份工作进展 (定稿).docx", content: docx },
      { filename: "现场照片.png", content: photo },
    ],
  });
  if (outcome.state !== "review") throw new Error(`expected review, got ${JSON.stringify(outcome)}`);
  return { id, pdf, docx, photo };
}
