import type { Repositories } from "../adapters/db/repositories.ts";
import { normalizePhone } from "../domain/phone.ts";
import {
  type BoardEntry,
  type MailSighting,
  type StandingContact,
  standingContact,
} from "../domain/standing-contact.ts";
import type { Unit } from "../domain/types.ts";
import type { Actor } from "./office-corrections.ts";
import { requireUnit } from "./office-corrections.ts";

// Standing contacts (常用联系人) for the outputs, and the office's own entry on the board. The rule
// is domain/standing-contact.ts; this gathers its three sources: receipts, the board, config.

export type ContactRepos = Pick<Repositories, "contacts">;

/** Each unit's standing contact, by unit id; units nobody knows a contact for are absent. */
export async function standingContactsOf(
  repos: ContactRepos,
  units: readonly Pick<Unit, "id" | "configContact">[],
): Promise<Map<string, StandingContact>> {
  const ids = units.map((u) => u.id);
  const mail = new Map<string, MailSighting[]>();
  for (const s of await repos.contacts.mailSightings(ids)) {
    const list = mail.get(s.unitId) ?? [];
    list.push(s);
    mail.set(s.unitId, list);
  }
  const board = new Map<string, BoardEntry>(
    (await repos.contacts.boardEntries(ids)).map((b) => [b.unitId, b]),
  );
  const out = new Map<string, StandingContact>();
  for (const unit of units) {
    const found = standingContact({
      mail: mail.get(unit.id) ?? [],
      board: board.get(unit.id) ?? null,
      config: unit.configContact ?? null,
    });
    if (found) out.set(unit.id, found);
  }
  return out;
}

/** A contact as the office typed it on the board, checked; a Chinese message saying what to fix. */
export function checkEnteredContact(input: { name: string; phone: string }): { name: string; phone: string } {
  const name = input.name.trim().replace(/\s+/g, " ");
  if (!name) throw new Error("请填写联系人姓名");
  if ([...name].length > 20) throw new Error(`联系人姓名“${name.slice(0, 20)}…”过长，最多 20 个字`);
  const phone = normalizePhone(input.phone.trim());
  if (!phone) {
    throw new Error(
      `联系电话“${input.phone.trim()}”不是有效的电话号码：请填写 11 位手机号或带区号的固定电话，如 0311-86688888`,
    );
  }
  return { name, phone };
}

type EntryRepos = Pick<Repositories, "contacts" | "audit" | "units" | "transaction">;

/** The office enters a unit's standing contact (audited: who, when, before and after, why). */
export async function enterBoardContact(
  repos: EntryRepos,
  input: { unitId: string; name: string; phone: string },
  who: Actor,
): Promise<void> {
  const contact = checkEnteredContact(input);
  await requireUnit(repos, input.unitId);
  await repos.transaction(async (tx) => {
    const [before] = await tx.contacts.boardEntries([input.unitId]);
    await tx.contacts.setBoardEntry(input.unitId, { ...contact, enteredBy: who.actor });
    const [after] = await tx.contacts.boardEntries([input.unitId]);
    await tx.audit.record({ ...who, action: "set_contact", target: `unit:${input.unitId}`, before, after });
  });
}

/** The office removes its entry; mail and config contacts then stand again. */
export async function clearBoardContact(repos: EntryRepos, unitId: string, who: Actor): Promise<boolean> {
  await requireUnit(repos, unitId);
  return repos.transaction(async (tx) => {
    const [before] = await tx.contacts.boardEntries([unitId]);
    if (!before) return false;
    await tx.contacts.clearBoardEntry(unitId);
    await tx.audit.record({ ...who, action: "clear_contact", target: `unit:${unitId}`, before, after: null });
    return true;
  });
}
