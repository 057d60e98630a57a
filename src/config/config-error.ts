import { envKeys, examples } from "./schema.ts";

/** A setting that is wrong or missing; the message is one line: key, problem, example. */
export class ConfigError extends Error {
  constructor(
    readonly key: string,
    problem: string,
  ) {
    // A problem that already shows how to write the fix needs no second example.
    const example =
      examples[key] && !problem.includes("例如") && !problem.includes(examples[key])
        ? `，例如 ${examples[key]}`
        : "";
    const envName = Object.entries(envKeys).find(([, path]) => path === key)?.[0];
    super(`配置错误: ${key}${envName ? ` (环境变量 ${envName})` : ""} ${problem}${example}`);
    this.name = "ConfigError";
  }
}
