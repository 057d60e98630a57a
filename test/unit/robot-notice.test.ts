import { describe, expect, it } from "vitest";
import { dingtalkSignedUrl } from "../../src/adapters/notify/robot-client.ts";
import { contentLimit, renderNotice, robotPayload } from "../../src/domain/robot-notice.ts";

const manyUnits = Array.from({ length: 106 }, (_, i) => `石家庄高新技术产业开发区管理委员会第${i + 1}分局`);
const notice = {
  title: "2023年4月工作进展报送 第一轮催报",
  summary: "截止时间 2023年5月28日，尚有 106 个单位未报齐",
  groups: [
    { label: "未报送", items: manyUnits.slice(0, 100) },
    { label: "不齐全", items: manyUnits.slice(100).map((u) => `${u} (缺电子版)`) },
  ],
};

describe("group-robot notices", () => {
  it("fit the vendor's byte limit, keep whole names and say how many were left out", () => {
    for (const [robot, format] of [
      ["wecom", "markdown"],
      ["wecom", "text"],
      ["dingtalk", "markdown"],
    ] as const) {
      const limit = contentLimit(robot, format);
      const text = renderNotice(notice, format, limit);
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(limit);
      expect(text).toContain("……等 100 个 (完整名单见邮件登记表)");
      // Every name shown is whole.
      const shown = text.split("：")[1]!.split("……")[0]!.split("、");
      for (const name of shown) expect(manyUnits).toContain(name);
    }
    expect(contentLimit("wecom", "markdown")).toBe(4096);
    expect(contentLimit("wecom", "text")).toBe(2048);
  });

  it("shows everything when it fits", () => {
    const small = { ...notice, groups: [{ label: "未报送", items: ["市水利局", "正定县"] }] };
    expect(renderNotice(small, "markdown", 4096)).toBe(
      "**2023年4月工作进展报送 第一轮催报**\n\n> 截止时间 2023年5月28日，尚有 106 个单位未报齐\n\n**未报送** (2)：市水利局、正定县",
    );
    expect(robotPayload("wecom", small, "markdown")).toEqual({
      msgtype: "markdown",
      markdown: { content: renderNotice(small, "markdown", 4096) },
    });
    expect(robotPayload("dingtalk", small, "markdown")).toEqual({
      msgtype: "markdown",
      markdown: { title: small.title, text: renderNotice(small, "markdown", 4096) },
    });
    expect(robotPayload("dingtalk", small, "text")).toEqual({
      msgtype: "text",
      text: {
        content:
          "2023年4月工作进展报送 第一轮催报\n截止时间 2023年5月28日，尚有 106 个单位未报齐\n未报送 (2)：市水利局、正定县",
      },
    });
  });

  it("signs DingTalk URLs as the vendor's own Python sample does", () => {
    // Expected value from DingTalk's documented sample: quote_plus(b64encode(hmac_sha256(secret,
    // f"{timestamp}\n{secret}"))), run for this secret and timestamp.
    const url = new URL(
      dingtalkSignedUrl(
        "https://oapi.dingtalk.com/robot/send?access_token=abc",
        "SEC0123456789abcdef",
        1700000000000,
      ),
    );
    expect(url.searchParams.get("access_token")).toBe("abc");
    expect(url.searchParams.get("timestamp")).toBe("1700000000000");
    expect(url.search).toContain("&sign=TSZbRFUuvaSQaRKUpF970OPCb2%2FLcQAP3wOvwZIzBZk%3D");
  });
});
