import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// The CLI imports a command's module only when its word is on the command line (src/cli/main.ts):
// a module missing from that table would be a command nobody can run.
describe("the CLI's command table", () => {
  it("lists every command module, under the word it registers", () => {
    const dir = join(import.meta.dirname, "../../src/cli/commands");
    const main = readFileSync(join(import.meta.dirname, "../../src/cli/main.ts"), "utf8");
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
      const source = readFileSync(join(dir, file), "utf8");
      const register = source.match(/export function (register\w+)\(program/)?.[1];
      if (!register) continue; // shared helpers (options.ts)
      const word = source.match(/program\s*\.command\("([\w-]+)"\)/)?.[1];
      expect(main, `${file}`).toContain(
        `${word}: async () => (await import("./commands/${file}")).${register}`,
      );
    }
  });
});
