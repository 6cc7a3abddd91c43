// `pixvault migrate`: apply the embedded migrations to the configured database and exit.
import { parseStorageConfig } from "../config.ts";
import { createConsoleLogger } from "../logger.ts";
import { openStorage } from "../compose/storage.ts";

export async function migrateCommand(argv: string[]): Promise<number> {
  const { config } = parseStorageConfig(argv);
  const storage = await openStorage(config, createConsoleLogger());
  storage.close();
  console.log(`pixvault: database ${config.databaseUrl} is up to date`);
  return 0;
}
