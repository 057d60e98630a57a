import { type AppRoot, createRoot } from "../app/root.ts";

// The CLI's commands take what they need from the composition root (src/app/root.ts); nothing
// is opened until a command asks for it, so `config check` never touches the database.

/** What a CLI command is handed: the composition root. */
export type CliContext = AppRoot;

export function createCliContext(options: { configFile?: string } = {}): CliContext {
  return createRoot(options);
}
