import { describe, expect, it } from "vitest";
import { looksSpoofed, readSenderAuth } from "../../src/domain/sender-auth.ts";

describe("sender authentication from Authentication-Results", () => {
  it.each([
    [
      "mx.163.com; dkim=pass header.i=@sjz.gov.cn; spf=pass smtp.mailfrom=sjz.gov.cn; dmarc=pass",
      false,
      "pass",
    ],
    ["mx.163.com; dkim=none; spf=fail smtp.mailfrom=sjz.gov.cn; dmarc=fail (p=reject)", true, "fail"],
    ["mx.163.com; spf=fail smtp.mailfrom=sjz.gov.cn", true, null],
    ["mx.163.com; dkim=pass header.d=sjz.gov.cn; spf=fail smtp.mailfrom=relay.example", false, null],
    ["mx.163.com; spf=softfail (sender not listed, spf=fail would be) smtp.mailfrom=x.cn", false, null],
  ])("%s -> spoofed %s", (header, spoofed, dmarc) => {
    const auth = readSenderAuth({ "authentication-results": [header] });
    expect(auth.dmarc).toBe(dmarc);
    expect(looksSpoofed(auth)).toBe(spoofed);
  });

  it("trusts only the topmost header, which the receiving provider added", () => {
    const auth = readSenderAuth({
      "authentication-results": ["mx.163.com; dmarc=fail", "forged.example; dkim=pass; spf=pass; dmarc=pass"],
    });
    expect(looksSpoofed(auth)).toBe(true);
  });

  it("says nothing without the header", () => {
    expect(looksSpoofed(readSenderAuth({}))).toBe(false);
  });
});
