import { describe, expect, it } from "vitest";
import { type DecideInput, decideSubmission } from "../../src/domain/decide-submission.ts";
import { reasonLabel } from "../../src/domain/reason-codes.ts";
import type { ParsedMessage } from "../../src/domain/types.ts";
import { file, message } from "./message-fixture.ts";
import { seedUnits } from "./units-fixture.ts";

const units = seedUnits({ 市水利局: ["slj@sjz.gov.cn"] });
const locked = file("4月份材料.rar", "archive", {
  note: "压缩包有密码，无法解开，需人工查看",
  encrypted: true,
});

function decide(msg: Partial<ParsedMessage>, over: Partial<DecideInput> = {}) {
  return decideSubmission({
    message: message(msg),
    units,
    receivedAt: new Date("2023-05-20T10:00:00+08:00"),
    tz: "Asia/Shanghai",
    deadlineDay: 28,
    ownAddresses: ["huanzichu@163.com"],
    fileTexts: [],
    textPdfCountsAsElectronic: false,
    ...over,
  });
}

describe("decideSubmission: a password-protected archive", () => {
  it.each<[string, Partial<ParsedMessage>, string[]]>([
    [
      "from a registered sender",
      { from: { address: "slj@sjz.gov.cn", name: "" }, files: [locked] },
      ["市水利局"],
    ],
    ["named in the subject", { subject: "市水利局4月份工作进展", files: [locked] }, ["市水利局"]],
    ["from nobody known", { subject: "4月份材料", files: [locked] }, []],
    [
      "beside a readable scan",
      { subject: "市水利局4月份工作进展", files: [file("盖章扫描件.pdf", "scan"), locked] },
      ["市水利局"],
    ],
    [
      "inside a forwarded mail",
      { subject: "转发：材料", forwarded: [message({ subject: "市水利局4月份工作进展", files: [locked] })] },
      ["市水利局"],
    ],
  ])("goes to review with 压缩包有密码 (%s)", (_case, msg, candidates) => {
    const verdict = decide(msg);
    expect(verdict).toMatchObject({ kind: "review", code: "review.encrypted_archive", candidates });
    expect(verdict.kind === "review" && verdict.reason).toMatch(
      /^“4月份材料.rar”设有密码，无法查看其中的文件/u,
    );
    expect(reasonLabel(verdict.kind === "review" ? verdict.code : null)).toBe("压缩包有密码");
  });

  it("counts as the unit's report once the office has assigned it (the password question is settled)", () => {
    const verdict = decide(
      { from: { address: "slj@sjz.gov.cn", name: "" }, files: [locked] },
      { officeAssigned: true },
    );
    expect(verdict).toMatchObject({ kind: "report", unitId: "市水利局", hasScan: false });
    expect(verdict.kind === "report" && verdict.notes).toContain(
      "4月份材料.rar：压缩包有密码，无法解开，需人工查看",
    );
  });

  it("an archive that merely failed to open is not a password case", () => {
    const broken = file("材料.rar", "archive", { note: "压缩包已损坏，无法解开，需人工查看" });
    expect(decide({ subject: "市水利局4月份工作进展", files: [broken] })).toMatchObject({ kind: "report" });
  });
});
