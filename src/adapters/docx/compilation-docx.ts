import {
  AlignmentType,
  convertMillimetersToTwip,
  Document,
  Footer,
  HeadingLevel,
  LineRuleType,
  Packer,
  PageNumber,
  PageOrientation,
  Paragraph,
  TextRun,
} from "docx";
import type { Compilation, TaskEntry } from "../../domain/compile/compilation.ts";
import { unitNoteLabel } from "../../domain/compile/compilation.ts";

// Writes the compilation as an editable Word document laid out as a 公文 (GB/T 9704): A4
// portrait, margins 37/35/28/26 mm, title in 小标宋 (黑体 where that is missing), headings 黑体
// (一、), 楷体 (（一）), bold 仿宋 (1.), body 仿宋 三号 with a fixed 28-point line and a two-character
// first-line indent. The fonts are the ones offices install (仿宋_GB2312, 楷体_GB2312); Word and
// WPS substitute the nearest face where one is missing.

const BODY_FONT = "仿宋_GB2312";
const HEI = "黑体";
const KAI = "楷体_GB2312";
const TITLE_FONT = "方正小标宋简体";
/** 三号 = 16 pt; docx sizes are half-points. */
const SIZE_3 = 32;
/** 二号 = 22 pt. */
const SIZE_2 = 44;
/** Fixed 28 pt lines, as 公文 are set (22 lines a page). */
const LINE = { line: 560, lineRule: LineRuleType.EXACT } as const;
/** Two characters of 三号. */
const INDENT = { firstLine: 640 } as const;

const font = (name: string) => ({ ascii: name, hAnsi: name, eastAsia: name, cs: name });

function run(text: string, options: { font?: string; bold?: boolean; size?: number } = {}): TextRun {
  return new TextRun({
    text,
    font: font(options.font ?? BODY_FONT),
    size: options.size ?? SIZE_3,
    ...(options.bold ? { bold: true } : {}),
  });
}

function body(text: string): Paragraph {
  return new Paragraph({
    children: [run(text)],
    spacing: LINE,
    indent: INDENT,
    alignment: AlignmentType.JUSTIFIED,
  });
}

function heading(text: string, level: 1 | 2 | 3): Paragraph {
  const style = {
    1: { font: HEI, bold: false, heading: HeadingLevel.HEADING_1 },
    2: { font: KAI, bold: false, heading: HeadingLevel.HEADING_2 },
    3: { font: BODY_FONT, bold: true, heading: HeadingLevel.HEADING_3 },
  }[level];
  return new Paragraph({
    heading: style.heading,
    children: [run(text, { font: style.font, bold: style.bold })],
    spacing: LINE,
    indent: INDENT,
    keepNext: true,
  });
}

/** A unit's name above its words: bold 仿宋, like a fourth-level heading. */
function unitLine(text: string): Paragraph {
  return new Paragraph({
    children: [run(text, { bold: true })],
    spacing: LINE,
    indent: INDENT,
    keepNext: true,
  });
}

function entryParagraphs(entry: TaskEntry): Paragraph[] {
  const lead = entry.lead ? "（牵头）" : "";
  if (entry.kind === "text") return [unitLine(`${entry.unit}${lead}：`), ...entry.paragraphs.map(body)];
  return [body(`${entry.units.join("、")}${lead}（${unitNoteLabel[entry.note]}）`)];
}

function headingStyle(name: string, bold: boolean) {
  return {
    run: { font: font(name), size: SIZE_3, bold, italics: false, color: "000000" },
    paragraph: { spacing: { ...LINE, before: 0, after: 0 }, indent: INDENT },
  };
}

const chineseOrdinal = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

function content(c: Compilation): Paragraph[] {
  const out: Paragraph[] = [
    new Paragraph({
      children: [run(c.title, { font: TITLE_FONT, size: SIZE_2 })],
      alignment: AlignmentType.CENTER,
      spacing: { line: 700, lineRule: LineRuleType.EXACT },
    }),
    new Paragraph({
      children: [run(c.asOf, { font: KAI })],
      alignment: AlignmentType.CENTER,
      spacing: { ...LINE, after: 280 },
    }),
  ];
  let part = 0;
  const partHeading = (name: string) => heading(`${chineseOrdinal[part++]}、${name}`, 1);
  out.push(partHeading("报送情况"), ...c.statusParagraphs.map(body));
  out.push(partHeading("重点任务进展情况"));
  for (const section of c.sections) {
    if (section.heading) out.push(heading(section.heading, 2));
    for (const task of section.tasks) {
      out.push(heading(task.heading, 3), ...task.entries.flatMap(entryParagraphs));
    }
  }
  out.push(partHeading("其他工作"));
  if (c.other.length === 0) out.push(body("各单位报告中没有不属于上述任务的内容。"));
  for (const o of c.other) out.push(unitLine(`${o.unit}：`), ...o.paragraphs.map(body));
  return out;
}

/** The .docx bytes of a compilation. */
export async function writeCompilationDocx(c: Compilation): Promise<Buffer> {
  const doc = new Document({
    title: c.title,
    creator: "report-inbox",
    styles: {
      default: {
        document: { run: { font: font(BODY_FONT), size: SIZE_3, color: "000000" } },
        // Word's own heading styles are blue, larger and spaced: 公文 headings are none of these.
        // The styles stay (the navigation pane and a table of contents use them), restyled.
        heading1: headingStyle(HEI, false),
        heading2: headingStyle(KAI, false),
        heading3: headingStyle(BODY_FONT, true),
      },
    },
    sections: [
      {
        properties: {
          page: {
            size: {
              width: convertMillimetersToTwip(210),
              height: convertMillimetersToTwip(297),
              orientation: PageOrientation.PORTRAIT,
            },
            margin: {
              top: convertMillimetersToTwip(37),
              bottom: convertMillimetersToTwip(35),
              left: convertMillimetersToTwip(28),
              right: convertMillimetersToTwip(26),
            },
          },
        },
        footers: {
          default: new Footer({
            children: [
              new Paragraph({
                alignment: AlignmentType.CENTER,
                children: [
                  new TextRun({ children: ["— ", PageNumber.CURRENT, " —"], font: font("宋体"), size: 28 }),
                ],
              }),
            ],
          }),
        },
        children: content(c),
      },
    ],
  });
  return Packer.toBuffer(doc);
}
