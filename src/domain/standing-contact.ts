// A unit's standing contact (常用联系人): the person and phone the office calls when the unit has
// not reported, with when and where that contact was last seen. Issue 12 (4): staff had no one to
// call for the very units they needed to chase, because a contact only existed inside the
// month's own receipt.
//
// Where a standing contact comes from, and which wins:
// - mail: the contact read from the unit's reports, in any period (the receipts keep one per unit
//   and period); the latest by received time.
// - board: one the office entered on the unit's page, dated the day it was entered.
// - config: units.<id>.contact / units.<id>.phone, undated.
// The more recent of mail and board wins (on the same instant the board's, since a person typed
// it on purpose); config is the fallback for a unit that never wrote one down. A contact with a
// phone beats one without: a name alone cannot be called.

import { dateLabel } from "./labels.ts";
import type { ProgressStatus } from "./unit-status.ts";

export type StandingContactSource = "mail" | "board" | "config";

export interface ContactPair {
  name: string | null;
  phone: string | null;
}

/** A contact read from one receipt (a unit's report for one period). */
export interface MailSighting extends ContactPair {
  period: string;
  /** The latest receipt time of that period's reports. */
  seenAt: Date;
}

/** A contact entered on the board. */
export interface BoardEntry extends ContactPair {
  enteredAt: Date;
  enteredBy: string;
}

export interface StandingContact extends ContactPair {
  source: StandingContactSource;
  /** When it was last seen (mail) or entered (board); null for config. */
  seenAt: Date | null;
  /** The period whose report carried it (mail only). */
  period: string | null;
}

const hasAny = (c: ContactPair) => Boolean(c.name || c.phone);

/** The mail sighting to stand for the unit: the latest with a phone, else the latest with a name. */
export function latestMailContact(sightings: readonly MailSighting[]): MailSighting | null {
  const usable = sightings.filter(hasAny);
  const latest = (list: MailSighting[]) =>
    list.reduce<MailSighting | null>(
      (best, s) =>
        !best ||
        s.seenAt.getTime() > best.seenAt.getTime() ||
        (s.seenAt.getTime() === best.seenAt.getTime() && s.period > best.period)
          ? s
          : best,
      null,
    );
  return latest(usable.filter((s) => s.phone)) ?? latest(usable);
}

/** The one rule: see the module comment. Null when no source knows anyone. */
export function standingContact(input: {
  mail: readonly MailSighting[];
  board: BoardEntry | null;
  config: ContactPair | null;
}): StandingContact | null {
  const fromMail = latestMailContact(input.mail);
  const dated: StandingContact[] = [];
  if (input.board && hasAny(input.board)) {
    const { name, phone, enteredAt } = input.board;
    dated.push({ name, phone, source: "board", seenAt: enteredAt, period: null });
  }
  if (fromMail) {
    const { name, phone, seenAt, period } = fromMail;
    dated.push({ name, phone, source: "mail", seenAt, period });
  }
  // Most recent first; the board's first on a tie (it was pushed first and the sort is stable).
  dated.sort((a, b) => (b.seenAt?.getTime() ?? 0) - (a.seenAt?.getTime() ?? 0));
  const candidates = [...dated];
  if (input.config && hasAny(input.config)) {
    candidates.push({ ...input.config, source: "config", seenAt: null, period: null });
  }
  return candidates.find((c) => c.phone) ?? candidates.find((c) => c.name) ?? null;
}

/** The contact an output shows beside a unit, and the text it shows. */
export interface ShownContact extends ContactPair {
  /** period: the month's own report (no note); otherwise the standing contact's source. */
  source: "period" | StandingContactSource;
  seenAt: Date | null;
  /** "（最近：2023年5月12日）" after a standing contact; "" for the month's own. */
  note: string;
  /** "张三 13800000000", or for a standing contact "张三 13800000000（最近：2023年5月12日）". */
  text: string;
}

const pairText = (c: ContactPair) => [c.name, c.phone].filter(Boolean).join(" ");

/** The note after a standing contact: when it was last seen, and where unless it was mail. */
export function standingNote(c: Pick<StandingContact, "source" | "seenAt">, tz: string): string {
  if (c.source === "config" || !c.seenAt) return "（配置文件登记）";
  return c.source === "board"
    ? `（最近：${dateLabel(c.seenAt, tz)}，看板登记）`
    : `（最近：${dateLabel(c.seenAt, tz)}）`;
}

/**
 * What every output shows in the 联系人及电话 column. A unit that has not reported (未报送, 不齐全,
 * whether or not 逾期) shows its standing contact with the date last seen, so staff can phone down
 * the list; a complete or exempt unit shows the contact of its own report for the month.
 */
export function contactToShow(
  status: ProgressStatus,
  ofPeriod: ContactPair | null,
  standing: StandingContact | null,
  tz: string,
): ShownContact | null {
  const pending = status === "missing" || status === "incomplete";
  if (pending && standing) {
    const note = standingNote(standing, tz);
    return {
      name: standing.name,
      phone: standing.phone,
      source: standing.source,
      seenAt: standing.seenAt,
      note,
      text: `${pairText(standing)}${note}`,
    };
  }
  if (ofPeriod && hasAny(ofPeriod)) {
    const { name, phone } = ofPeriod;
    return { name, phone, source: "period", seenAt: null, note: "", text: pairText(ofPeriod) };
  }
  return null;
}

/** One line of the 复制名单 a person pastes into a chat: "赵县 — 张三 13800000000（最近：2023年5月12日）". */
export function laggardLine(unit: string, shown: Pick<ShownContact, "text"> | null): string {
  return `${unit} — ${shown ? shown.text : "无联系人记录"}`;
}
