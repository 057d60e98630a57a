import { describe, expect, it } from "vitest";
import {
  dedupeContacts,
  extractContacts,
  isExcludedContact,
  pickContact,
  stripQuoted,
  withoutExcluded,
} from "../../src/domain/contact.ts";
import { findPhones, normalizePhone } from "../../src/domain/phone.ts";
import type { Contact } from "../../src/domain/types.ts";

describe("phone numbers", () => {
  it.each([
    ["13812345678", "13812345678"],
    ["138-1234-5678", "13812345678"],
    ["138 1234 5678", "13812345678"],
    ["+86 13812345678", "13812345678"],
    ["0311-86688888", "0311-86688888"],
    ["(0311)86688888", "0311-86688888"],
    ["（0311）86688888", "0311-86688888"],
    ["0311 8668 8888", "0311-86688888"],
    ["031186688888", "0311-86688888"],
    ["010-12345678", "010-12345678"],
    ["0311-86688888转123", "0311-86688888转123"],
    ["0311-86688888-123", "0311-86688888转123"],
    ["0311-86688888 ext 123", "0311-86688888转123"],
    ["86688888", "86688888"],
  ])("%s → %s", (raw, phone) => {
    expect(normalizePhone(raw)).toBe(phone);
  });

  it.each([["12345"], ["1381234567"], ["138123456789"], ["2023年5月"]])("%s is not a phone number", (raw) => {
    expect(normalizePhone(raw)).toBeNull();
  });

  it("finds several numbers in one line", () => {
    expect(findPhones("电话：0311-86688888，手机：13912345678").map((p) => p.phone)).toEqual([
      "0311-86688888",
      "13912345678",
    ]);
  });
});

describe("extractContacts", () => {
  it.each<[string, string, { name: string | null; phone: string | null }[]]>([
    ["same line, ASCII colon", "联系人:张三 联系电话:13812345678", [{ name: "张三", phone: "13812345678" }]],
    [
      "full-width colons",
      "联系人：李四　　联系电话：0311-86688888",
      [{ name: "李四", phone: "0311-86688888" }],
    ],
    [
      "spaced-out label",
      "联 系 人：王五\n联系电话：（0311）86688888",
      [{ name: "王五", phone: "0311-86688888" }],
    ],
    ["combined label", "联系人及电话：张三 13812345678", [{ name: "张三", phone: "13812345678" }]],
    [
      "combined label with 联系电话",
      "联系人及联系电话：赵六，138-1234-5678",
      [{ name: "赵六", phone: "13812345678" }],
    ],
    ["经办人 and 手机", "经办人：刘洋  手机：139 1234 5678", [{ name: "刘洋", phone: "13912345678" }]],
    [
      "联系人员 and 办公电话",
      "联系人员：孙丽\n办公电话：0311-8668 8888转301",
      [{ name: "孙丽", phone: "0311-86688888转301" }],
    ],
    ["联系方式", "联系人：周强，联系方式：13712345678。", [{ name: "周强", phone: "13712345678" }]],
    ["title after the name", "联系人：张三同志  电话：13812345678", [{ name: "张三", phone: "13812345678" }]],
    [
      "value on the next line",
      "联系人：\n陈晨\n联系电话：\n13612345678",
      [{ name: "陈晨", phone: "13612345678" }],
    ],
    [
      "two people in one value",
      "联系人：张三 13812345678；李四 13987654321",
      [
        { name: "张三", phone: "13812345678" },
        { name: "李四", phone: "13987654321" },
      ],
    ],
    [
      "two contact lines",
      "联系人：张三，电话：13812345678\n联系人：李四，电话：0311-87654321",
      [
        { name: "张三", phone: "13812345678" },
        { name: "李四", phone: "0311-87654321" },
      ],
    ],
    [
      "office phone and mobile for one person",
      "联系人：张三 电话：0311-86688888 手机：13812345678",
      [
        { name: "张三", phone: "0311-86688888" },
        { name: "张三", phone: "13812345678" },
      ],
    ],
    [
      "a second number after a name and number on one line",
      "联系人：张三 13812345678 办公电话：0311-86688888",
      [
        { name: "张三", phone: "13812345678" },
        { name: "张三", phone: "0311-86688888" },
      ],
    ],
    ["name only", "联系人：钱七", [{ name: "钱七", phone: null }]],
    ["phone only", "联系电话：0311-86688888", [{ name: null, phone: "0311-86688888" }]],
    [
      "office word is not a name",
      "联系人：办公室 张三 电话：13812345678",
      [{ name: "张三", phone: "13812345678" }],
    ],
    [
      "in a letter's closing",
      "正定县人民政府\n2023年5月20日\n（联系人：马丽；联系电话：0311-88881234）",
      [{ name: "马丽", phone: "0311-88881234" }],
    ],
    [
      "department before the name",
      "联系人：综合科张三，电话：13812345678",
      [{ name: "张三", phone: "13812345678" }],
    ],
    ["office head by title", "联系人：办公室王主任", [{ name: "王主任", phone: null }]],
    [
      "a long title after the name",
      "联系人：李四副主任 13812345678",
      [{ name: "李四", phone: "13812345678" }],
    ],
    [
      "phone before the name",
      "联系电话：13812345678，联系人：张三",
      [{ name: "张三", phone: "13812345678" }],
    ],
    [
      "phone on the line before the name",
      "联系电话：13812345678\n联系人：张三",
      [{ name: "张三", phone: "13812345678" }],
    ],
    [
      "a lone phone far above a name stays apart",
      "电话：13812345678\n\n\n联系人：张三",
      [
        { name: null, phone: "13812345678" },
        { name: "张三", phone: null },
      ],
    ],
    [
      "填报人 beside 审核人",
      "填报人：李四      审核人：王五    联系电话：13812345678",
      [{ name: "李四", phone: "13812345678" }],
    ],
    [
      "phone in brackets after the name",
      "联系人：张三（13812345678）",
      [{ name: "张三", phone: "13812345678" }],
    ],
    [
      "a four-character name",
      "联系人：欧阳娜娜 手机号：13812345678",
      [{ name: "欧阳娜娜", phone: "13812345678" }],
    ],
    [
      "a postcode is no phone",
      "地址：中山路1号 邮编：050000 电话：0311-86688888",
      [{ name: null, phone: "0311-86688888" }],
    ],
    ["no label, no contact", "现将我局4月份工作进展报送如下，请审阅。13812345678", []],
  ])("%s", (_, text, expected) => {
    expect(extractContacts(text)).toEqual(expected);
  });
});

describe("stripQuoted", () => {
  const notice = "各成员单位：请于每月28日前报送。\n联系人：办公室王主任\n联系电话：0311-87001234";
  it.each([
    [
      "163/QQ 原始邮件",
      `已报送，见附件。\n联系人：张三 13812345678\n\n------------------ 原始邮件 ------------------\n发件人: "市生态文明办"\n${notice}`,
    ],
    ["Outlook dashes", `已报送。\n联系人：张三 13812345678\n-----原始邮件-----\n${notice}`],
    [
      "写道",
      `已报送。\n联系人：张三 13812345678\n在 2023年5月3日 星期三 上午9:00，"市生态文明办"<huanzichu@163.com> 写道：\n${notice}`,
    ],
    [
      "写道 wrapped",
      `已报送。\n联系人：张三 13812345678\n在 2023年5月3日 星期三 上午9:00，"市生态文明办"\n<huanzichu@163.com> 写道：\n${notice}`,
    ],
    [
      "Outlook From/Sent",
      `已报送。\n联系人：张三 13812345678\n\nFrom: huanzichu@163.com\nSent: Wednesday, May 3, 2023 9:00 AM\nTo: x@qq.com\n${notice}`,
    ],
    [
      "Foxmail 发件人/发送时间",
      `已报送。\n联系人：张三 13812345678\n\n发件人：huanzichu@163.com\n发送时间：2023-05-03 09:00\n收件人：x\n${notice}`,
    ],
    [
      "写道 without 在 (Apple Mail)",
      `已报送。\n联系人：张三 13812345678\n2023年5月3日 09:00，市生态文明办 <huanzichu@163.com> 写道：\n${notice}`,
    ],
    [
      "QQ HTML with no-break spaces",
      `已报送。\n联系人：张三 13812345678\n------------------\u00a0原始邮件\u00a0------------------\n${notice}`,
    ],
    ["> quotes", `已报送。\n联系人：张三 13812345678\n> ${notice.replace(/\n/g, "\n> ")}`],
  ])("%s: the office's contact is gone, the sender's stays", (_, text) => {
    const own = stripQuoted(text);
    expect(own).toContain("张三");
    expect(own).not.toContain("0311-87001234");
    expect(extractContacts(own)).toEqual([{ name: "张三", phone: "13812345678" }]);
  });

  it("leaves a message without quotes as it is", () => {
    expect(stripQuoted("现报送4月份工作进展。\n联系人：张三")).toBe("现报送4月份工作进展。\n联系人：张三");
  });
});

describe("office exclusions and picking", () => {
  const exclude = { phones: ["0311 8700 1234"], names: ["王主任"] };

  it.each([
    [{ name: null, phone: "0311-87001234" }, true],
    [{ name: "王主任", phone: null }, true],
    [{ name: "张三", phone: "13812345678" }, false],
  ])("%o excluded=%s", (contact, excluded) => {
    expect(isExcludedContact(contact, exclude)).toBe(excluded);
  });

  it("keeps a unit's name that was paired with the office's number", () => {
    const found = extractContacts("报送邮箱电话：0311-87001234\n联系人：李四");
    expect(withoutExcluded(found, exclude)).toEqual([{ name: "李四", phone: null }]);
  });

  it.each<
    [string, { name: string | null; phone: string | null }[], { name: string | null; phone: string | null }[]]
  >([
    [
      "a name alone covered by the same name with a phone",
      [
        { name: "张三", phone: "13812345678" },
        { name: "张三", phone: null },
      ],
      [{ name: "张三", phone: "13812345678" }],
    ],
    [
      "a number alone covered by someone's",
      [
        { name: null, phone: "13812345678" },
        { name: "张三", phone: "13812345678" },
      ],
      [{ name: "张三", phone: "13812345678" }],
    ],
    [
      "different people stay",
      [
        { name: "张三", phone: null },
        { name: "李四", phone: "13912345678" },
      ],
      [
        { name: "张三", phone: null },
        { name: "李四", phone: "13912345678" },
      ],
    ],
  ])("dedupeContacts: %s", (_, contacts, expected) => {
    expect(dedupeContacts(contacts)).toEqual(expected);
  });

  it("drops the office's contact from a list", () => {
    const found = extractContacts("联系人：张三 13812345678\n联系电话：0311-87001234");
    expect(withoutExcluded(found, exclude)).toEqual([{ name: "张三", phone: "13812345678" }]);
  });

  const c = (name: string | null, phone: string | null, source: Contact["source"]): Contact => ({
    name,
    phone,
    source,
  });
  it.each<[string, Contact[], Contact | null]>([
    ["nothing", [], null],
    [
      "body before document",
      [c("李四", "13900000000", "electronic"), c("张三", "13800000000", "body")],
      c("张三", "13800000000", "body"),
    ],
    [
      "electronic before pdf before ocr",
      [c("丙", "1", "ocr"), c("乙", "2", "pdf"), c("甲", "3", "electronic")],
      c("甲", "3", "electronic"),
    ],
    [
      "complete before a better source",
      [c("张三", null, "body"), c("李四", "13900000000", "pdf")],
      c("李四", "13900000000", "pdf"),
    ],
    ["first of equals", [c("甲", "1", "body"), c("乙", "2", "body")], c("甲", "1", "body")],
  ])("pickContact: %s", (_, contacts, picked) => {
    expect(pickContact(contacts)).toEqual(picked);
  });
});
