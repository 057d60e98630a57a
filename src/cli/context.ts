import { type OpenedDb, openDb } from "../adapters/db/connect.ts";
import { ContentStore } from "../adapters/store/content-store.ts";
import { loadConfig } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { createLogger, type Logger } from "../logger.ts";

/** What a CLI command needs; opened lazily so `config check` never touches the database. */
export interface CliContext {
  config(): Config;
  db(): Promise<OpenedDb>;
  store(): ContentStore;
  logger(): Logger;
  /** Closes whatever was opened. */
  close(): Promise<void>;
}

export function createCliContext(options: { configFile?: string } = {}): CliContext {
  let config: Config | undefined;
  let db: Promise<OpenedDb> | undefined;
  let logger: Logger | undefined;
  const ctx: CliContext = {
    config: () => {
      config ??= loadConfig(options.configFile ? { file: options.configFile } : {});
      return config;
    },
    db: () => {
      const c = ctx.config();
      db ??= openDb({ databaseUrl: c.databaseUrl, dataDir: c.dataDir });
      return db;
    },
    store: () => new ContentStore(ctx.config().dataDir),
    logger: () => {
      logger ??= createLogger();
      return logger;
    },
    close: async () => {
      if (db) await (await db).close();
    },
  };
  return ctx;
}
