import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { userInfo } from "node:os";
import { resolve } from "node:path";
import { ConfigError } from "../config/config-error.ts";

// Checks made before anything is opened, so a wrong DATA_DIR gives one line that names the path
// and the fix instead of a stack trace from deep inside mkdir or SQLite.

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? "?");
  }
}

/** Creates DATA_DIR when missing; throws a ConfigError when it cannot be used. */
export function checkDataDir(dataDir: string): void {
  const dir = resolve(dataDir);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw unusable(dir);
    try {
      mkdirSync(dir, { recursive: true });
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "";
      throw new ConfigError(
        "dataDir",
        `指向 ${dir}，该目录不存在且无法创建 (${code})。请先创建它并让运行服务的用户 (${currentUser()}) 可读写，例如 sudo install -d -o ${currentUser()} ${dir}`,
      );
    }
  }
  if (!isDirectory)
    throw new ConfigError(
      "dataDir",
      `指向 ${dir}，但它是一个文件而不是目录。请把 DATA_DIR 设为一个目录，例如 DATA_DIR=/var/lib/report-inbox`,
    );
  try {
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch {
    throw unusable(dir);
  }
}

function unusable(dir: string): ConfigError {
  return new ConfigError(
    "dataDir",
    `指向 ${dir}，但运行服务的用户 (${currentUser()}) 无法读写该目录。请修改权限，例如 sudo chown -R ${currentUser()} ${dir}`,
  );
}
