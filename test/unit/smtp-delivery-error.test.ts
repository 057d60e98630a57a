import { describe, expect, it } from "vitest";
import {
  classifySmtpError,
  isPermanentSmtpError,
  PermanentSendError,
} from "../../src/adapters/smtp/delivery-error.ts";

// Errors shaped as nodemailer 6+ raises them (message, code, command, response, responseCode).
const smtp = (code: string | undefined, responseCode?: number, response?: string) =>
  Object.assign(new Error(response ?? code ?? "failed"), {
    ...(code ? { code } : {}),
    ...(responseCode ? { responseCode } : {}),
    ...(response ? { response } : {}),
  });

describe("classifySmtpError", () => {
  it.each<[string, unknown, boolean, string]>([
    // The server's reply codes (RFC 5321): 4xx transient, 5xx permanent, 503 a state error.
    ["550 unknown mailbox on RCPT", smtp("EENVELOPE", 550, "550 User not found"), true, "EENVELOPE"],
    ["553 mailbox name not allowed", smtp("EENVELOPE", 553, "553 Invalid recipient"), true, "EENVELOPE"],
    ["552 message too big", smtp("EMESSAGE", 552, "552 Message size exceeds"), true, "EMESSAGE"],
    ["554 content rejected (163 DT:SPM)", smtp("EMESSAGE", 554, "554 DT:SPM 163 smtp"), true, "EMESSAGE"],
    [
      "503 bad sequence of commands",
      smtp("EENVELOPE", 503, "503 Bad sequence of commands"),
      false,
      "EENVELOPE",
    ],
    ["503 without a nodemailer code", smtp(undefined, 503), false, "SMTP_503"],
    ["550 without a nodemailer code", smtp(undefined, 550), true, "SMTP_550"],
    ["451 local error, try later", smtp("EMESSAGE", 451, "451 Try again later"), false, "EMESSAGE"],
    ["452 insufficient storage", smtp("EENVELOPE", 452), false, "EENVELOPE"],
    [
      "421 service closing (connection)",
      smtp("ECONNECTION", 421, "421 Too many connections"),
      false,
      "ECONNECTION",
    ],
    // nodemailer's own codes for a connection that failed: transient whatever they carry.
    ["connection refused", smtp("ECONNECTION"), false, "ECONNECTION"],
    ["timeout", smtp("ETIMEDOUT"), false, "ETIMEDOUT"],
    ["socket reset", smtp("ESOCKET"), false, "ESOCKET"],
    ["DNS", smtp("EDNS"), false, "EDNS"],
    ["TLS handshake", smtp("ETLS"), false, "ETLS"],
    ["greeting not SMTP", smtp("EPROTOCOL", 554), false, "EPROTOCOL"],
    // A login failure is the office's configuration (a wrong 授权码): retried until fixed.
    ["535 login refused", smtp("EAUTH", 535, "535 Error: authentication failed"), false, "EAUTH"],
    ["no credentials", smtp("ENOAUTH"), false, "ENOAUTH"],
    // A mail nodemailer refused to build stays wrong.
    ["no recipients", smtp("EENVELOPE"), true, "EENVELOPE"],
    ["empty message", smtp("EMESSAGE"), true, "EMESSAGE"],
    // Anything unknown: try again rather than lose the mail.
    ["a plain Error", new Error("boom"), false, "UNKNOWN"],
    ["not an error at all", undefined, false, "UNKNOWN"],
  ])("%s", (_, err, permanent, code) => {
    const failure = classifySmtpError(err);
    expect(failure.permanent).toBe(permanent);
    expect(failure.code).toBe(code);
    expect(isPermanentSmtpError(err)).toBe(permanent);
  });

  it("keeps the server's reply on the permanent error the worker sees", () => {
    const failure = classifySmtpError(smtp("EENVELOPE", 550, "550 User not found"));
    const err = new PermanentSendError(failure, "[EENVELOPE 550] User not found");
    expect(err).toMatchObject({ code: "EENVELOPE", responseCode: 550, response: "550 User not found" });
    expect(err).toBeInstanceOf(Error);
  });
});
