import type { AckResume } from "../adapters/db/ack-resume-repository.ts";
import type { Repositories } from "../adapters/db/repositories.ts";
import { reasonCode } from "../domain/reason-codes.ts";
import type { Actor } from "./office-corrections.ts";

// 恢复向此地址发送回执: the loop check (send-ack.ts) stops acknowledgements to an address that
// answered each of them within minutes. When staff know it is a person (or the robot is gone),
// they lift the stop: the check then forgets the acknowledgements and mail before this moment.
// Only from a mail the stop was noted on, with a reason, and audited on that mail.

export class ResumeRefused extends Error {}

export async function resumeAcksTo(
  repos: Pick<Repositories, "messages" | "ackResumes" | "audit" | "transaction">,
  messageId: string,
  who: Actor,
): Promise<AckResume> {
  const message = await repos.messages.find(messageId);
  if (!message) throw new ResumeRefused("没有这封邮件");
  const address = message.from_addr?.toLowerCase();
  if (message.reason_code !== reasonCode.ack.loopStopped || !address)
    throw new ResumeRefused("这封邮件的发件地址没有因疑似自动回复被停发回执，无需恢复");
  if (!who.reason) throw new ResumeRefused("请写明恢复发送的原因（例如已电话核实对方不是自动回复）");
  const reason = who.reason;
  return repos.transaction(async (trx) => {
    const before = await trx.ackResumes.find(address);
    const resumed = await trx.ackResumes.resume(address, who.actor, reason);
    await trx.audit.record({
      actor: who.actor,
      reason,
      action: "resume_acks",
      target: message.id,
      before: before ? { address, resumedAt: before.at.toISOString() } : { address },
      after: { address, resumedAt: resumed.at.toISOString() },
    });
    return resumed;
  });
}
