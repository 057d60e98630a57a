import { checkPassword } from "../usecases/accounts.ts";

// A new password: typed twice on a terminal with nothing echoed, or read from standard input
// when it is not a terminal (a script pipes it in: one line, or two that must match).

export async function readNewPassword(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const lines = (await readAll(stdin)).split(/\r?\n/);
    const [first = "", second = ""] = lines;
    if (!first)
      throw new Error('标准输入中没有密码：请输入一行密码，例如 echo "$PW" | report-inbox user add 张三');
    if (second && second !== first) throw new Error("标准输入中的两行密码不一致");
    return checkPassword(first);
  }
  const first = await readHidden(`${prompt}（输入时不显示）：`);
  checkPassword(first);
  const second = await readHidden("再输入一次：");
  if (first !== second) throw new Error("两次输入的密码不一致，未作修改");
  return first;
}

async function readAll(stream: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** One line from the terminal in raw mode, so what is typed is never shown. */
function readHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let typed: string[] = [];
    const decoder = new TextDecoder();
    const done = (err: Error | null) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(typed.join(""));
    };
    const onData = (data: Buffer) => {
      for (const ch of decoder.decode(data, { stream: true })) {
        if (ch === "\r" || ch === "\n") return done(null);
        if (ch === "\u0003") return done(new Error("已取消"));
        if (ch === "\u007f" || ch === "\b") typed = typed.slice(0, -1);
        else if (ch >= " ") typed.push(ch);
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on("data", onData);
  });
}
