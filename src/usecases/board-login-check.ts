import type { Repositories } from "../adapters/db/repositories.ts";
import { ConfigError } from "../config/config-error.ts";
import { isLoopbackHost } from "../config/safety.ts";
import type { Config } from "../config/schema.ts";

// A board other computers can reach must have someone who can sign in: an account (report-inbox
// user add) or the bootstrap WEB_USER / WEB_PASS. Accounts live in the database, so this is
// checked where the database is open (doctor, and the web worker before it listens),
// not with the rest of the config at load.

export async function boardLoginProblem(
  config: Config,
  repos: Pick<Repositories, "accounts">,
): Promise<ConfigError | null> {
  const { web } = config;
  if (isLoopbackHost(web.host) || (web.user && web.pass)) return null;
  if ((await repos.accounts.countActiveUsers()) > 0) return null;
  return new ConfigError(
    "web.host",
    `为 ${web.host}，其他电脑可以访问看板，但还没有可用的看板账号，也没有设置 WEB_USER 和 WEB_PASS。请先添加账号：report-inbox user add 姓名 --role admin，或改回 WEB_HOST=127.0.0.1`,
  );
}
