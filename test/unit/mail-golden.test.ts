import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createMailRenderer } from "../../src/adapters/templates/mail-templates.ts";
import {
  buildAckMail,
  buildDigestMail,
  buildOfficeOverdueMail,
  buildOverdueMail,
  buildReminderMail,
  type Signature,
} from "../../src/domain/mail-content/builders.ts";
import type { RenderedMail } from "../../src/domain/mail-content/render.ts";

// Every mail the office sends, rendered in full from the shipped templates and compared with a
// file a person read once as the office would (公文: 我办 / 你单位, dates as 2023年5月28日, the
// signature block). A wording change shows up here as a diff to read again.
// UPDATE_GOLDEN=1 rewrites the files; read every changed one before committing it.

const dir = join(import.meta.dirname, "../fixtures/golden");
const renderer = createMailRenderer();

const signature: Signature = {
  officeName: "石家庄市生态文明建设领导小组办公室",
  date: "2023年5月19日",
  contact: "王晓东",
  phone: "0311-87001234",
};
const common = {
  signature,
  officeAddress: "huanzichu@163.com",
  period: "2023-04",
  deadline: "2023年5月28日",
};

async function matchGolden(name: string, mail: RenderedMail): Promise<void> {
  const text = `主题：${mail.subject}\n\n${mail.text}`;
  for (const [file, content] of [
    [`${name}.txt`, text],
    [`${name}.html`, mail.html],
  ] as const) {
    const path = join(dir, file);
    if (process.env.UPDATE_GOLDEN || !existsSync(path)) {
      await mkdir(dir, { recursive: true });
      await writeFile(path, content);
      if (!process.env.UPDATE_GOLDEN) throw new Error(`golden file ${file} was missing: written, read it`);
    }
    expect(content, file).toBe(await readFile(path, "utf8"));
  }
}

const tasks = [
  { number: 1, title: "持续开展蓝天保卫战", lead: false },
  { number: 6, title: "加强水资源节约集约利用", lead: true },
];

describe("mail templates (golden files)", () => {
  it("acknowledgement of a complete report", async () => {
    const mail = buildAckMail(
      {
        ...common,
        signature: { ...signature, date: "2023年5月8日" },
        unitName: "市生态环境局",
        receivedAt: "2023年5月8日 10:12",
        files: [
          { name: "市生态环境局4月份工作进展情况（盖章扫描件）.pdf", kind: "盖章扫描件" },
          { name: "市生态环境局4月份工作进展情况.docx", kind: "电子版" },
        ],
        missing: [],
        contactName: "李明",
        contactPhone: "0311-87654321",
        late: false,
        requestBy: "2023年5月28日",
      },
      renderer,
    );
    await matchGolden("ack-complete", mail);
  });

  it("acknowledgement of an incomplete, late report", async () => {
    const mail = buildAckMail(
      {
        ...common,
        signature: { ...signature, date: "2023年5月29日" },
        unitName: "正定县",
        receivedAt: "2023年5月29日 09:05",
        files: [{ name: "正定县4月份工作进展（盖章）.pdf", kind: "盖章扫描件" }],
        missing: ["electronic"],
        contactName: "赵强",
        contactPhone: null,
        late: true,
        requestBy: "2023年6月1日",
      },
      renderer,
    );
    await matchGolden("ack-incomplete-late", mail);
  });

  it("a late report says it is counted late once complete, and only then that it is", async () => {
    const late = (missing: string[]) =>
      buildAckMail(
        {
          ...common,
          signature: { ...signature, date: "2023年5月29日" },
          unitName: "正定县",
          receivedAt: "2023年5月29日 09:05",
          files: [{ name: "正定县4月份工作进展（盖章）.pdf", kind: "盖章扫描件" }],
          missing,
          contactName: "赵强",
          contactPhone: "13931100001",
          late: true,
          requestBy: "2023年6月1日",
        },
        renderer,
      );
    const complete = late([]);
    expect(complete.text).toContain("本次报送已超过报送截止时间（2023年5月28日），记为逾期报送。");
    expect(complete.html).toContain("记为逾期报送。");
    const incomplete = late(["electronic"]);
    expect(incomplete.text).toContain("材料补齐后记为逾期报送。");
    expect(incomplete.text).not.toContain("），记为逾期报送。");
  });

  it("first reminder: nothing received", async () => {
    const mail = buildReminderMail(
      {
        ...common,
        unitName: "市水利局",
        asOf: "2023年5月19日 09:00",
        missing: [],
        submitted: false,
        tasks,
        round: "first",
      },
      renderer,
    );
    await matchGolden("remind-first", mail);
  });

  it("second reminder: part received", async () => {
    const mail = buildReminderMail(
      {
        ...common,
        signature: { ...signature, date: "2023年5月25日" },
        unitName: "市水利局",
        asOf: "2023年5月25日 09:00",
        missing: ["scan"],
        submitted: true,
        tasks: [],
        round: "again",
      },
      renderer,
    );
    await matchGolden("remind-again", mail);
  });

  it("final reminder: the last before the deadline", async () => {
    const mail = buildReminderMail(
      {
        ...common,
        signature: { ...signature, date: "2023年5月26日" },
        unitName: "市妇联",
        asOf: "2023年5月26日 09:00",
        missing: [],
        submitted: false,
        tasks: [],
        round: "final",
      },
      renderer,
    );
    await matchGolden("remind-final", mail);
  });

  it("overdue notice: nothing received, a new date and the leading group's list", async () => {
    const mail = buildOverdueMail(
      {
        ...common,
        signature: { ...signature, date: "2023年5月29日" },
        unitName: "赵县",
        missing: [],
        submitted: false,
        newDeadline: "2023年6月1日",
      },
      renderer,
    );
    await matchGolden("overdue-missing", mail);
  });

  it("overdue notice: still incomplete", async () => {
    const mail = buildOverdueMail(
      {
        ...common,
        signature: { ...signature, date: "2023年5月29日" },
        unitName: "正定县",
        missing: ["electronic"],
        submitted: true,
        newDeadline: "2023年6月1日",
      },
      renderer,
    );
    await matchGolden("overdue-incomplete", mail);
  });

  it("office log (登记表)", async () => {
    const mail = buildDigestMail(
      {
        signature: { ...signature, date: "2023年5月26日" },
        period: "2023-04",
        deadline: "2023年5月28日",
        asOf: "2023年5月26日 17:30",
        final: false,
        counts: { total: 4, complete: 1, incomplete: 1, missing: 2, exempt: 0, late: 0, overdue: 0 },
        // The log's own columns (usecases/receipt-log.ts logHeaders); units that have not
        // reported show their standing contact with the date it was last seen.
        headers: [
          "序号",
          "单位",
          "状态",
          "首次报送时间",
          "材料齐全时间",
          "联系人及电话",
          "尚缺材料",
          "逾期情况",
          "备注",
        ],
        rows: [
          ["1", "赵县", "未报送", "", "", "孙伟 13800000011（最近：2023年3月27日）", "全部材料", "", ""],
          ["2", "市妇联", "未报送", "", "", "", "全部材料", "", ""],
          [
            "3",
            "正定县",
            "不齐全",
            "2023年5月15日 10:00",
            "",
            "赵强 13833300003（最近：2023年5月15日）",
            "盖章扫描件",
            "",
            "",
          ],
          [
            "4",
            "市生态环境局",
            "已齐全",
            "2023年5月10日 09:12",
            "2023年5月10日 09:12",
            "李明 0311-87654321",
            "",
            "",
            "",
          ],
        ],
        unreachable: [{ unit: "市妇联", candidates: ["sfl@163.com"] }],
        uncertain: [],
      },
      renderer,
    );
    await matchGolden("digest", mail);
  });

  it("office's overdue list with whom to call", async () => {
    const mail = buildOfficeOverdueMail(
      {
        signature: { ...signature, date: "2023年5月29日" },
        period: "2023-04",
        deadline: "2023年5月28日",
        units: [
          {
            unit: "赵县",
            status: "未报送",
            missing: "全部材料",
            contact: "孙伟 13800000011（最近：2023年3月27日）",
            notified: "已发送",
          },
          { unit: "市妇联", status: "未报送", missing: "全部材料", contact: "", notified: "无登记邮箱" },
        ],
      },
      renderer,
    );
    await matchGolden("office-overdue", mail);
  });
});
