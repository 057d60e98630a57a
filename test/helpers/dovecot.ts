import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ImapFlow, type ImapFlowOptions } from "imapflow";

/** Runs a command to its exit; stdio ignored, since the daemon it starts would hold pipes open. */
function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: "ignore" });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}`)),
    );
  });
}

export interface DovecotInstance {
  host: string;
  port: number;
  /** The first test user, created with the instance. */
  user: string;
  pass: string;
  configPath: string;
  /** With { tls: true }: the implicit-TLS port and the certificate to trust. */
  tlsPort?: number;
  caPath?: string;
  /** Where Dovecot writes its log (the IMAP ID the client sent shows up here). */
  logPath: string;
  /** Maildir root of one user (for tests that change dovecot-uidvalidity by hand). */
  maildirOf(user: string): string;
  /** Another user with an empty mailbox of its own, for tests that share one instance. */
  addUser(user?: string, pass?: string): Promise<{ user: string; pass: string }>;
  readLog(): Promise<string>;
  stop(): Promise<void>;
  /** Stops Dovecot (dropping every connection) and starts it again on the same port. */
  restart(options?: { downMs?: number }): Promise<void>;
}

/** Dovecot refuses mail access as root; as root the mail belongs to nobody, otherwise to us. */
export function mailOwner(): { uid: number; gid: number } {
  const uid = process.getuid?.() ?? 65534;
  if (uid !== 0) return { uid, gid: process.getgid?.() ?? uid };
  return { uid: 65534, gid: 65534 };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * Ids of the processes of one instance (their titles start with "dovecot-<instance_name>/").
 * Stopping the master leaves running imap sessions alive here, although a real restart drops
 * them; the helper ends them itself, by id, to get what a restart means to a client.
 */
async function instancePids(instance: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (cmdline.startsWith(`dovecot-${instance}/`)) pids.push(Number(entry));
  }
  return pids;
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Dovecot: timed out waiting for ${what}`);
}

interface TlsFiles {
  port: number;
  certPath: string;
  keyPath: string;
}

function configText(
  dir: string,
  port: number,
  instance: string,
  owner: { uid: number; gid: number },
  tls: TlsFiles | null,
): string {
  return `# Written by test/helpers/dovecot.ts; nothing here touches the system's Dovecot.
base_dir = ${dir}/run
state_dir = ${dir}/state
instance_name = ${instance}
protocols = imap
listen = 127.0.0.1
${tls ? `ssl = yes\nssl_cert = <${tls.certPath}\nssl_key = <${tls.keyPath}` : "ssl = no"}
disable_plaintext_auth = no
auth_mechanisms = plain login
# Dovecot answers a failed login after 2 s by default (a brake on guessing); the tests that
# send a wrong password check what the client does with the refusal, not the brake.
auth_failure_delay = 0
log_path = ${dir}/dovecot.log
info_log_path = ${dir}/dovecot.log
mail_location = maildir:${dir}/mail/%u
mail_uid = ${owner.uid}
mail_gid = ${owner.gid}
first_valid_uid = 1
first_valid_gid = 1
imap_id_log = *
mail_max_userip_connections = 100
default_login_user = dovenull
default_internal_user = dovecot
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/users/%u
}
userdb {
  driver = static
  args = uid=${owner.uid} gid=${owner.gid} home=${dir}/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = ${tls ? tls.port : 0}
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
`;
}

/** Starts a private Dovecot (own dirs, own port, plain auth, maildir) with one test user. */
/** A self-signed certificate for 127.0.0.1 (clients trust it via NODE_EXTRA_CA_CERTS). */
async function makeCertificate(dir: string): Promise<{ certPath: string; keyPath: string }> {
  const certPath = join(dir, "cert.pem");
  const keyPath = join(dir, "key.pem");
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    keyPath,
    "-out",
    certPath,
    "-days",
    "2",
    "-subj",
    "/CN=127.0.0.1",
    "-addext",
    "subjectAltName=IP:127.0.0.1",
  ]);
  return { certPath, keyPath };
}

export interface StartDovecotOptions {
  /** Also offer TLS: STARTTLS on the plain port and implicit TLS on tlsPort. */
  tls?: boolean;
}

export async function startDovecot(options: StartDovecotOptions = {}): Promise<DovecotInstance> {
  const dir = await mkdtemp(join(tmpdir(), "ri-dovecot-"));
  // The mail processes run as the mail owner and must traverse the temp dir.
  await chmod(dir, 0o755);
  const owner = mailOwner();
  await mkdir(join(dir, "mail"));
  await chown(join(dir, "mail"), owner.uid, owner.gid);
  const port = await freePort();
  const instance = `ri-${port}`;
  const configPath = join(dir, "dovecot.conf");
  const logPath = join(dir, "dovecot.log");
  const tls = options.tls ? { port: await freePort(), ...(await makeCertificate(dir)) } : null;
  await writeFile(configPath, configText(dir, port, instance, owner, tls));
  await mkdir(join(dir, "users"));

  const addUser = async (
    user = `u${randomBytes(4).toString("hex")}`,
    pass = randomBytes(8).toString("hex"),
  ) => {
    // One passwd-file per user: Dovecot caches a shared file by mtime (whole seconds), so two
    // users added within one second would not both be seen.
    await writeFile(join(dir, "users", user), `${user}:{PLAIN}${pass}::::::\n`);
    return { user, pass };
  };
  const first = await addUser("watcher", `pw-${randomBytes(6).toString("hex")}`);

  const start = async () => {
    await run("dovecot", ["-c", configPath]);
    await waitFor(() => canConnect(port), `port ${port} to open`);
  };
  let running = false;
  const stop = async () => {
    if (!running) return;
    running = false;
    await run("doveadm", ["-c", configPath, "stop"]).catch(() => {});
    for (const pid of await instancePids(instance)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await waitFor(async () => !(await canConnect(port)), `port ${port} to close`);
    // The master leaves after its children; give the pid file a moment to go.
    await waitFor(
      async () =>
        readFile(join(dir, "run", "master.pid"))
          .then(() => false)
          .catch(() => true),
      "master to exit",
    );
  };
  await start();
  running = true;

  return {
    host: "127.0.0.1",
    port,
    user: first.user,
    pass: first.pass,
    configPath,
    logPath,
    ...(tls ? { tlsPort: tls.port, caPath: tls.certPath } : {}),
    maildirOf: (user) => join(dir, "mail", user),
    addUser,
    readLog: () => readFile(logPath, "utf8").catch(() => ""),
    stop: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
    restart: async (options = {}) => {
      await stop();
      if (options.downMs) await new Promise((r) => setTimeout(r, options.downMs));
      await start();
      running = true;
    },
  };
}

/** Puts a message into a user's folder the way a mail server would: IMAP APPEND. */
/**
 * A plain, quiet IMAP client on a test Dovecot (not yet connected), for putting mail in and
 * looking at the mailbox from the outside. It stays plain even where the server offers STARTTLS
 * (test certificate).
 */
export function testImapClient(
  server: { host: string; port: number },
  login: { user: string; pass: string },
  options: Partial<ImapFlowOptions> = {},
): ImapFlow {
  const client = new ImapFlow({
    host: server.host,
    port: server.port,
    secure: false,
    auth: { user: login.user, pass: login.pass },
    logger: false,
    doSTARTTLS: false,
    ...options,
  });
  client.on("error", () => {});
  return client;
}

export async function appendMessages(
  server: { host: string; port: number },
  login: { user: string; pass: string },
  messages: Array<Buffer | string>,
  folder = "INBOX",
): Promise<void> {
  const client = testImapClient(server, login);
  await client.connect();
  try {
    for (const message of messages) await client.append(folder, message);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/** A small, unique, valid message. */
export function testMessage(n: number | string, options: { subject?: string; body?: string } = {}): string {
  const id = `${n}.${randomBytes(6).toString("hex")}@test.report-inbox`;
  return [
    "From: =?UTF-8?B?5biC5rC05Yip5bGA?= <shuili@example.com>",
    "To: office@example.com",
    `Subject: ${options.subject ?? `市水利局4月份工作进展情况 ${n}`}`,
    `Message-ID: <${id}>`,
    "Date: Mon, 15 May 2023 10:00:00 +0800",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    options.body ?? `第 ${n} 封测试邮件。联系人：张三 13800000000`,
    "",
  ].join("\r\n");
}
