// Real ONNX Runtime on the real shipped model: every test that needs the runtime lives in this
// file, because each file that imports it compiles the wasm again.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expose } from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { createScorer } from '../../models/uplift/onnx-scorer.js';
import {
  buildFeatures,
  FEATURE_COUNT,
  FEATURE_SPEC_VERSION,
  type FeatureProfile,
} from '../features/spec.js';
import { OfferwiseError } from '../util/errors.js';
import { DEFAULT_FALLBACK, DEFAULT_INLINE } from './default-fallback.js';
import { scoreFallback } from './fallback.js';
import { scoreInline } from './inline.js';
import { nanModel, NAN_FEATURE } from '../../test/support/nan-model.js';
import { invalidOutput, Predictor } from './predictor.js';
import type { ModelMetadata } from './types.js';
import { CHUNK_ROWS, createWorkerApi, MAX_ROWS, type WorkerApi } from './worker-api.js';
import type { WorkerLike } from './worker-client.js';
import { wrap } from 'comlink';

const MODEL = new Uint8Array(readFileSync(join(process.cwd(), 'models/default.onnx')));
const METADATA = JSON.parse(
  readFileSync(join(process.cwd(), 'models/default.json'), 'utf8'),
) as ModelMetadata;
const REQUEST = {
  model: MODEL,
  metadata: METADATA,
  featureSpecVersion: FEATURE_SPEC_VERSION,
  featureCount: FEATURE_COUNT,
};

/** A "worker" in this realm: the real worker API behind comlink on a MessageChannel. */
class PortWorker extends EventTarget implements WorkerLike {
  terminated = 0;
  constructor(private readonly port: MessagePort) {
    super();
    port.addEventListener('message', (event) =>
      this.dispatchEvent(new MessageEvent('message', { data: (event as MessageEvent).data })),
    );
    port.start();
  }
  postMessage(message: unknown, transfer: Transferable[] = []): void {
    this.port.postMessage(message, transfer);
  }
  terminate(): void {
    this.terminated++;
    this.port.close();
  }
}

function inProcessWorker(): PortWorker {
  const { port1, port2 } = new MessageChannel();
  expose(createWorkerApi(), port2);
  port2.start();
  return new PortWorker(port1);
}

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 28);
function shopper(i: number): FeatureProfile {
  const bought =
    i % 3 === 0
      ? []
      : [
          {
            category: i % 2 ? 'womens' : 'mens',
            count: 1 + (i % 4),
            lastAt: NOW - (i % 300) * DAY,
          },
        ];
  return {
    at: NOW,
    daysSinceLastPurchase: bought.length ? i % 300 : null,
    firstPurchaseAt: bought.length ? NOW - (400 - (i % 300)) * DAY : null,
    purchases: {
      d30: { count: 0, spend: 0 },
      d90: { count: 0, spend: 0 },
      d365: { count: i % 5, spend: (i * 37) % 900 },
      total: { count: i % 5, spend: (i * 37) % 900 },
      discounted: 0,
    },
    categories: [{ category: 'womens', score: i % 7 }],
    purchasedCategories: bought,
    segment: (['new', 'active', 'loyal', 'at_risk', 'lapsed', 'bargain_hunter'] as const)[i % 6]!,
    cart: { lines: [], itemCount: 0, value: (i * 13) % 200, currency: 'EUR' },
  };
}

function rowsOf(n: number): Float32Array {
  const out = new Float32Array(n * FEATURE_COUNT);
  for (let i = 0; i < n; i++) {
    buildFeatures(
      shopper(i),
      { type: 'coupon', category: i % 2 ? 'womens' : 'mens', percentOff: (i % 4) * 5 },
      { channel: 'web' },
      out,
      i * FEATURE_COUNT,
    );
  }
  return out;
}

const open: Predictor[] = [];
afterEach(() => open.splice(0).forEach((p) => p.destroy()));

describe('the worker API, with the real runtime and the shipped model', () => {
  const api = wrap<WorkerApi>(inProcessWorker() as never);

  it('loads the shipped model and scores as npm run eval does (within 1e-5)', async () => {
    const loaded = await api.load(REQUEST);
    expect(loaded.modelVersion).toBe(METADATA.modelSha256.slice(0, 12));
    expect(loaded.featureCount).toBe(34);
    const rows = rowsOf(300);
    const fromWorker = await api.score(rows, FEATURE_COUNT);
    const scorer = await createScorer(MODEL);
    const fromEval = await scorer.score(rowsOf(300), FEATURE_COUNT);
    await scorer.release();
    for (let i = 0; i < 300; i++) {
      expect(Math.abs(fromWorker.pTreated[i]! - fromEval.pTreated[i]!)).toBeLessThan(1e-5);
      expect(Math.abs(fromWorker.uplift[i]! - fromEval.uplift[i]!)).toBeLessThan(1e-5);
      expect(fromWorker.uplift[i]).toBeCloseTo(
        fromWorker.pTreated[i]! - fromWorker.pControl[i]!,
        6,
      );
    }
    expect(await api.warm()).toBeGreaterThanOrEqual(0);
  });

  it('handles empty, non-finite and oversized batches without crashing', async () => {
    await api.load(REQUEST);
    expect((await api.score(new Float32Array(0), FEATURE_COUNT)).uplift).toHaveLength(0);
    const rows = rowsOf(3);
    const dirty = rows.slice();
    dirty[2] = Number.NaN;
    dirty[FEATURE_COUNT + 5] = Number.POSITIVE_INFINITY;
    const clean = rows.slice();
    clean[2] = 0;
    clean[FEATURE_COUNT + 5] = 0;
    const a = await api.score(dirty, FEATURE_COUNT);
    const b = await api.score(clean, FEATURE_COUNT);
    expect(Array.from(a.uplift)).toEqual(Array.from(b.uplift));
    expect(Array.from(a.uplift).every(Number.isFinite)).toBe(true);
    // Past one chunk, rows are scored in pieces and stitched back in order.
    const many = rowsOf(CHUNK_ROWS + 5);
    const whole = await api.score(many, FEATURE_COUNT);
    const tail = await api.score(many.slice(CHUNK_ROWS * FEATURE_COUNT), FEATURE_COUNT);
    expect(Array.from(whole.uplift.subarray(CHUNK_ROWS))).toEqual(Array.from(tail.uplift));
    await expect(
      api.score(new Float32Array((MAX_ROWS + 1) * FEATURE_COUNT), FEATURE_COUNT),
    ).rejects.toMatchObject({
      name: 'invalid_input',
    });
    await expect(api.score(new Float32Array(7), FEATURE_COUNT)).rejects.toMatchObject({
      name: 'invalid_input',
    });
    // The worker is still fine.
    expect((await api.score(rows, FEATURE_COUNT)).uplift).toHaveLength(3);
  });

  it('refuses a model of another feature spec, and bytes that are not the model', async () => {
    const fresh = wrap<WorkerApi>(inProcessWorker() as never);
    await expect(
      fresh.load({ ...REQUEST, metadata: { ...METADATA, featureSpecVersion: 99 } }),
    ).rejects.toMatchObject({
      name: 'model_mismatch',
      message:
        'model metadata.featureSpecVersion: got 99, expected 1 (the model was trained on another feature spec)',
    });
    const corrupt = MODEL.slice();
    corrupt[100] = corrupt[100]! ^ 0xff;
    await expect(fresh.load({ ...REQUEST, model: corrupt })).rejects.toMatchObject({
      name: 'model_invalid',
    });
    await expect(
      fresh.load({ ...REQUEST, metadata: { ...METADATA, format: 'x' } as never }),
    ).rejects.toMatchObject({
      name: 'model_invalid',
    });
  });
});

describe('Predictor', () => {
  it('falls back until the model is ready, then scores with it', async () => {
    const diagnostics: string[] = [];
    const predictor = new Predictor({
      model: MODEL,
      metadata: METADATA,
      createWorker: inProcessWorker,
      startWhenIdle: false,
      onDiagnostic: (c) => diagnostics.push(c),
    });
    open.push(predictor);
    const rows = rowsOf(20);
    const before = rows.slice();
    const early = await predictor.score(rows, FEATURE_COUNT, { budgetMs: 0 });
    expect(early.source).toBe('fallback');
    expect(early.modelVersion).toBe(DEFAULT_FALLBACK.version);
    expect(early.reason).toBe('the model was not ready within 0 ms');
    expect(Array.from(early.uplift)).toEqual(
      Array.from(scoreFallback(DEFAULT_FALLBACK, rows, FEATURE_COUNT).uplift),
    );
    expect(await predictor.whenReady()).toBe(true);
    expect(predictor.state).toBe('ready');
    const late = await predictor.score(rows, FEATURE_COUNT);
    expect(late.source).toBe('model');
    expect(late.modelVersion).toBe(METADATA.modelSha256.slice(0, 12));
    expect(Array.from(rows)).toEqual(Array.from(before)); // the caller's rows are untouched
    const scorer = await createScorer(MODEL);
    const expected = await scorer.score(rows, FEATURE_COUNT);
    await scorer.release();
    for (let i = 0; i < 20; i++)
      expect(Math.abs(late.uplift[i]! - expected.uplift[i]!)).toBeLessThan(1e-6);
    expect(diagnostics).toEqual([]);
  });

  it('refuses a mismatched model once, with a diagnostic, and keeps scoring with the fallback', async () => {
    const diagnostics: [string, string][] = [];
    let created = 0;
    const predictor = new Predictor({
      model: MODEL,
      metadata: { ...METADATA, featureSpecVersion: 2 },
      createWorker: () => {
        created++;
        return inProcessWorker();
      },
      onDiagnostic: (code, message) => diagnostics.push([code, message]),
    });
    open.push(predictor);
    expect(await predictor.whenReady()).toBe(false);
    expect(predictor.state).toBe('fallback');
    const result = await predictor.score(rowsOf(2), FEATURE_COUNT, { budgetMs: 1000 });
    expect(result.source).toBe('fallback');
    expect(result.reason).toMatch(
      /^model_mismatch: model metadata.featureSpecVersion: got 2, expected 1/,
    );
    expect(diagnostics.map(([code]) => code)).toEqual(['model_mismatch']);
    expect(created).toBe(1); // a refused model is not fetched again by new workers
  });

  it('where no worker can be made (CSP, old browsers), scores the shipped model on the main thread', async () => {
    const diagnostics: string[] = [];
    const noWorker = () => {
      throw new DOMException('Refused to create a worker', 'SecurityError');
    };
    const predictor = new Predictor({
      createWorker: noWorker,
      onDiagnostic: (code) => diagnostics.push(code),
    });
    open.push(predictor);
    const rows = rowsOf(50);
    const result = await predictor.score(rows, FEATURE_COUNT, { budgetMs: 1000 });
    expect(result).toMatchObject({ source: 'model', engine: 'inline' });
    expect(result.modelVersion).toBe(METADATA.modelSha256.slice(0, 12));
    expect(predictor.state).toBe('fallback');
    expect(diagnostics).toContain('worker_unavailable');
    const scorer = await createScorer(MODEL);
    const expected = await scorer.score(rows, FEATURE_COUNT);
    await scorer.release();
    for (let i = 0; i < 50; i++)
      expect(Math.abs(result.uplift[i]! - expected.uplift[i]!)).toBeLessThanOrEqual(1e-6);
    // Without the copy (inline: false, or a shop's own model), the logistic fallback answers.
    const bare = new Predictor({ createWorker: noWorker, inline: false });
    open.push(bare);
    const fallback = await bare.score(rows, FEATURE_COUNT, { budgetMs: 1000 });
    expect(fallback.source).toBe('fallback');
    expect(fallback.modelVersion).toBe(DEFAULT_FALLBACK.version);
  });
});

describe("the main thread's copy of the shipped model (DEFAULT_INLINE)", () => {
  it('is the shipped file: same version, and scores as ONNX Runtime does to within 1e-6', async () => {
    expect(DEFAULT_INLINE.version).toBe(METADATA.modelSha256.slice(0, 12));
    const rows = rowsOf(2000);
    const scorer = await createScorer(MODEL);
    const expected = await scorer.score(rows, FEATURE_COUNT);
    await scorer.release();
    const copy = scoreInline(DEFAULT_INLINE, rows, FEATURE_COUNT);
    let worst = 0;
    for (let i = 0; i < 2000; i++) {
      for (const key of ['pTreated', 'pControl', 'uplift'] as const) {
        worst = Math.max(worst, Math.abs(copy[key][i]! - expected[key][i]!));
      }
    }
    expect(worst).toBeLessThanOrEqual(1e-6);
    // The rows vary enough for the check to mean something: they reach several leaves of the
    // shipped depth-3 tree (at most 8; a network would give about one value per row).
    expect(new Set(Array.from(expected.uplift)).size).toBeGreaterThanOrEqual(4);
  });

  it('answers before the worker is ready, then the worker takes over with the same scores', async () => {
    const predictor = new Predictor({
      model: MODEL,
      metadata: METADATA,
      inline: DEFAULT_INLINE,
      createWorker: inProcessWorker,
      startWhenIdle: false,
    });
    open.push(predictor);
    const rows = rowsOf(20);
    const early = await predictor.score(rows, FEATURE_COUNT, { budgetMs: 0 });
    expect(early).toMatchObject({
      source: 'model',
      engine: 'inline',
      modelVersion: METADATA.modelSha256.slice(0, 12),
      reason: 'the model was not ready within 0 ms',
    });
    expect(await predictor.whenReady()).toBe(true);
    const late = await predictor.score(rows, FEATURE_COUNT);
    expect(late).toMatchObject({ source: 'model', engine: 'worker' });
    for (let i = 0; i < 20; i++)
      expect(Math.abs(late.uplift[i]! - early.uplift[i]!)).toBeLessThanOrEqual(1e-6);
  });

  it('is not used for a copy of another feature spec', async () => {
    const predictor = new Predictor({
      model: MODEL,
      metadata: METADATA,
      inline: { ...DEFAULT_INLINE, featureSpecVersion: FEATURE_SPEC_VERSION + 1 },
      createWorker: inProcessWorker,
      startWhenIdle: false,
    });
    open.push(predictor);
    const early = await predictor.score(rowsOf(2), FEATURE_COUNT, { budgetMs: 0 });
    expect(early.source).toBe('fallback');
  });
});

describe('a model whose outputs are not probabilities (audit finding 7)', () => {
  const NAN = nanModel();

  it('the fixture is a valid file that ONNX Runtime loads, and it computes NaN for some rows', async () => {
    const api = wrap<WorkerApi>(inProcessWorker() as never);
    const loaded = await api.load({ ...REQUEST, model: NAN.bytes, metadata: NAN.metadata });
    expect(loaded.sha256).toBe(NAN.metadata.modelSha256);
    const rows = rowsOf(3);
    expect([0, 1, 2].map((i) => rows[i * FEATURE_COUNT + NAN_FEATURE])).toEqual([0, 1, 1]);
    const scores = await api.score(rows, FEATURE_COUNT);
    // Row 0: logit 3e38 − 3e38 = 0, so p = 0.5 in both heads; rows 1 and 2: ∞ − ∞ = NaN.
    expect(Array.from(scores.pTreated)).toEqual([0.5, NaN, NaN]);
    expect(Array.from(scores.pControl)).toEqual([0.5, NaN, NaN]);
    expect(Array.from(scores.uplift)).toEqual([0, NaN, NaN]);
  });

  it('answers with the fallback, reports model_invalid once naming output, row and value, and never uses the model again', async () => {
    const diagnostics: [string, string][] = [];
    let created = 0;
    const predictor = new Predictor({
      model: NAN.bytes,
      metadata: NAN.metadata,
      createWorker: () => {
        created++;
        return inProcessWorker();
      },
      startWhenIdle: false,
      onDiagnostic: (code, message) => diagnostics.push([code, message]),
    });
    open.push(predictor);
    expect(await predictor.whenReady()).toBe(true);
    const version = NAN.metadata.modelSha256.slice(0, 12);

    // A batch of sound rows only: the model's own answer.
    const sound = await predictor.score(rowsOf(1), FEATURE_COUNT);
    expect(sound.source).toBe('model');
    expect(sound.modelVersion).toBe(version);
    expect(Array.from(sound.pTreated)).toEqual([0.5]);

    // Row 1 is NaN: the whole call is answered by the fallback scorer.
    const rows = rowsOf(3);
    const result = await predictor.score(rows, FEATURE_COUNT);
    const expected = scoreFallback(DEFAULT_FALLBACK, rows, FEATURE_COUNT);
    expect(result.source).toBe('fallback');
    expect(result.modelVersion).toBe(DEFAULT_FALLBACK.version);
    expect(Array.from(result.uplift)).toEqual(Array.from(expected.uplift));
    expect(Array.from(result.pTreated)).toEqual(Array.from(expected.pTreated));
    expect([...result.pTreated, ...result.pControl, ...result.uplift].every(Number.isFinite)).toBe(
      true,
    );
    const message = `model output p_treated[1]: got NaN, expected a finite number from 0 to 1; model ${version} is not used again on this page`;
    expect(result.reason).toBe(`model_invalid: ${message}`);
    expect(diagnostics).toEqual([['model_invalid', `${message}; scoring with the fallback`]]);
    expect(predictor.state).toBe('fallback');
    expect(predictor.refusedBecause).toBe(`model_invalid: ${message}`);

    // Later calls, even of rows the model handles, stay with the fallback: no second diagnostic.
    const later = await Promise.all([
      predictor.score(rowsOf(1), FEATURE_COUNT),
      predictor.score(rowsOf(4), FEATURE_COUNT, { budgetMs: 1000 }),
    ]);
    expect(later.map((r) => r.source)).toEqual(['fallback', 'fallback']);
    expect(await predictor.whenReady()).toBe(false);
    expect(diagnostics).toHaveLength(1);
    expect(created).toBe(1);
  });
});

describe('invalidOutput()', () => {
  const f = (values: number[]) => Float32Array.from(values);
  const sound = { pTreated: f([0, 1, 0.25]), pControl: f([1, 0, 0.75]), uplift: f([-1, 1, -0.5]) };

  it('accepts probabilities in [0, 1] and an uplift in [-1, 1], bounds included', () => {
    expect(invalidOutput(sound, 3)).toBeUndefined();
  });

  it('names the first bad output, its row, its value and the range', () => {
    expect(invalidOutput({ ...sound, pControl: f([0.1, 1.5, NaN]) }, 3)).toBe(
      'model output p_control[1]: got 1.5, expected a finite number from 0 to 1',
    );
    expect(invalidOutput({ ...sound, pTreated: f([0, -0.25, 0]) }, 3)).toBe(
      'model output p_treated[1]: got -0.25, expected a finite number from 0 to 1',
    );
    expect(invalidOutput({ ...sound, uplift: f([0, 0, -Infinity]) }, 3)).toBe(
      'model output uplift[2]: got -Infinity, expected a finite number from -1 to 1',
    );
    expect(invalidOutput({ ...sound, uplift: f([0, 2, 0]) }, 3)).toBe(
      'model output uplift[1]: got 2, expected a finite number from -1 to 1',
    );
  });

  it('refuses an output with a value missing or too many', () => {
    expect(invalidOutput({ ...sound, uplift: f([0, 0]) }, 3)).toBe(
      'model output uplift: got 2 values, expected 3 (one per row)',
    );
    expect(invalidOutput(sound, 2)).toBe(
      'model output p_treated: got 3 values, expected 2 (one per row)',
    );
  });
});

describe('invalid input', () => {
  it('rejects rows of the wrong width', async () => {
    const predictor = new Predictor({ createWorker: inProcessWorker, startWhenIdle: false });
    open.push(predictor);
    await expect(predictor.score(new Float32Array(10), 10)).rejects.toBeInstanceOf(OfferwiseError);
  });
});
