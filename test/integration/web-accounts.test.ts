import { afterEach, describe, expect, it } from "vitest";
import { verifyPassword } from "../../src/adapters/auth/password.ts";
import { backends } from "../helpers/db.ts";
import {
  type BoardEnv,
  type BoardSession,
  cookiesOf,
  postLogin,
  signInSession,
  startBoardEnv,
  testAccounts,
  testPassword,
} from "./web-env.ts";

// 我的账号 and 账号管理 over HTTP, as office staff use them: changing one's own password, an admin
// adding a colleague, resetting a password, changing a role, disabling and enabling, the
// last-admin guard, the refusals for everyone else, and the audit rows each change leaves.

const newPassword = "新的 passphrase 2023";
const exempt = `/periods/2023-04/units/${encodeURIComponent("赵县")}/exempt`;

/** POST /login as a browser would; only the status (303 in, 401 wrong). */
async function signInStatus(url: string, name: string, password: string): Promise<number> {
  const res = await postLogin(url, { name, password });
  await res.arrayBuffer();
  return res.status;
}

/** Whether a session's cookie still opens a page (a dead one is sent to the sign-in page). */
async function isSignedIn(session: BoardSession): Promise<boolean> {
  const res = await session.fetch("/account", { redirect: "manual" });
  await res.arrayBuffer();
  return res.status === 200;
}

/** The message beside a refused form. */
const errorOf = (page: string) => /<div class="error">([^<]*)<\/div>/.exec(page)?.[1] ?? "";

async function auditRows(env: BoardEnv) {
  return env.tdb.db
    .selectFrom("audit_log")
    .select(["actor", "action", "target", "before", "after", "reason"])
    .orderBy("at")
    .execute();
}

const user = (name: string, action: string) => `/admin/users/${encodeURIComponent(name)}/${action}`;

describe.each(backends)("board accounts (%s)", (backend) => {
  let env: BoardEnv | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  it("我的账号: a wrong current password is refused; the new one works, other sessions end and this browser stays signed in", async () => {
    env = await startBoardEnv(backend);
    const elsewhere = await signInSession(env.url, testAccounts.editor, testPassword);
    const home = await (await env.fetch("/")).text();
    expect(home).toContain('<a href="/account"');
    expect(home).not.toContain('href="/admin/users"');
    const page = await (await env.fetch("/account")).text();
    expect(page).toContain("<h1>我的账号</h1>");
    expect(page).toContain('编辑<span class="muted">（查看，并做更正和人工处理）');

    const wrong = await env.session.post("/account/password", {
      current: "not my password",
      next: newPassword,
      again: newPassword,
    });
    expect(wrong.status).toBe(401);
    const wrongPage = await wrong.text();
    expect(errorOf(wrongPage)).toContain("当前密码不对，密码未修改");
    expect(wrongPage).not.toContain(newPassword);
    expect(wrongPage).not.toContain("not my password");

    const mismatch = await env.session.post("/account/password", {
      current: testPassword,
      next: newPassword,
      again: `${newPassword}!`,
    });
    expect(mismatch.status).toBe(400);
    expect(errorOf(await mismatch.text())).toContain("两次输入的新密码不一致");
    const short = await env.session.post("/account/password", {
      current: testPassword,
      next: "short",
      again: "short",
    });
    expect(errorOf(await short.text())).toContain("密码太短：至少 10 个字符");
    const same = await env.session.post("/account/password", {
      current: testPassword,
      next: testPassword,
      again: testPassword,
    });
    expect(errorOf(await same.text())).toContain("新密码与当前密码相同");
    // Nothing was changed by the refusals.
    expect(await isSignedIn(elsewhere)).toBe(true);
    expect(await auditRows(env)).toEqual([]);

    const changed = await env.session.post("/account/password", {
      current: testPassword,
      next: newPassword,
      again: newPassword,
    });
    expect(changed.status).toBe(303);
    expect(changed.headers.get("location")).toBe("/account?done=password&ended=1");
    const renewed = cookiesOf(changed).get("ri_session");
    expect(renewed).toBeTruthy();
    expect(`ri_session=${renewed}`).not.toBe(env.session.cookie);
    // The old cookies (this browser's and the other computer's) are dead; the renewed one works.
    expect(await isSignedIn(env.session)).toBe(false);
    expect(await isSignedIn(elsewhere)).toBe(false);
    const after = await fetch(`${env.url}/account?done=password&ended=1`, {
      headers: { cookie: `ri_session=${renewed}` },
    });
    expect(after.status).toBe(200);
    expect(await after.text()).toContain("密码已修改。您在其他电脑或浏览器上的 1 个登录已结束");

    expect(await signInStatus(env.url, testAccounts.editor, testPassword)).toBe(401);
    expect(await signInStatus(env.url, testAccounts.editor, newPassword)).toBe(303);
    expect(await auditRows(env)).toEqual([
      {
        actor: testAccounts.editor,
        action: "user_passwd_self",
        target: `user:${testAccounts.editor}`,
        before: null,
        after: JSON.stringify({ endedSessions: 1 }),
        reason: null,
      },
    ]);

    // A viewer may change their own password too (the only form a viewer may post besides 退出).
    const viewer = await env.signInAs("viewer");
    const own = await viewer.post("/account/password", {
      current: testPassword,
      next: newPassword,
      again: newPassword,
    });
    expect(own.status).toBe(303);
    expect(await signInStatus(env.url, testAccounts.viewer, newPassword)).toBe(303);
  });

  it("我的账号: wrong current passwords count like wrong sign-ins, so a borrowed session cannot guess without limit", async () => {
    env = await startBoardEnv(backend, { web: { lockAfterFailures: 3 } });
    for (let i = 0; i < 3; i++) {
      const res = await env.session.post("/account/password", {
        current: `guess-number-${i}`,
        next: newPassword,
        again: newPassword,
      });
      expect(res.status).toBe(401);
      await res.arrayBuffer();
    }
    const locked = await env.session.post("/account/password", {
      current: testPassword,
      next: newPassword,
      again: newPassword,
    });
    expect(locked.status).toBe(429);
    expect(errorOf(await locked.text())).toContain(
      "输错密码次数过多，已暂停核对，密码未修改。请于 2023年5月20日 10:15 后再试",
    );
    // The same count as signing in: this computer may not sign in to the account either.
    expect(await signInStatus(env.url, testAccounts.editor, testPassword)).toBe(429);
    const row = await env.tdb.repos.accounts.findUser(testAccounts.editor);
    expect(await verifyPassword(testPassword, row!.password)).toBe(true);
  });

  it("账号管理: an admin adds a colleague, resets the password, changes the role, disables and enables, each audited", async () => {
    env = await startBoardEnv(backend, { role: "admin" });
    const admin = env.session;
    const list = await (await admin.fetch("/admin/users")).text();
    expect(list).toContain("<h1>账号管理</h1>");
    expect(list).toContain('<a href="/admin/users">账号管理</a>');
    expect(list).toContain(`<tr data-account="${testAccounts.admin}">`);
    expect(list).toContain("（您）");

    const add = (fields: Record<string, string>) => admin.post("/admin/users", fields);
    const added = await add({
      name: "赵六",
      role: "editor",
      password: "chu-shi-mi-ma-1",
      again: "chu-shi-mi-ma-1",
    });
    expect(added.status).toBe(303);
    const notice = await (await admin.fetch(added.headers.get("location")!)).text();
    expect(notice).toContain("已添加账号“赵六”（编辑）");
    expect(notice).toMatch(
      /<tr data-account="赵六">[\s\S]*?<td class="nowrap">编辑<\/td>\s*<td class="nowrap state">启用<\/td>/,
    );
    const zhao = await signInSession(env.url, "赵六", "chu-shi-mi-ma-1");
    expect(await (await zhao.fetch("/")).text()).toContain("赵六（编辑）");

    // Refusals keep the name and role typed, never the passwords, and say how to fix it.
    const taken = await add({
      name: "赵六",
      role: "admin",
      password: "another-pass-9",
      again: "another-pass-9",
    });
    expect(taken.status).toBe(400);
    const takenPage = await taken.text();
    expect(errorOf(takenPage)).toContain("账号“赵六”已存在，请换一个账号名");
    expect(takenPage).toContain('name="name" value="赵六"');
    expect(takenPage).toMatch(
      /<select id="add-role" name="role"><option value="viewer">[^<]*<\/option><option value="editor">[^<]*<\/option><option value="admin" selected>/,
    );
    expect(takenPage).not.toContain("another-pass-9");
    const mismatch = await add({
      name: "钱七",
      role: "viewer",
      password: "another-pass-9",
      again: "another-pass-0",
    });
    expect(errorOf(await mismatch.text())).toContain("两次输入的初始密码不一致");
    const badName = await add({
      name: "钱 七",
      role: "viewer",
      password: "another-pass-9",
      again: "another-pass-9",
    });
    expect(errorOf(await badName.text())).toContain("含有空格");
    expect(await env.tdb.repos.accounts.findUser("钱七")).toBeUndefined();

    // Reset: 赵六's session ends, the new password works.
    const reset = await admin.post(user("赵六", "password"), {
      password: "chong-she-mi-ma-2",
      again: "chong-she-mi-ma-2",
      reason: "本人忘记密码",
    });
    expect(reset.status).toBe(303);
    expect(reset.headers.get("location")).toBe(
      `/admin/users?done=password&name=${encodeURIComponent("赵六")}`,
    );
    expect(await isSignedIn(zhao)).toBe(false);
    const resetShort = await admin.post(user("赵六", "password"), { password: "short", again: "short" });
    const resetShortPage = await resetShort.text();
    expect(resetShortPage).toMatch(
      /<tr data-account="赵六">[\s\S]*?<div class="error">密码太短[^<]*<\/div><details[^>]*><summary>更改角色[\s\S]*?<details open><summary>重设密码/,
    );
    // An admin's own password is changed on 我的账号, where the current one is asked for.
    const ownReset = await admin.post(user(testAccounts.admin, "password"), {
      password: newPassword,
      again: newPassword,
    });
    expect(errorOf(await ownReset.text())).toContain("修改您自己的密码请到“我的账号”页面");

    // Role: 赵六 becomes a viewer, effective on the next request.
    const zhao2 = await signInSession(env.url, "赵六", "chong-she-mi-ma-2");
    expect((await admin.post(user("赵六", "role"), { role: "viewer" })).status).toBe(303);
    expect((await zhao2.post(exempt, { exempt: "1" })).status).toBe(403);
    const same = await admin.post(user("赵六", "role"), { role: "viewer" });
    expect(await (await admin.fetch(same.headers.get("location")!)).text()).toContain(
      "“赵六”的角色本来就是“查看”，未作修改",
    );
    const badRole = await admin.post(user("赵六", "role"), { role: "boss" });
    expect(errorOf(await badRole.text())).toContain("角色“boss”不存在");

    // Disable ends the session at once; enable lets them back in.
    expect((await admin.post(user("赵六", "disable"), { reason: "调离" })).status).toBe(303);
    expect(await isSignedIn(zhao2)).toBe(false);
    expect(await signInStatus(env.url, "赵六", "chong-she-mi-ma-2")).toBe(401);
    expect(await (await admin.fetch("/admin/users")).text()).toMatch(
      /<tr data-account="赵六" class="acct-disabled">[\s\S]*?已停用/,
    );
    expect((await admin.post(user("赵六", "enable"), {})).status).toBe(303);
    expect(await signInStatus(env.url, "赵六", "chong-she-mi-ma-2")).toBe(303);
    const missing = await admin.post(user("无此人", "disable"), {});
    expect(missing.status).toBe(400);
    expect(errorOf(await missing.text())).toContain("没有名为“无此人”的账号");

    const rows = await auditRows(env);
    expect(rows.map((r) => [r.actor, r.action, r.target, r.reason])).toEqual([
      [testAccounts.admin, "user_add", "user:赵六", null],
      [testAccounts.admin, "user_passwd", "user:赵六", "本人忘记密码"],
      [testAccounts.admin, "user_role", "user:赵六", null],
      [testAccounts.admin, "user_disable", "user:赵六", "调离"],
      [testAccounts.admin, "user_enable", "user:赵六", null],
    ]);
    expect(rows[2]).toMatchObject({
      before: JSON.stringify({ role: "editor" }),
      after: JSON.stringify({ role: "viewer" }),
    });
    // The page's 账号操作记录 shows them, newest first.
    const audit = (await (await admin.fetch("/admin/users")).text()).split("账号操作记录")[1] ?? "";
    const actions = [
      ...audit.matchAll(/<td class="nowrap">(添加账号|重设密码|更改角色|停用账号|启用账号)<\/td>/g),
    ].map((m) => m[1]);
    expect(actions).toEqual(["启用账号", "停用账号", "更改角色", "重设密码", "添加账号"]);
    expect(audit).toContain("编辑 → 查看");
    expect(audit).toContain("本人忘记密码");
  });

  it("the last enabled admin can neither disable nor demote themselves; with a second admin they can", async () => {
    env = await startBoardEnv(backend, { role: "admin" });
    const admin = env.session;
    const disable = await admin.post(user(testAccounts.admin, "disable"), {});
    expect(disable.status).toBe(400);
    expect(errorOf(await disable.text())).toContain(
      `“${testAccounts.admin}”是目前唯一启用的管理员账号，停用后将没有人能在看板上添加账号、重设密码。请先添加（或启用）另一个管理员账号`,
    );
    const demote = await admin.post(user(testAccounts.admin, "role"), { role: "editor" });
    const demotePage = await demote.text();
    expect(errorOf(demotePage)).toContain("改为“编辑”后将没有人能在看板上添加账号");
    // The refused row form comes back open with the role that was chosen.
    expect(demotePage).toMatch(
      /<details open><summary>更改角色<\/summary>[\s\S]*?<option value="editor" selected>/,
    );
    expect((await env.tdb.repos.accounts.findUser(testAccounts.admin))?.role).toBe("admin");
    expect(await isSignedIn(admin)).toBe(true);

    // A disabled admin does not count.
    const second = { name: "孙八", role: "admin", password: "second-admin-pw", again: "second-admin-pw" };
    expect((await admin.post("/admin/users", second)).status).toBe(303);
    expect((await admin.post(user("孙八", "disable"), {})).status).toBe(303);
    expect((await admin.post(user(testAccounts.admin, "disable"), {})).status).toBe(400);
    expect((await admin.post(user("孙八", "enable"), {})).status).toBe(303);

    // With 孙八 enabled, 管理王五 may step down; he lands on 我的账号 and 账号管理 is closed to him.
    const stepDown = await admin.post(user(testAccounts.admin, "role"), { role: "editor" });
    expect(stepDown.status).toBe(303);
    expect(stepDown.headers.get("location")).toBe("/account?done=role");
    expect(await (await admin.fetch("/account?done=role")).text()).toContain("您的角色已改为“编辑”。");
    expect((await admin.fetch("/admin/users")).status).toBe(403);
    // Now 孙八 is the last one.
    const sun = await signInSession(env.url, "孙八", "second-admin-pw");
    expect((await sun.post(user("孙八", "disable"), {})).status).toBe(400);
    expect((await sun.post(user("孙八", "role"), { role: "viewer" })).status).toBe(400);
    expect(await env.tdb.repos.accounts.countEnabledAdmins()).toBe(1);
  });

  it("two admins demoting each other at the same moment leave one admin", async () => {
    env = await startBoardEnv(backend, { role: "admin" });
    await env.session.post("/admin/users", {
      name: "孙八",
      role: "admin",
      password: "second-admin-pw",
      again: "second-admin-pw",
    });
    const sun = await signInSession(env.url, "孙八", "second-admin-pw");
    const [a, b] = await Promise.all([
      env.session.post(user("孙八", "role"), { role: "editor" }),
      sun.post(user(testAccounts.admin, "role"), { role: "editor" }),
    ]);
    // One wins; the other is refused by the guard (400) or, if it came second, by its new role (403).
    expect([a.status, b.status].filter((s) => s === 303)).toHaveLength(1);
    expect([a.status, b.status].filter((s) => s === 400 || s === 403)).toHaveLength(1);
    expect(await env.tdb.repos.accounts.countEnabledAdmins()).toBe(1);
  });

  it("viewers and editors are refused every 账号管理 route with a Chinese message, and nothing changes", async () => {
    env = await startBoardEnv(backend);
    const viewer = await env.signInAs("viewer");
    await env.signInAs("admin");
    for (const [session, label] of [
      [env.session, "编辑"],
      [viewer, "查看"],
    ] as const) {
      const get = await session.fetch("/admin/users");
      expect(get.status).toBe(403);
      const text = await get.text();
      expect(text).toContain(
        `权限是“${label}”，不能执行此操作（需要“管理员”权限）。如需调整，请联系管理员。`,
      );
      const posts: [string, Record<string, string>][] = [
        [
          "/admin/users",
          { name: "黑客", role: "admin", password: "hacker-password", again: "hacker-password" },
        ],
        [user(testAccounts.admin, "password"), { password: "hacker-password", again: "hacker-password" }],
        [user(testAccounts.admin, "role"), { role: "viewer" }],
        [user(testAccounts.admin, "disable"), {}],
        [user(session.name, "role"), { role: "admin" }],
      ];
      for (const [path, fields] of posts) {
        const res = await session.post(path, fields);
        expect(res.status, path).toBe(403);
        await res.arrayBuffer();
      }
    }
    expect(await env.tdb.repos.accounts.findUser("黑客")).toBeUndefined();
    expect((await env.tdb.repos.accounts.findUser(testAccounts.editor))?.role).toBe("editor");
    expect(await signInStatus(env.url, testAccounts.admin, testPassword)).toBe(303);
    expect(await auditRows(env)).toEqual([]);
  });

  it("account forms need the page's token and the board's origin, like every other form", async () => {
    env = await startBoardEnv(backend, { role: "admin" });
    const fields = { name: "赵六", role: "admin", password: "chu-shi-mi-ma-1", again: "chu-shi-mi-ma-1" };
    const noToken = await fetch(`${env.url}/admin/users`, {
      method: "POST",
      redirect: "manual",
      headers: { origin: env.url, cookie: env.session.cookie },
      body: new URLSearchParams(fields),
    });
    expect(noToken.status).toBe(403);
    const foreign = await env.session.post("/admin/users", fields, { origin: "http://evil.example" });
    expect(foreign.status).toBe(403);
    const ownForeign = await env.session.post(
      "/account/password",
      { current: testPassword, next: newPassword, again: newPassword },
      { origin: "http://evil.example" },
    );
    expect(ownForeign.status).toBe(403);
    expect(await env.tdb.repos.accounts.findUser("赵六")).toBeUndefined();
    expect(await signInStatus(env.url, testAccounts.admin, testPassword)).toBe(303);
  });

  it("the bootstrap WEB_USER adds the first admin account; its own password is the server's to change", async () => {
    env = await startBoardEnv(backend, { web: { user: "office", pass: "bootstrap-secret-1" } });
    const office = await signInSession(env.url, "office", "bootstrap-secret-1");
    const account = await (await office.fetch("/account")).text();
    expect(account).toContain("您是用服务器配置的临时管理员 WEB_USER（office）登录的");
    expect(account).not.toContain('action="/account/password"');
    const refused = await office.post("/account/password", {
      current: "bootstrap-secret-1",
      next: newPassword,
      again: newPassword,
    });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("它的密码 WEB_PASS 只能在服务器上修改");

    const admin = await (await office.fetch("/admin/users")).text();
    expect(admin).toContain("您正以服务器配置的临时管理员 WEB_USER（office）登录");
    const added = await office.post("/admin/users", {
      name: "主任",
      role: "admin",
      password: "zhu-ren-mi-ma-1",
      again: "zhu-ren-mi-ma-1",
    });
    expect(added.status).toBe(303);
    const boss = await signInSession(env.url, "主任", "zhu-ren-mi-ma-1");
    expect((await boss.fetch("/admin/users")).status).toBe(200);
    expect(await auditRows(env)).toMatchObject([
      { actor: "office", action: "user_add", target: "user:主任" },
    ]);
    // Now that the office has an admin of its own, WEB_USER is no longer a way in (README);
    // the session it opened runs on until it ends.
    expect(await signInStatus(env.url, "office", "bootstrap-secret-1")).toBe(401);
    expect((await office.fetch("/admin/users")).status).toBe(200);
  });

  it("pages carry no inline style or script, and the sign-in page points to 账号管理", async () => {
    env = await startBoardEnv(backend, { role: "admin" });
    for (const path of ["/account", "/admin/users"]) {
      const res = await env.fetch(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(await res.text()).not.toMatch(/<style|<script|\sstyle=/i);
    }
    const login = await (await fetch(`${env.url}/login`)).text();
    expect(login).toContain("忘记密码请联系管理员在“账号管理”中重设");
  });
});
