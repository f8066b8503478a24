import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `models/`: where the shipped artifacts live (default.onnx, default.json, REPORT.md). */
export const MODELS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

/** `../shared/data` beside the repository: the real data sets, where this machine has them. */
export const SHARED_DATA_DIR = join(MODELS_DIR, '../../shared/data');

/** `data/` in the repository: where `npm run data` writes the real data sets. */
export const DATA_DIR = join(MODELS_DIR, '../data');

/**
 * A real data set's default path for a CLI flag: `../shared/data/<name>` where this machine has
 * it, else `data/<name>`, where `npm run data` writes it (whether it is there or not: the flag's
 * check then names that path, with {@link DATA_HINT}).
 */
export function realDataFile(name: string, shared = SHARED_DATA_DIR, local = DATA_DIR): string {
  return existsSync(join(shared, name)) ? join(shared, name) : join(local, name);
}

/** What to do when the default data file is missing. */
export const DATA_HINT = '`npm run data` fetches the real data sets into data/';
