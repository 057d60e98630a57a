import pg from "pg";

// Opening PostgreSQL goes through this probe first: the pool and the migrator would otherwise turn
// a stopped server or a wrong password into "migration failed" and a stack trace.

/** PostgreSQL cannot be reached or refuses us; the message names the server and the fix. */
export class DatabaseUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatabaseUnavailableError";
  }
}

/** host:port and database of a postgres:// URL, without the user's password. */
export function describePostgresUrl(url: string): { server: string; database: string } {
  try {
    const u = new URL(url);
    return {
      server: `${u.hostname || "localhost"}:${u.port || "5432"}`,
      database: u.pathname.slice(1) || "postgres",
    };
  } catch {
    return { server: "?", database: "?" };
  }
}

function reasonAndFix(err: unknown, database: string): [string, string] {
  const e = err as { code?: string; message?: string };
  switch (e?.code) {
    case "ECONNREFUSED":
      return [
        "连接被拒绝",
        "请确认 PostgreSQL 已启动并监听该端口 (systemctl status postgresql)，或改正 DATABASE_URL",
      ];
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return ["找不到该主机", "请改正 DATABASE_URL 中的主机名"];
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return ["连接超时或网络不通", "请检查网络和防火墙，或改正 DATABASE_URL"];
    case "28P01":
    case "28000":
      return [
        "用户名或密码错误，或该用户不允许登录",
        "请检查 DATABASE_URL 中的用户名和密码，以及服务器的 pg_hba.conf",
      ];
    case "3D000":
      return ["数据库不存在", `请先创建数据库，例如 createdb ${database}`];
    default:
      if (/timeout/i.test(e?.message ?? "")) return ["连接超时", "请检查网络和防火墙，或改正 DATABASE_URL"];
      return [(e?.message ?? String(err)).split("\n")[0]!, "请检查 DATABASE_URL 和 PostgreSQL 服务器"];
  }
}

/** Connects once (5 s at most), runs `setup` on that connection, and closes it. */
export async function probePostgres(
  url: string,
  setup?: (client: pg.Client) => Promise<void>,
): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    const { server, database } = describePostgresUrl(url);
    const [reason, fix] = reasonAndFix(err, database);
    throw new DatabaseUnavailableError(
      `无法连接 PostgreSQL ${server} (数据库 ${database})：${reason}。${fix}`,
    );
  }
  try {
    await setup?.(client);
  } finally {
    await client.end().catch(() => {});
  }
}
