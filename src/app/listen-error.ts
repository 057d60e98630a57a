// A listener that cannot bind ends the start with one line that says which port, why, and how
// to change it; the service takes no job before every listener is up (see start-workers.ts).

export class ListenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ListenError";
  }
}

export interface Listener {
  /** What listens, in the office's words (网页看板). */
  what: string;
  host: string;
  port: number;
  /** The config key and environment variable that set the port. */
  key: string;
  env: string;
}

/** The error a failed listen(…) gave, as one Chinese line (other errors pass through). */
export function listenFailure(err: unknown, l: Listener): unknown {
  const code = (err as { code?: string })?.code;
  const at = `${l.host.includes(":") ? `[${l.host}]` : l.host}:${l.port}`;
  const change = `修改 ${l.key} (环境变量 ${l.env}，例如 ${l.env}=${l.port === 8080 ? 8081 : 8080})`;
  switch (code) {
    case "EADDRINUSE":
      return new ListenError(
        `端口被占用：${l.what}无法监听 ${at}，该端口已被其他程序使用 (可能是另一个 report-inbox 正在运行)。如何修改: 先停止占用该端口的程序 (查看: ss -ltnp 'sport = :${l.port}')，或${change}；本次启动未处理任何任务`,
      );
    case "EACCES":
      return new ListenError(
        `端口无权限：${l.what}无法监听 ${at}，1024 以下的端口需要管理员权限。如何修改: ${change}；本次启动未处理任何任务`,
      );
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
      return new ListenError(
        `地址不可用：${l.what}无法监听 ${at}，本机没有这个地址。如何修改: 把 web.host (环境变量 WEB_HOST) 设为本机地址，例如 WEB_HOST=127.0.0.1；本次启动未处理任何任务`,
      );
    default:
      return err;
  }
}
