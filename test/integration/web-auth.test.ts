import { request } from "node:http";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { setAccountDisabled } from "../../src/usecases/accounts.ts";
import { backends } from "../helpers/db.ts";
import {
  type BoardEnv,
  cookiesOf,
  csrfOf,
  postLogin,
  signInSession,
  startBoardEnv,
  testAccounts,
  testPassword,
} from "./web-env.ts";

// Sign-in, roles, CSRF, the Host check and the security headers, as a browser (or an attacker's
// page, or a password-guessing script) meets them over HTTP.

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

/** A sign-in attempt whose answer is only its status and headers. */
async function attempt(url: string, name: string, password: string, headers: Record<string, string> = {}) {
  const res = await postLogin(url, { name, password }, headers);
  await res.arrayBuffer();
  return res;
}

/** An attempt as a browser makes it, with the page the person then reads (its error text). */
async function attemptPage(
  url: string,
  name: string,
  password: string,
  headers: Record<string, string> = {},
) {
  const res = await postLogin(url, { name, password }, headers);
  const text = await res.text();
  const error = text.match(/<div class="error">([^<]*)<\/div>/)?.[1] ?? "";
  return { status: res.status, text: error };
}

/** One pre-session token reused for many attempts, as a guessing script would. */
async function preSession(url: string) {
  const form = await fetch(`${url}/login`);
  return { cookie: `ri_pre=${cookiesOf(form).get("ri_pre")}`, csrf: csrfOf(await form.text()) };
}

async function quickAttempt(
  url: string,
  pre: { cookie: string; csrf: string },
  name: string,
  password: string,
) {
  const res = await fetch(`${url}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { origin: url, cookie: pre.cookie },
    body: new URLSearchParams({ _csrf: pre.csrf, name, password }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** A GET with a Host header of our choosing (fetch does not let one be set). */
function getWithHost(url: string, path: string, headers: Record<string, string>) {
  const { hostname, port } = new URL(url);
  return new Promise<{ status: number; body: string; setCookie: string[] }>((resolve, reject) => {
    const req = request({ hostname, port, path, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body, setCookie: res.headers["set-cookie"] ?? [] }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

const exempt = `/periods/2023-04/units/${encodeURIComponent("赵县")}/exempt`;

describe.each(backends)("board sign-in and roles (%s)", (backend) => {
  let env: BoardEnv | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  it("shows nothing but the sign-in page, /healthz and the stylesheet without signing in", async () => {
    env = await startBoardEnv(backend);
    for (const path of [
      "/",
      "/periods/2023-04",
      "/review",
      "/health",
      "/export.xlsx?period=2023-04",
      "/admin/users",
    ]) {
      const res = await fetch(`${env.url}${path}`, { redirect: "manual" });
      expect(res.status, path).toBe(303);
      expect(res.headers.get("location"), path).toMatch(/^\/login\?next=/);
    }
    const post = await fetch(`${env.url}${exempt}`, {
      method: "POST",
      redirect: "manual",
      body: new URLSearchParams({ exempt: "1" }),
    });
    expect(post.status).toBe(303);
    expect(await env.tdb.db.selectFrom("receipts").selectAll().execute()).toHaveLength(0);

    expect((await fetch(`${env.url}/healthz`)).headers.get("content-type")).toContain("application/json");
    const login = await fetch(`${env.url}/login?next=${encodeURIComponent("/review")}`);
    expect(login.status).toBe(200);
    const text = await login.text();
    expect(text).toContain("登录看板");
    expect(text).toContain('name="next" value="/review"');
    const css = await fetch(`${env.url}/static/board.css`);
    expect(css.headers.get("content-type")).toContain("text/css");
    // The tab icon, linked from the sign-in page too, and /favicon.ico for clients that ask blindly.
    expect(text).toContain('<link rel="icon" href="/static/favicon.svg"');
    for (const icon of ["/static/favicon.svg", "/favicon.ico"]) {
      const res = await fetch(`${env.url}${icon}`);
      expect(res.status, icon).toBe(200);
      expect(res.headers.get("content-type"), icon).toBe("image/svg+xml");
      expect(await res.text(), icon).toMatch(/^<svg /);
    }
  });

  it("signs in to where the person was going, with an HttpOnly SameSite=Strict cookie, and 退出 ends the session", async () => {
    env = await startBoardEnv(backend);
    const form = await fetch(`${env.url}/login?next=/review`);
    const res = await fetch(`${env.url}/login`, {
      method: "POST",
      redirect: "manual",
      headers: { origin: env.url, cookie: `ri_pre=${cookiesOf(form).get("ri_pre")}` },
      body: new URLSearchParams({
        _csrf: csrfOf(await form.text()),
        name: testAccounts.editor,
        password: testPassword,
        next: "/review",
      }),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/review");
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith("ri_session="))!;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).not.toMatch(/Secure/i);
    const cookie = setCookie.split(";")[0]!;
    const page = await (await fetch(`${env.url}/review`, { headers: { cookie } })).text();
    expect(page).toContain(`${testAccounts.editor}（编辑）`);
    expect(page).toContain(">退出</button>");

    // Never sent off the board after signing in.
    const away = await signInNext(env.url, "//evil.example/x");
    expect(away).toBe("/");

    const out = await fetch(`${env.url}/logout`, {
      method: "POST",
      redirect: "manual",
      headers: { origin: env.url, cookie },
      body: new URLSearchParams({ _csrf: csrfOf(page) }),
    });
    expect(out.status).toBe(303);
    expect(out.headers.get("location")).toBe("/login?done=out");
    const after = await fetch(`${env.url}/review`, { headers: { cookie }, redirect: "manual" });
    expect(after.status).toBe(303);
    expect(after.headers.get("location")).toContain("/login");
  });

  it("a viewer reads but cannot post; an editor posts but cannot reach /admin/", async () => {
    env = await startBoardEnv(backend);
    const viewer = await env.signInAs("viewer");
    const page = await viewer.fetch("/periods/2023-04");
    expect(page.status).toBe(200);
    const refused = await viewer.post(exempt, { exempt: "1" });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("权限是“查看”");
    expect(await env.tdb.db.selectFrom("receipts").selectAll().execute()).toHaveLength(0);

    const editorAdmin = await env.session.fetch("/admin/users");
    expect(editorAdmin.status).toBe(403);
    expect(await editorAdmin.text()).toContain("需要“管理员”权限");
    const admin = await env.signInAs("admin");
    expect((await admin.fetch("/admin/no-such-page")).status).toBe(404);

    // Signing out is for everyone.
    expect((await viewer.post("/logout", {})).status).toBe(303);
  });

  it("refuses a form post without the page's token, with another session's token, or from another site", async () => {
    env = await startBoardEnv(backend);
    const other = await env.signInAs("admin");
    const noToken = await fetch(`${env.url}${exempt}`, {
      method: "POST",
      headers: { cookie: env.session.cookie },
      body: new URLSearchParams({ exempt: "1" }),
    });
    expect(noToken.status).toBe(403);
    expect(await noToken.text()).toContain("请刷新页面后重新操作");
    const stolen = await fetch(`${env.url}${exempt}`, {
      method: "POST",
      headers: { cookie: env.session.cookie },
      body: new URLSearchParams({ exempt: "1", _csrf: other.csrf }),
    });
    expect(stolen.status).toBe(403);
    const crossSite = await env.session.post(exempt, { exempt: "1" }, { origin: "http://evil.example" });
    expect(crossSite.status).toBe(403);
    expect(await env.tdb.db.selectFrom("receipts").selectAll().execute()).toHaveLength(0);
    expect((await env.session.post(exempt, { exempt: "1" })).status).toBe(303);
  });

  it("answers a request for another host name with 421 and nothing else, signed in or not", async () => {
    env = await startBoardEnv(backend, { web: { hostnames: ["board.example.gov.cn"] } });
    const port = new URL(env.url).port;
    for (const host of ["attacker.example", `attacker.example:${port}`, "127.0.0.1.attacker.example"]) {
      for (const path of ["/periods/2023-04", "/login", "/healthz"]) {
        const res = await getWithHost(env.url, path, { host, cookie: env.session.cookie });
        expect(res.status, `${host}${path}`).toBe(421);
        expect(res.body).not.toContain("报送情况");
        expect(res.body).not.toContain("folders");
        expect(res.setCookie).toEqual([]);
      }
    }
    const named = await getWithHost(env.url, "/periods/2023-04", {
      host: `board.example.gov.cn:${port}`,
      cookie: env.session.cookie,
    });
    expect(named.status).toBe(200);
    const local = await getWithHost(env.url, "/periods/2023-04", {
      host: `localhost:${port}`,
      cookie: env.session.cookie,
    });
    expect(local.status).toBe(200);
    // X-Forwarded-Host is not believed without a proxy configured: the Host header decides.
    const forwarded = await env.fetch("/periods/2023-04", {
      headers: { "x-forwarded-host": "attacker.example" },
    });
    expect(forwarded.status).toBe(200);
  });

  it("behind a configured proxy, checks X-Forwarded-Host and marks the cookie Secure over https", async () => {
    env = await startBoardEnv(backend, { web: { trustProxy: true, hostnames: ["board.example.gov.cn"] } });
    const viaProxy = {
      "x-forwarded-host": "board.example.gov.cn",
      "x-forwarded-proto": "https",
      origin: "https://board.example.gov.cn",
    };
    const res = await attempt(env.url, testAccounts.editor, testPassword, viaProxy);
    expect(res.status).toBe(303);
    expect(res.headers.getSetCookie().find((c) => c.startsWith("ri_session="))).toMatch(/;\s*Secure/i);
    const rebound = await env.fetch("/periods/2023-04", {
      headers: { "x-forwarded-host": "attacker.example" },
    });
    expect(rebound.status).toBe(421);
  });

  it("sends strict security headers and no-store on every page, and pages carry no inline style or script", async () => {
    env = await startBoardEnv(backend);
    for (const path of ["/periods/2023-04", "/review", "/no-such-page", "/periods/2023-13"]) {
      const res = await env.fetch(path);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp, path).toContain("default-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain("unsafe-inline");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("same-origin");
      expect(res.headers.get("cache-control")).toBe("no-store");
      const text = await res.text();
      expect(text).not.toMatch(/<style|<script|\sstyle=/i);
    }
    const xlsx = await env.fetch("/export.xlsx?period=2023-04");
    expect(xlsx.headers.get("cache-control")).toBe("no-store");
    const login = await fetch(`${env.url}/login`);
    expect(login.headers.get("x-frame-options")).toBe("DENY");
  });

  it("locks an account from an address after repeated wrong passwords: a burst of 3,000 gets nowhere, and is logged", async () => {
    const { logger, lines } = capturingLogger();
    env = await startBoardEnv(backend, { logger });
    const url = env.url;
    const pre = await preSession(url);
    const statuses: number[] = [];
    for (let batch = 0; batch < 30; batch++) {
      statuses.push(
        ...(await Promise.all(
          Array.from({ length: 100 }, (_, i) =>
            quickAttempt(url, pre, testAccounts.editor, `guess-${batch}-${i}`),
          ),
        )),
      );
    }
    expect(statuses).toHaveLength(3000);
    expect(statuses.filter((s) => s === 303)).toHaveLength(0);
    // Five wrong answers, then locked: the rest were refused without looking at the password.
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2995);

    const right = await attempt(url, testAccounts.editor, testPassword);
    expect(right.status).toBe(429);
    expect(right.headers.getSetCookie().some((c) => c.startsWith("ri_session="))).toBe(false);
    const page = await fetch(`${url}/login`);
    expect(page.status).toBe(200);

    const failed = lines.filter((l) => String(l["msg"]).startsWith("看板登录失败"));
    expect(failed).toHaveLength(5);
    expect(failed[0]).toMatchObject({ account: testAccounts.editor, address: "127.0.0.1" });
    const locked = lines.filter((l) => String(l["msg"]).includes("已暂时锁定"));
    expect(locked.length).toBeGreaterThanOrEqual(2996);

    // After the lock's 15 minutes the right password works again.
    env.clock.advance(16 * 60_000);
    expect((await attempt(url, testAccounts.editor, testPassword)).status).toBe(303);
  });

  it("a stranger failing on a staff member's account is locked out; the staff member at their own computer is not", async () => {
    const waits: number[] = [];
    env = await startBoardEnv(backend, {
      web: { trustProxy: true },
      signInDelay: async (ms) => {
        waits.push(ms);
      },
    });
    const stranger = { "x-forwarded-for": "10.0.0.5" };
    const staff = { "x-forwarded-for": "10.0.0.6" };
    const shown: { status: number; text: string }[] = [];
    for (let i = 0; i < 8; i++)
      shown.push(await attemptPage(env.url, testAccounts.editor, `guess-${i}`, stranger));
    expect(shown.map((s) => s.status)).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    expect(shown[0]!.text).toContain("账号或密码不对，请重新输入。同一账号在同一台电脑上连续输错 5 次");
    // What the stranger is told: locked here for this account, until when, others unaffected.
    expect(shown[5]!.text).toContain(
      "这台电脑上该账号输错密码次数过多，已暂停在这台电脑上登录该账号，请于 2023年5月20日 10:15 后再试。",
    );
    expect(shown[5]!.text).toContain("在其他电脑上登录不受影响");
    // The stranger stays throttled, even with the right password.
    expect((await attemptPage(env.url, testAccounts.editor, testPassword, stranger)).status).toBe(429);
    // The staff member at their own computer signs in, at once.
    waits.length = 0;
    const own = await attempt(env.url, testAccounts.editor, testPassword, staff);
    expect(own.status).toBe(303);
    expect(own.headers.getSetCookie().some((c) => c.startsWith("ri_session="))).toBe(true);
    expect(waits).toEqual([]);
    // Signing in cleared nothing for the stranger.
    expect((await attemptPage(env.url, testAccounts.editor, "guess-9", stranger)).status).toBe(429);
    // After lockMinutes the stranger's next wrong guess is counted again (and answered slowly).
    env.clock.advance(16 * 60_000);
    expect((await attemptPage(env.url, testAccounts.editor, "guess-10", stranger)).status).toBe(401);
  });

  it("guessing one account from many addresses slows every attempt on it but never locks it", async () => {
    const waits: number[] = [];
    env = await startBoardEnv(backend, {
      web: { trustProxy: true },
      signInDelay: async (ms) => {
        waits.push(ms);
      },
    });
    // Twenty addresses, five guesses each: each address is locked for the account on its fifth.
    const statuses: number[] = [];
    for (let a = 0; a < 20; a++)
      for (let i = 0; i < 6; i++)
        statuses.push(
          (await attempt(env.url, testAccounts.editor, `g${a}-${i}`, { "x-forwarded-for": `10.1.0.${a}` }))
            .status,
        );
    expect(statuses.filter((s) => s === 401)).toHaveLength(100);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
    // 100 failures on the account from all addresses: a new address's guess waits 4 s before the
    // password is looked at, and is still only a wrong password.
    waits.length = 0;
    const fresh = await attemptPage(env.url, testAccounts.editor, "g-new", { "x-forwarded-for": "10.2.0.1" });
    expect(fresh.status).toBe(401);
    expect(waits[0]).toBe(4000);
    // The staff member is slowed the same 4 s, and signs in.
    waits.length = 0;
    const own = await attempt(env.url, testAccounts.editor, testPassword, { "x-forwarded-for": "10.0.0.6" });
    expect(own.status).toBe(303);
    expect(waits).toEqual([4000]);
    // Another account is not slowed.
    waits.length = 0;
    await env.signInAs("viewer");
    expect(waits).toEqual([]);
  });

  it("locks an address that tries many names, while the same account from elsewhere still signs in", async () => {
    env = await startBoardEnv(backend, { web: { trustProxy: true, lockAfterFailures: 3 } });
    const from = (address: string) => ({ "x-forwarded-for": address });
    for (let i = 0; i < 12; i++) await attempt(env.url, `猜测${i}`, "wrong-password", from("10.0.0.5"));
    const refused = await attemptPage(env.url, testAccounts.editor, testPassword, from("10.0.0.5"));
    expect(refused.status).toBe(429);
    expect(refused.text).toContain("已暂停从这里登录任何账号，请于 2023年5月20日 10:15 后再试");
    expect((await attempt(env.url, testAccounts.editor, testPassword, from("10.0.0.6"))).status).toBe(303);
  });

  it("ends the sessions of a disabled account, and an idle session after sessionIdleMinutes", async () => {
    env = await startBoardEnv(backend, { web: { sessionIdleMinutes: 30 } });
    const viewer = await env.signInAs("viewer");
    await setAccountDisabled(env.tdb.repos, testAccounts.viewer, true, { actor: "test" });
    const gone = await viewer.fetch("/periods/2023-04", { redirect: "manual" });
    expect(gone.status).toBe(303);
    expect((await attempt(env.url, testAccounts.viewer, testPassword)).status).toBe(401);

    expect((await env.fetch("/periods/2023-04")).status).toBe(200);
    env.clock.advance(31 * 60_000);
    const idle = await env.fetch("/periods/2023-04", { redirect: "manual" });
    expect(idle.status).toBe(303);
    expect(idle.headers.get("location")).toContain("expired=1");
  });

  it("lets the bootstrap WEB_USER / WEB_PASS sign in as admin, and records that name", async () => {
    env = await startBoardEnv(backend, { web: { user: "office", pass: "bootstrap-secret-1" } });
    expect((await attempt(env.url, "office", "wrong")).status).toBe(401);
    const admin = await signInSession(env.url, "office", "bootstrap-secret-1");
    const page = await (await admin.fetch("/review")).text();
    expect(page).toContain("office（管理员）");
    expect((await admin.fetch("/admin/no-such-page")).status).toBe(404);
    expect((await admin.post(exempt, { exempt: "1" })).status).toBe(303);
    const audit = await env.tdb.db.selectFrom("audit_log").select("actor").executeTakeFirstOrThrow();
    expect(audit.actor).toBe("office");
  });
});

/** Where a successful sign-in with this next= sends the browser. */
async function signInNext(url: string, next: string): Promise<string | null> {
  const res = await postLogin(url, { name: testAccounts.editor, password: testPassword, next });
  await res.arrayBuffer();
  return res.headers.get("location");
}
