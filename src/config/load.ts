import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse as parseDotenv } from "dotenv";
import { parse as parseYaml } from "yaml";
import { packageRoot } from "../package-root.ts";
import { ConfigError } from "./config-error.ts";
import { findUnsafeSetting } from "./safety.ts";
import { type Config, configSchema, envKeys, secretPaths } from "./schema.ts";
import { describeUnknownKey, joinPath } from "./unknown-keys.ts";

export { ConfigError };

export const defaultConfigPath = join(packageRoot, "config/default.yaml");

export interface LoadConfigOptions {
  /** Override file (same shape as default.yaml); CONFIG_FILE when absent. */
  file?: string;
  /** Environment to read; process.env merged with ./.env when absent. */
  env?: Record<string, string | undefined>;
  /** Values applied last, for tests and the demo. */
  overrides?: DeepPartial<Config>;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

function readYaml(path: string, key: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new ConfigError(key, `无法读取文件 ${path}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text) ?? {};
  } catch (err) {
    throw new ConfigError(key, `文件 ${path} 不是有效的 YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  // A list (or a bare value) would merge as keys "0", "1"…: say what shape is expected instead.
  if (!isPlainObject(parsed))
    throw new ConfigError(
      key,
      `文件 ${path} 的内容是${Array.isArray(parsed) ? "列表" : "单个值"}，应为与 config/default.yaml 相同结构的“键: 值”设置，例如 imap: { folders: [INBOX] }`,
    );
  return parsed;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split(".");
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (!isPlainObject(node[part])) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1)!] = value;
}

function envValue(name: string, raw: string): unknown {
  if (name === "OFFICE_EMAILS" || name === "WEB_HOSTNAMES") return raw.split(/[,;，\s]+/).filter(Boolean);
  return raw;
}

function readEnv(): Record<string, string | undefined> {
  let fromFile: Record<string, string> = {};
  try {
    fromFile = parseDotenv(readFileSync(resolve(".env")));
  } catch {
    // No .env file: the environment alone.
  }
  return { ...fromFile, ...process.env };
}

/** Loads default.yaml, then the override file, then the environment; validates once. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? readEnv();
  let merged = readYaml(defaultConfigPath, "config/default.yaml");
  const file = options.file ?? env.CONFIG_FILE;
  const fromFile = file ? readYaml(file, "CONFIG_FILE") : {};
  merged = deepMerge(merged, fromFile);
  for (const [name, path] of Object.entries(envKeys)) {
    const raw = env[name];
    if (raw !== undefined && raw !== "") setPath(merged, path, envValue(name, raw));
  }
  if (options.overrides) merged = deepMerge(merged, options.overrides as Record<string, unknown>);
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    // A misspelt key explains the other errors it causes: report it first.
    const issues = result.error.issues;
    const unknown = issues.find((i) => i.code === "unrecognized_keys");
    if (unknown && unknown.code === "unrecognized_keys") {
      const name = unknown.keys[0]!;
      const path = [...unknown.path, name];
      const where = file && valueAt(fromFile, path) !== undefined ? `(在 ${file} 中) ` : "";
      throw new ConfigError(
        joinPath(path),
        `${where}${describeUnknownKey(configSchema, unknown.path, name)}`,
      );
    }
    const issue = issues[0]!;
    const key = joinPath(issue.path);
    const shown = secretPaths.has(key) ? "" : describeValue(valueAt(merged, issue.path));
    throw new ConfigError(key, `${issue.message}${shown}`);
  }
  checkTimezone(result.data.timezone);
  const unsafe = findUnsafeSetting(result.data);
  if (unsafe) throw unsafe;
  return result.data;
}

function checkTimezone(tz: string): void {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
  } catch {
    throw new ConfigError("timezone", `不是有效的时区 "${tz}"`);
  }
}

function valueAt(obj: unknown, path: PropertyKey[]): unknown {
  let node = obj;
  for (const p of path)
    node = isPlainObject(node) || Array.isArray(node) ? (node as never)[p as never] : undefined;
  return node;
}

function describeValue(v: unknown): string {
  if (v === undefined) return " (未设置)";
  const text = JSON.stringify(v);
  return ` (当前值 ${text && text.length > 60 ? `${text.slice(0, 60)}…` : text})`;
}

/** The config with secrets replaced, safe to print or log. */
export function redactConfig(config: Config): Config {
  return {
    ...config,
    imap: { ...config.imap, pass: config.imap.pass ? "******" : "" },
    smtp: { ...config.smtp, pass: config.smtp.pass ? "******" : "" },
    web: { ...config.web, pass: config.web.pass ? "******" : "" },
    notify: {
      ...config.notify,
      wecomWebhook: config.notify.wecomWebhook.replace(/key=[^&]+/, "key=******"),
      dingtalkWebhook: config.notify.dingtalkWebhook.replace(/access_token=[^&]+/, "access_token=******"),
      dingtalkSecret: config.notify.dingtalkSecret ? "******" : "",
    },
    redisUrl: config.redisUrl.replace(/\/\/[^@/]*@/, "//******@"),
    databaseUrl: config.databaseUrl.replace(/\/\/[^@/]*@/, "//******@"),
  };
}
