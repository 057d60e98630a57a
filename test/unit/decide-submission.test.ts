import { describe, expect, it } from "vitest";
import {
  type DecideInput,
  decideSubmission,
  needsDocumentText,
  type Verdict,
} from "../../src/domain/decide-submission.ts";
import type { ParsedMessage } from "../../src/domain/types.ts";
import { file, message } from "./message-fixture.ts";
import { seedUnits } from "./units-fixture.ts";

const units = seedUnits({
  市水利局: ["slj@sjz.gov.cn"],
  正定县: ["zdxstb@163.com"],
  // One clerk's mailbox registered for two districts.
  桥西区: ["shared@qq.com"],
  新华区: ["shared@qq.com"],
});
const scan = file("盖章扫描件.pdf", "scan");
const docx = file("4月份工作进展.docx", "electronic");
const NOTICE = "各成员单位：请于每月28日前报送上个月工作进展情况。\n联系人：王主任\n联系电话：0311-87001234";

function decide(msg: Partial<ParsedMessage>, over: Partial<DecideInput> = {}): Verdict {
  return decideSubmission({
    message: message(msg),
    units,
    receivedAt: new Date("2023-05-20T10:00:00+08:00"),
    tz: "Asia/Shanghai",
    deadlineDay: 28,
    ownAddresses: ["huanzichu@163.com"],
    officeContact: { phones: ["0311-87001234"], names: ["王主任"] },
    fileTexts: [],
    textPdfCountsAsElectronic: false,
    ...over,
  });
}
const qq = (address = "12345678@qq.com") => ({ address, name: "" });

describe("decideSubmission: which unit", () => {
  it.each<[string, Partial<ParsedMessage>, Partial<DecideInput>, Record<string, unknown>]>([
    [
      "registered sender",
      { from: qq("SLJ@sjz.gov.cn"), subject: "4月份工作进展情况", files: [scan, docx] },
      {},
      { kind: "report", unitId: "市水利局", matchedBy: "sender", senderVerified: true, trust: "verified" },
    ],
    [
      "unit in the subject, personal QQ mailbox, unit has registered addresses",
      { from: qq(), subject: "【正定县】4月生态文明建设工作进展", files: [scan, docx] },
      {},
      { kind: "report", unitId: "正定县", matchedBy: "subject", senderVerified: false, trust: "unverified" },
    ],
    [
      "unit in the subject, unit registered no address",
      { from: qq(), subject: "市林业局4月份工作进展情况", files: [scan] },
      {},
      { kind: "report", unitId: "市林业局", matchedBy: "subject", trust: "name_only" },
    ],
    [
      "回复： prefix and the full official name",
      { subject: "回复：石家庄市发展和改革委员会关于4月份生态文明建设工作进展的报告", files: [docx] },
      {},
      { kind: "report", unitId: "市发展改革委", matchedBy: "subject" },
    ],
    [
      "alias only (市工信局)",
      { subject: "市工信局四月份进展", files: [docx] },
      {},
      { kind: "report", unitId: "市工业和信息化局", matchedBy: "subject" },
    ],
    [
      "unit only in a file name",
      { subject: "4月进展", files: [file("鹿泉区-4月进展.docx", "electronic")] },
      {},
      { kind: "report", unitId: "鹿泉区", matchedBy: "filename" },
    ],
    [
      "unit only in the document's letterhead",
      { subject: "4月份工作进展", files: [docx] },
      {
        fileTexts: [
          {
            name: "4月份工作进展.docx",
            kind: "electronic",
            text: "石家庄市商务局\n关于2023年4月生态文明建设工作进展情况的报告\n……",
          },
        ],
      },
      { kind: "report", unitId: "市商务局", matchedBy: "document" },
    ],
    [
      "unit only in the body",
      { subject: "报送材料", text: "您好，附件是市统计局4月份工作进展，请查收。", files: [docx] },
      {},
      { kind: "report", unitId: "市统计局", matchedBy: "body" },
    ],
    [
      "a unit named only in the quoted notice does not count",
      {
        subject: "回复：通知",
        text: `收到。\n-----原始邮件-----\n市生态环境局：${NOTICE}`,
        ownText: "收到。",
        files: [docx],
      },
      {},
      { kind: "review", code: "review.no_unit" },
    ],
    [
      "a contact-only supplement without files is still the unit's, with a note",
      { from: qq("slj@sjz.gov.cn"), subject: "补充联系人", text: "联系人：张三 13812345678" },
      {},
      {
        kind: "report",
        unitId: "市水利局",
        hasScan: false,
        hasElectronic: false,
        notes: ["邮件未附任何文件（盖章扫描件和电子版都没有收到）"],
      },
    ],
    [
      "registered sender mentioning another unit: the sender wins, the office is told",
      { from: qq("slj@sjz.gov.cn"), subject: "正定县4月份进展（代报）", files: [scan] },
      {},
      {
        kind: "report",
        unitId: "市水利局",
        matchedBy: "sender",
        notes: expect.arrayContaining([expect.stringContaining("正定县")]),
      },
    ],
    [
      "registered sender whose body mentions other units: no note",
      {
        from: qq("slj@sjz.gov.cn"),
        subject: "4月份进展",
        text: "按照市生态环境局要求，现报送。",
        files: [scan],
      },
      {},
      { kind: "report", unitId: "市水利局", notes: [] },
    ],
    [
      "shared address settled by the subject",
      { from: qq("shared@qq.com"), subject: "新华区4月份工作进展", files: [scan] },
      {},
      { kind: "report", unitId: "新华区", matchedBy: "subject", senderVerified: true, trust: "verified" },
    ],
    [
      "shared address, nothing else: review between its units",
      { from: qq("shared@qq.com"), subject: "4月份工作进展", files: [scan] },
      {},
      { kind: "review", code: "review.multiple_units", candidates: ["桥西区", "新华区"] },
    ],
    [
      "two units in one subject: review, never a guess",
      { subject: "桥西区、裕华区4月份工作进展", files: [scan] },
      {},
      { kind: "review", code: "review.multiple_units", candidates: ["桥西区", "裕华区"], period: "2023-04" },
    ],
    [
      "two units in the file names",
      {
        subject: "4月进展",
        files: [file("井陉县4月.docx", "electronic"), file("井陉矿区4月.docx", "electronic")],
      },
      {},
      { kind: "review", code: "review.multiple_units", candidates: ["井陉县", "井陉矿区"] },
    ],
    [
      "an unknown unit name",
      { subject: "石家庄市水务局4月份工作进展", files: [scan] },
      {},
      { kind: "review", code: "review.unknown_unit", unknownUnitName: "石家庄市水务局" },
    ],
    [
      "an unknown unit in the document's letterhead",
      { subject: "4月份工作进展", files: [docx] },
      {
        fileTexts: [
          {
            name: "4月份工作进展.docx",
            kind: "electronic",
            text: "石家庄市人民防空办公室\n关于4月份工作进展的报告",
          },
        ],
      },
      { kind: "review", code: "review.unknown_unit", unknownUnitName: "石家庄市人民防空办公室" },
    ],
    [
      "a mail without files mentioning a government is no report",
      { subject: "政务服务满意度调查", text: "尊敬的用户：某某县人民政府邀请您参加调查。" },
      {},
      { kind: "not_report", code: "not_report.no_unit_no_attachment" },
    ],
    [
      "no unit, attachments",
      { subject: "4月份材料", files: [scan] },
      {},
      { kind: "review", code: "review.no_unit", reason: "无法识别报送单位，请人工指定" },
    ],
    [
      "no unit, no attachments",
      { subject: "请问报送格式", text: "请问报送格式有要求吗？" },
      {},
      { kind: "not_report", code: "not_report.no_unit_no_attachment" },
    ],
    [
      "an auto-reply naming a unit",
      { subject: "自动回复：市水利局4月份工作进展情况", headers: { "auto-submitted": ["auto-replied"] } },
      {},
      { kind: "not_report", code: "not_report.auto_reply" },
    ],
    [
      "our own acknowledgement looping back",
      { from: qq("huanzichu@163.com"), subject: "回执：市水利局4月份工作进展情况", files: [] },
      {},
      { kind: "not_report", code: "not_report.own_mail" },
    ],
  ])("%s", (_, msg, over, expected) => {
    expect(decide(msg, over)).toMatchObject(expected);
  });

  it("looks into forwarded messages: their subject and files are this message's", () => {
    const inner = message({
      subject: "市水利局4月份工作进展情况",
      files: [scan, docx],
      text: "联系人：张三 13812345678",
    });
    const verdict = decide({ subject: "Fw: 材料", files: [], forwarded: [inner] });
    expect(verdict).toMatchObject({
      kind: "report",
      unitId: "市水利局",
      matchedBy: "subject",
      hasScan: true,
      hasElectronic: true,
      contacts: [{ name: "张三", phone: "13812345678", source: "body" }],
    });
  });
});

describe("decideSubmission: period and lateness", () => {
  it.each<[string, string, string, "explicit" | "default", boolean]>([
    ["市水利局工作进展", "2023-05-20T10:00:00+08:00", "2023-04", "default", false],
    ["市水利局4月份工作进展", "2023-05-28T23:30:00+08:00", "2023-04", "explicit", false],
    ["市水利局4月份工作进展", "2023-05-29T08:00:00+08:00", "2023-04", "explicit", true],
    ["市水利局1-4月工作进展", "2023-05-10T08:00:00+08:00", "2023-04", "explicit", false],
    ["市水利局十二月工作进展", "2024-01-10T08:00:00+08:00", "2023-12", "explicit", false],
    ["市水利局工作进展", "2024-01-10T08:00:00+08:00", "2023-12", "default", false],
    ["市水利局3月份工作进展（补报）", "2023-05-10T08:00:00+08:00", "2023-03", "explicit", true],
  ])("%s received %s → %s (%s), late=%s", (subject, received, period, periodSource, late) => {
    const verdict = decide({ subject, files: [scan] }, { receivedAt: new Date(received) });
    expect(verdict).toMatchObject({ kind: "report", period, periodSource, late });
  });

  it("says so when the mail names another month than the one being collected", () => {
    const verdict = decide({ subject: "市水利局3月份工作进展（补报）", files: [scan] });
    expect(verdict.kind === "report" && verdict.notes).toContainEqual(expect.stringContaining("2023年3月"));
  });

  it("takes the period from the file name when the subject names none", () => {
    const verdict = decide({
      subject: "市水利局工作进展",
      files: [file("水利局2023年3月进展.docx", "electronic")],
    });
    expect(verdict).toMatchObject({ period: "2023-03", periodSource: "explicit" });
  });
});

describe("decideSubmission: files", () => {
  it.each<[string, ParsedMessage["files"], boolean, boolean, boolean, RegExp | null]>([
    ["scan and electronic", [scan, docx], false, true, true, null],
    [
      "photos count as the scan",
      [file("IMG_0001.jpg", "scan"), file("IMG_0002.jpg", "scan")],
      false,
      true,
      false,
      null,
    ],
    ["a .wps file is electronic", [file("进展.wps", "electronic")], false, false, true, null],
    ["text PDF, not counted", [file("进展.pdf", "text_pdf")], false, false, false, /不计为电子版/u],
    [
      "text PDF, counted by the office's choice",
      [file("进展.pdf", "text_pdf")],
      true,
      false,
      true,
      /计为电子版/u,
    ],
    [
      "超大附件 link to a PDF is the scan",
      [file("盖章版.pdf", "link", { linkUrl: "https://mail.163.com/large/1" })],
      false,
      true,
      false,
      /超大附件/u,
    ],
    ["超大附件 link to a zip is the scan", [file("扫描件.zip", "link")], false, true, false, null],
    ["超大附件 link to a .docx is electronic", [file("进展.docx", "link")], false, false, true, null],
    [
      "unreadable archive",
      [file("材料.rar", "archive")],
      false,
      false,
      false,
      /压缩包“材料.rar”无法查看内容/u,
    ],
    [
      "the parser's note replaces the generic one",
      [file("加密材料.zip", "archive", { note: "压缩包设有密码，无法解开，需人工查看" })],
      false,
      false,
      false,
      /^加密材料.zip：压缩包设有密码，无法解开，需人工查看$/mu,
    ],
  ])("%s", (_, files, textPdf, hasScan, hasElectronic, note) => {
    const verdict = decide(
      { subject: "市水利局4月份工作进展", files },
      { textPdfCountsAsElectronic: textPdf },
    );
    expect(verdict).toMatchObject({ kind: "report", hasScan, hasElectronic });
    if (note && verdict.kind === "report") expect(verdict.notes.join("\n")).toMatch(note);
  });
});

it("decideSubmission: the parser's note on a file is not repeated by a generic one", () => {
  const files = [file("加密材料.zip", "archive", { note: "压缩包设有密码，无法解开，需人工查看" })];
  const verdict = decide({ subject: "市水利局4月份工作进展", files });
  expect(verdict.kind === "report" && verdict.notes.filter((n) => n.includes("加密材料.zip"))).toEqual([
    "加密材料.zip：压缩包设有密码，无法解开，需人工查看",
  ]);
});

describe("decideSubmission: contacts", () => {
  it.each<[string, Partial<ParsedMessage>, Partial<DecideInput>, unknown[]]>([
    [
      "from the body",
      { text: "现报送4月份进展。\n联系人：张三\n联系电话：13812345678" },
      {},
      [{ name: "张三", phone: "13812345678", source: "body" }],
    ],
    [
      "a reply quoting the office's notice gives the sender's contact, not the office's",
      {
        subject: "回复：关于报送4月份工作进展的通知",
        text: `市水利局已报送。\n联系人：张三 13812345678\n\n在 2023年5月3日 上午9:00，"市生态文明办"<huanzichu@163.com> 写道：\n${NOTICE}`,
        ownText: "",
      },
      {},
      [{ name: "张三", phone: "13812345678", source: "body" }],
    ],
    [
      "the office's number copied into the body is left out",
      { text: "联系人：张三 13812345678\n报送邮箱电话：0311-87001234" },
      {},
      [{ name: "张三", phone: "13812345678", source: "body" }],
    ],
    [
      "an inline forward: the forwarded original's contact",
      {
        subject: "转发：市水利局4月份工作进展情况",
        ownText: "",
        text: "-----原始邮件-----\n发件人：李四\n发送时间：2023-05-10\n联系人：李四 13987654321",
      },
      {},
      [{ name: "李四", phone: "13987654321", source: "body" }],
    ],
    [
      "body first, then the document",
      { text: "联系人：张三 13812345678" },
      {
        fileTexts: [
          { name: "进展.docx", kind: "electronic", text: "正文……\n联系人：赵六  电话：0311-86688888" },
        ],
      },
      [
        { name: "张三", phone: "13812345678", source: "body" },
        { name: "赵六", phone: "0311-86688888", source: "electronic" },
      ],
    ],
    [
      "the same person in body and document once",
      { text: "联系人：张三" },
      { fileTexts: [{ name: "进展.docx", kind: "electronic", text: "联系人：张三 联系电话：13812345678" }] },
      [{ name: "张三", phone: "13812345678", source: "electronic" }],
    ],
    [
      "a complete contact in a document beats a name alone in the body",
      { text: "联系人：张三" },
      { fileTexts: [{ name: "进展.pdf", kind: "text_pdf", text: "联系人：赵六 联系电话：13712345678" }] },
      [
        { name: "赵六", phone: "13712345678", source: "pdf" },
        { name: "张三", phone: null, source: "body" },
      ],
    ],
  ])("%s", (_, msg, over, contacts) => {
    const verdict = decide({ subject: "市水利局4月份工作进展", files: [scan, docx], ...msg }, over);
    expect(verdict.kind === "report" && verdict.contacts).toEqual(contacts);
  });
});

describe("needsDocumentText", () => {
  it.each<[string, Partial<ParsedMessage>, boolean]>([
    [
      "unit in subject, complete contact in body",
      { subject: "市水利局4月份进展", text: "联系人：张三 13812345678", files: [docx] },
      false,
    ],
    ["unit in subject, no contact", { subject: "市水利局4月份进展", files: [docx] }, true],
    [
      "unit in subject, name without phone",
      { subject: "市水利局4月份进展", text: "联系人：张三", files: [docx] },
      true,
    ],
    [
      "registered sender, contact in body",
      { from: qq("slj@sjz.gov.cn"), subject: "进展", text: "联系人：张三 13812345678", files: [docx] },
      false,
    ],
    [
      "unit only in body: the letterhead ranks above it",
      { subject: "进展", text: "市统计局报送。联系人：张三 13812345678", files: [docx] },
      true,
    ],
    ["no unit anywhere", { subject: "4月份材料", files: [docx] }, true],
    ["nothing readable (scans only)", { subject: "4月份材料", files: [scan] }, false],
    [
      "only the office's contact in the body",
      { subject: "市水利局4月份进展", text: "联系人：王主任 0311-87001234", files: [docx] },
      true,
    ],
  ])("%s → %s", (_, msg, needed) => {
    expect(needsDocumentText(message(msg), units, { phones: ["0311-87001234"], names: ["王主任"] })).toBe(
      needed,
    );
  });
});
