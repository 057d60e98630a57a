// CPU of the decision path per everyday mail, without mailbox, database or queue: each mail of the
// everyday corpus (bench/corpus/everyday.ts) is parsed once with the service's parser and its
// documents read once; then each mail is decided as processMessage does it (needsDocumentText,
// decideBeforeSeals, finished before and again after the seals were looked at) and its report folded into
// its unit's receipt (deadlineOf, mergeReceipt), pass after pass. Prints the first pass (code still
// cold, as in a fresh sync --once) and the median of the later ones, in µs of CPU per mail, with a
// digest of the verdicts: a change that should not alter behaviour must keep it.
// Usage: node bin/run-ts.js bench/decide-micro.ts [mails (1000)] [passes (20)]
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readFileText } from "../src/adapters/parse/document-text.ts";
import { parseStoredMessage } from "../src/adapters/parse/parse-message.ts";
import { ContentStore } from "../src/adapters/store/content-store.ts";
import { loadConfig } from "../src/config/load.ts";
import {
  type DecideInput,
  decideBeforeSeals,
  type FileText,
  finishDecision,
  needsDocumentText,
  scansToCheck,
  type Verdict,
} from "../src/domain/decide-submission.ts";
import { deadlineOf } from "../src/domain/period.ts";
import { mergeReceipt, type ReceiptState } from "../src/domain/receipt.ts";
import type { ParsedFile, ParsedMessage, Unit, UnitKind } from "../src/domain/types.ts";
import { ownAddresses } from "../src/usecases/process-message.ts";
import { makeDocTemplate } from "./corpus/doc-template.ts";
import { buildEverydayCorpus } from "./corpus/everyday.ts";
import { loadBenchUnits } from "./corpus/units.ts";

const n = Number(process.argv[2] ?? 1000);
const passes = Number(process.argv[3] ?? 20);
// Mail of October received on 20 November: the period due, on time. Fixed, so runs compare.
const month = 10;
const receivedAt = new Date("2026-11-20T02:00:00Z");

const config = loadConfig({ env: {} });
const units: Unit[] = loadBenchUnits().map((u) => ({
  id: u.id,
  name: u.id,
  kind: u.kind as UnitKind,
  aliases: u.aliases,
  emails: [u.email],
  active: true,
  tasks: [],
  leads: [],
}));
const officeContact = { names: config.office.contactNames, phones: config.office.contactPhones };
const own = ownAddresses(config);

interface Mail {
  message: ParsedMessage;
  texts: FileText[];
}

function allFiles(message: ParsedMessage): ParsedFile[] {
  return [...message.files, ...message.forwarded.flatMap(allFiles)];
}

async function prepare(dir: string): Promise<Mail[]> {
  const corpus = await buildEverydayCorpus(dir, n, loadBenchUnits(), month, await makeDocTemplate(month));
  const store = new ContentStore(join(dir, "data"));
  const limits = { ...config.archives, bodyTextBytes: config.memory.bodyTextMb * 1024 * 1024 };
  const mails: Mail[] = [];
  for (const file of corpus.files) {
    const { hash } = await store.putBuffer(await readFile(file.path), { sync: false });
    const message = await parseStoredMessage(store, hash, limits);
    const texts: FileText[] = [];
    for (const f of allFiles(message)) {
      if (f.kind !== "electronic" && f.kind !== "text_pdf") continue;
      const { text } = await readFileText(store, f);
      if (text) texts.push({ name: f.originalName, kind: f.kind, text });
    }
    mails.push({ message, texts });
  }
  return mails;
}

/** One mail as processMessage decides it (the seal check reports "cannot tell" for every scan). */
function decide({ message, texts }: Mail): Verdict {
  const input: DecideInput = {
    message,
    units,
    receivedAt,
    tz: config.timezone,
    deadlineDay: config.deadline.day,
    ownAddresses: own,
    textPdfCountsAsElectronic: config.classification.textPdfCountsAsElectronic,
    officeContact,
    fileTexts: needsDocumentText(message, units, officeContact) ? texts : [],
    officeAssigned: false,
    unverifiedSenders: config.classification.unverifiedSenders,
  };
  const decided = decideBeforeSeals(input);
  const verdict = finishDecision(decided, input);
  const scans = scansToCheck(verdict, message, config.classification.seal);
  if (scans.length === 0) return verdict;
  const scanSeals = scans.map((f) => ({
    fileName: f.originalName,
    state: "cannot_tell" as const,
    reason: "",
  }));
  return finishDecision(decided, { scanSeals, sealPolicy: config.classification.seal });
}

/** Every report folded into its unit's receipt for the period, one message a second apart. */
function fold(verdicts: Verdict[]): void {
  const receipts = new Map<string, ReceiptState>();
  verdicts.forEach((v, i) => {
    if (v.kind !== "report") return;
    const key = `${v.unitId}|${v.period}`;
    const deadline = deadlineOf(v.period, config.deadline.day, config.timezone);
    const contribution = {
      messageId: `m${i}`,
      receivedAt: new Date(receivedAt.getTime() + i * 1000),
      verified: v.trust !== "unverified",
      hasScan: v.hasScan,
      hasElectronic: v.hasElectronic,
      contacts: v.contacts,
      late: v.late,
      scanSeal: v.scanSeal ?? null,
    };
    receipts.set(key, mergeReceipt(receipts.get(key) ?? null, contribution, deadline));
  });
}

/** µs of CPU (user + system) per mail that `run` takes over `count` mails. */
function perMail(count: number, run: () => void): number {
  const before = process.cpuUsage();
  run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}

const dir = await mkdtemp(join(tmpdir(), "ri-decide-micro-"));
try {
  const mails = await prepare(dir);
  let verdicts: Verdict[] = [];
  const firstDecide = perMail(mails.length, () => {
    verdicts = mails.map(decide);
  });
  const firstFold = perMail(mails.length, () => fold(verdicts));
  const decides: number[] = [];
  const folds: number[] = [];
  for (let p = 0; p < passes; p++) {
    decides.push(perMail(mails.length, () => mails.forEach(decide)));
    folds.push(perMail(mails.length, () => fold(verdicts)));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const kinds: Record<string, number> = {};
  for (const v of verdicts) kinds[v.kind] = (kinds[v.kind] ?? 0) + 1;
  const digest = createHash("sha256").update(JSON.stringify(verdicts)).digest("hex").slice(0, 16);
  console.log(`${mails.length} 封日常邮件，判定结果 ${JSON.stringify(kinds)}，摘要 ${digest}`);
  console.log(
    `判定 (needsDocumentText + decideBeforeSeals + finishDecision ×2)：第一遍 ${firstDecide.toFixed(0)} µs/封，之后 ${passes} 遍中位数 ${median(decides).toFixed(1)} µs/封`,
  );
  console.log(
    `回执合并 (deadlineOf + mergeReceipt)：第一遍 ${firstFold.toFixed(1)} µs/封，之后中位数 ${median(folds).toFixed(1)} µs/封`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
