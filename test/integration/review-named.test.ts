import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { makeDocx } from "../../src/demo/sample-files.ts";
import { assignMessage } from "../../src/usecases/office-corrections.ts";
import { listReviewItems } from "../../src/usecases/review-list.ts";
import { backends } from "../helpers/db.ts";
import { writeRar5 } from "../helpers/rar-writer.ts";
import { type BoardEnv, deliverBoardMail, startBoardEnv } from "./web-env.ts";

const run = promisify(execFile);

describe.each(backends)("what the review list tells staff (%s)", (backend) => {
  let env: BoardEnv | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  it("names a government body that is not in the registry: 市应急局（不在名录中）", async () => {
    env = await startBoardEnv(backend);
    const { id, outcome } = await deliverBoardMail(env, {
      from: "办公室 <yjj2023@163.com>",
      subject: "市应急局4月份工作进展情况",
      text: "附件是我局4月份工作进展情况，请查收。",
      attachments: [{ filename: "4月份工作进展.docx", content: await makeDocx(["4月份工作进展情况"]) }],
    });
    expect(outcome).toMatchObject({ state: "review", code: "review.unknown_unit" });

    const items = await listReviewItems(env.tdb.repos);
    expect(items.find((i) => i.id === id)).toMatchObject({
      unit: "市应急局（不在名录中）",
      unknownUnitName: "市应急局",
    });
    const board = await (await env.fetch(`/review`)).text();
    expect(board).toContain("市应急局（不在名录中）");

    if (backend === "sqlite") {
      const cli = (...args: string[]) =>
        run("node", ["bin/report-inbox.js", ...args], {
          env: { ...process.env, DATA_DIR: env?.tdb.dataDir, LOG_LEVEL: "warn" },
          timeout: 60_000,
        });
      const json = JSON.parse((await cli("quarantine", "--json")).stdout) as { id: string; unit: string }[];
      expect(json.find((i) => i.id === id)?.unit).toBe("市应急局（不在名录中）");
      expect((await cli("quarantine")).stdout).toContain("单位: 市应急局（不在名录中）");
    }
  });

  it("sends a report in a password-protected RAR to review with 压缩包有密码, until the office assigns it", async () => {
    env = await startBoardEnv(backend);
    const docx = await makeDocx(["石家庄市水利局4月份工作进展情况", "联系人：张三 联系电话：0311-86688888"]);
    const { id, outcome } = await deliverBoardMail(env, {
      from: "市水利局 <slj2023@163.com>",
      subject: "市水利局4月份工作进展情况",
      text: "解压密码另行电话告知。",
      attachments: [
        {
          filename: "4月份材料.rar",
          content: writeRar5([{ name: Buffer.from("进展.docx"), data: docx }], "mima"),
        },
      ],
    });
    expect(outcome).toMatchObject({ state: "review", code: "review.encrypted_archive" });
    const item = (await listReviewItems(env.tdb.repos)).find((i) => i.id === id);
    expect(item?.reason).toMatch(/^“4月份材料.rar”设有密码，无法查看其中的文件/u);
    expect(item?.candidates).toEqual(["市水利局"]);
    // The board shows the reason's label beside the state: 待人工核实（压缩包有密码）.
    expect(await (await env.fetch(`/review`)).text()).toContain("（压缩包有密码）");

    const assigned = await assignMessage(
      env.deps.processDeps,
      { messageId: id, unitId: "市水利局", period: "2023-04" },
      { actor: "office", reason: "电话取得密码，已核对" },
    );
    expect(assigned).toMatchObject({ state: "processed", unitId: "市水利局" });
  });
});
