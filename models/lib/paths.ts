import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `models/`: where the shipped artifacts live (default.onnx, default.json, REPORT.md). */
export const MODELS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

/** `../shared/data` beside the repository: the real data sets, where this machine has them. */
export const SHARED_DATA_DIR = join(MODELS_DIR, '../../shared/data');
