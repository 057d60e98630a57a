import type { Command } from "commander";
import { dateTimeLabel, roleDescription, roleLabel } from "../../domain/labels.ts";
import { roles } from "../../domain/roles.ts";
import {
  addAccount,
  listAccounts,
  setAccountDisabled,
  setAccountPassword,
  setAccountRole,
} from "../../usecases/accounts.ts";
import type { CliContext } from "../context.ts";
import { readNewPassword } from "../password-prompt.ts";
import { cliUser } from "./quarantine.ts";

// Board accounts: report-inbox user add 张三 --role editor, list, disable, enable, passwd, role.
// Passwords are typed twice without echo, or read from standard input for scripts
// (echo "$PW" | report-inbox user add 张三 --role editor).

export function registerUserCommand(program: Command, ctx: CliContext): void {
  const roleHelp = roles.map((r) => `${r}（${roleLabel[r]}：${roleDescription[r]}）`).join("；");
  const user = program
    .command("user")
    .description("看板账号：添加、列出、停用、启用、改密码（管理员也可在看板的“账号管理”页面操作）");

  user
    .command("add")
    .description("添加看板账号，随后输入两次密码 (不回显)；也可从标准输入读入密码")
    .argument("<姓名>", "账号名，即审计记录中的操作人，如 张三")
    .option("--role <角色>", `角色：${roleHelp}`, "viewer")
    .action(async (name: string, opts: { role: string }) => {
      const repos = await ctx.repos();
      const password = await readNewPassword(`为 ${name} 设置密码`);
      const account = await addAccount(repos, { name, role: opts.role, password }, { actor: cliUser() });
      console.log(
        `已添加账号“${account.name}”，角色：${roleLabel[account.role]}。请用此账号在看板登录页登录。`,
      );
    });

  user
    .command("list")
    .description("列出看板账号")
    .action(async () => {
      const repos = await ctx.repos();
      const tz = ctx.config().timezone;
      const accounts = await listAccounts(repos);
      if (accounts.length === 0) {
        console.log("还没有账号。添加：report-inbox user add 姓名 --role admin");
        return;
      }
      console.log(["账号", "角色", "状态", "添加时间", "最近修改"].join("\t"));
      for (const a of accounts)
        console.log(
          [
            a.name,
            roleLabel[a.role],
            a.disabled ? "已停用" : "可用",
            dateTimeLabel(a.createdAt, tz),
            dateTimeLabel(a.updatedAt, tz),
          ].join("\t"),
        );
    });

  user
    .command("disable")
    .description("停用账号：不能再登录，已登录的会话立即结束")
    .argument("<姓名>")
    .action(async (name: string) => {
      const { endedSessions } = await setAccountDisabled(await ctx.repos(), name, true, { actor: cliUser() });
      console.log(`已停用账号“${name}”${endedSessions > 0 ? `，结束了 ${endedSessions} 个登录会话` : ""}。`);
    });

  user
    .command("enable")
    .description("重新启用已停用的账号")
    .argument("<姓名>")
    .action(async (name: string) => {
      await setAccountDisabled(await ctx.repos(), name, false, { actor: cliUser() });
      console.log(`已启用账号“${name}”。`);
    });

  user
    .command("passwd")
    .description("重设账号密码 (输入两次，不回显；或从标准输入读入)；该账号已登录的会话随即结束")
    .argument("<姓名>")
    .action(async (name: string) => {
      const repos = await ctx.repos();
      const password = await readNewPassword(`为 ${name} 设置新密码`);
      const { endedSessions } = await setAccountPassword(repos, name, password, { actor: cliUser() });
      console.log(
        `已重设“${name}”的密码${endedSessions > 0 ? `，结束了 ${endedSessions} 个登录会话` : ""}。`,
      );
    });

  user
    .command("role")
    .description("更改账号角色")
    .argument("<姓名>")
    .argument("<角色>", roleHelp)
    .action(async (name: string, role: string) => {
      const { changed } = await setAccountRole(await ctx.repos(), name, role, { actor: cliUser() });
      console.log(
        changed ? `已将“${name}”的角色改为 ${role}。` : `“${name}”的角色本来就是 ${role}，未作修改。`,
      );
    });
}
