/**
 * The catalog's two learning files: `segments` (shopper groups, `npm run segments`) and `effects`
 * (what each offer earned per group, `npm run learn`). The catalog names each by URL and SHA-256,
 * `{ "url": "/offerwise/segments.json", "sha256": "<64 hex>" }`, fetched and checked by the catalog
 * source, or carries the file inline (tests, the simulator; its own `sha256` field, when it has
 * one, says which file it is a copy of). Both are public and the same for every shopper.
 */
import { OfferwiseError } from '../util/errors.js';
import { isPlainObject } from '../util/guards.js';
import { validateEffects } from '../learning/effects.js';
import { validateSegments } from '../learning/segments.js';
import type { Effects, Segments } from '../learning/types.js';
import { bad, Bad, safeLink } from './fields.js';

export type LearningKind = 'segments' | 'effects';
export const LEARNING_KINDS: readonly LearningKind[] = ['segments', 'effects'];

/** A learning file named by URL: fetched, and used only if its bytes have this SHA-256. */
export interface LearningFileRef {
  url: string;
  /** Lower-case hex. */
  sha256: string;
}

/** What a catalog says about its learning files, by kind. */
export type LearningRefs = Partial<Record<LearningKind, LearningFileRef>>;

/** A learning file once checked, by kind. */
export interface LearningFiles {
  segments: Segments;
  effects: Effects;
}

const SHA256 = /^[0-9a-f]{64}$/i;
const REF_EXPECTED =
  '{ "url": a same-origin path or https: URL, "sha256": 64 hex digits }, or the file itself';

/** Validates a file of `kind` (throws `OfferwiseError` `invalid_segments` / `invalid_effects`). */
export function validateLearningFile<K extends LearningKind>(
  kind: K,
  raw: unknown,
): LearningFiles[K] {
  return (kind === 'segments' ? validateSegments(raw) : validateEffects(raw)) as LearningFiles[K];
}

/**
 * Reads the catalog's entry for `kind`: a reference to fetch, or the file inline (validated now).
 * Throws {@link Bad} naming the field; the catalog is kept without the file then.
 */
export function parseLearningEntry<K extends LearningKind>(
  kind: K,
  raw: unknown,
): { ref: LearningFileRef } | { file: LearningFiles[K] } {
  if (!isPlainObject(raw)) bad(kind, raw, REF_EXPECTED);
  if ('format' in raw) {
    let file: LearningFiles[K];
    try {
      file = validateLearningFile(kind, raw);
    } catch (error) {
      if (!(error instanceof OfferwiseError)) throw error;
      throw new Bad(error.field ?? kind, error.value, error.expected ?? 'a valid file');
    }
    if (raw.sha256 !== undefined) {
      if (typeof raw.sha256 !== 'string' || !SHA256.test(raw.sha256)) {
        bad(`${kind}.sha256`, raw.sha256, 'the SHA-256 of the file it copies, 64 hex digits');
      }
      file.sha256 = raw.sha256.toLowerCase();
    }
    return { file };
  }
  for (const key of Object.keys(raw)) {
    if (key !== 'url' && key !== 'sha256') bad(`${kind}.${key}`, raw[key], 'only url and sha256');
  }
  const url = typeof raw.url === 'string' ? safeLink(raw.url) : undefined;
  if (url === undefined) bad(`${kind}.url`, raw.url, 'a same-origin path or an https: URL');
  if (typeof raw.sha256 !== 'string' || !SHA256.test(raw.sha256)) {
    bad(`${kind}.sha256`, raw.sha256, '64 hex digits (the SHA-256 of the file)');
  }
  return { ref: { url, sha256: raw.sha256.toLowerCase() } };
}

/** SHA-256 of `bytes` in lower-case hex; rejects where `crypto.subtle` is missing (insecure pages). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new Error('crypto.subtle is not available (the page is not a secure context)');
  const digest = await subtle.digest('SHA-256', bytes as BufferSource);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
