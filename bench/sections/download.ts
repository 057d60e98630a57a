import { simpleParser } from "mailparser";
import { type ImapServer, imapClient, type Login } from "../mailbox.ts";
import { MB } from "../stats.ts";

export interface Throughput {
  messages: number;
  bytes: number;
  seconds: number;
  messagesPerSecond: number;
  mbPerSecond: number;
  /** CPU seconds the measuring process used (download sections only: they run in the bench). */
  cpuSeconds?: number;
}

export function throughput(messages: number, bytes: number, ms: number): Throughput {
  const seconds = ms / 1000;
  return {
    messages,
    bytes,
    seconds,
    messagesPerSecond: messages / seconds,
    mbPerSecond: bytes / MB / seconds,
  };
}

/**
 * Downloads every message's full source from INBOX with imapflow, one FETCH over 1:*, and
 * either discards it (the raw limit) or runs mailparser's simpleParser on it (the naive pipeline).
 * Timed from connect to the last byte, the way the service's own fetch is timed.
 */
export async function downloadAll(
  server: ImapServer,
  login: Login,
  expected: number,
  mode: "raw" | "naive",
): Promise<Throughput> {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const client = imapClient(server, login);
  await client.connect();
  let messages = 0;
  let bytes = 0;
  try {
    await client.mailboxOpen("INBOX", { readOnly: true });
    for await (const msg of client.fetch("1:*", { uid: true, source: true })) {
      if (!msg.source) continue;
      messages++;
      bytes += msg.source.length;
      if (mode === "naive") await simpleParser(msg.source);
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  if (messages !== expected) throw new Error(`只下载到 ${messages} 封，应为 ${expected}`);
  return { ...throughput(messages, bytes, ms), cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}
