import { type OpenedDb, openDb } from "../adapters/db/connect.ts";
import { createRepositories, type Repositories } from "../adapters/db/repositories.ts";
import { ContentStore } from "../adapters/store/content-store.ts";
import { checkDataDir } from "../app/preflight.ts";
import { systemClock } from "../clock.ts";
import { loadConfig } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { createLogger, type Logger } from "../logger.ts";
import { assertConfigUnitsKnown } from "../usecases/check-config-units.ts";

/** DATA_DIR usable, the database reachable and migrated, config's units all in the registry. */
export async function openCheckedDb(config: Config): Promise<OpenedDb> {
  checkDataDir(config.dataDir);
  const opened = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await assertConfigUnitsKnown(createRepositories({ ...opened, clock: systemClock }), config);
  } catch (err) {
    await opened.close();
    throw err;
  }
  return opened;
}

/** What a CLI command needs; opened lazily so `config check` never touches the database. */
export interface CliContext {
  config(): Config;
  db(): Promise<OpenedDb>;
  /** The repositories on db(), stamping with the system clock. */
  repos(): Promise<Repositories>;
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
      db ??= openCheckedDb(ctx.config());
      return db;
    },
    repos: async () => {
      const { db, backend } = await ctx.db();
      return createRepositories({ db, backend, clock: systemClock });
    },
    store: () => {
      checkDataDir(ctx.config().dataDir);
      return new ContentStore(ctx.config().dataDir);
    },
    logger: () => {
      logger ??= createLogger();
      return logger;
    },
    close: async () => {
      // A database that failed to open has nothing to close; its error was reported already.
      const opened = await db?.catch(() => undefined);
      await opened?.close();
    },
  };
  return ctx;
}
