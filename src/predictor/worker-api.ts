/**
 * What the predictor worker does, as a plain object so that tests can run it in-process (comlink
 * over a MessageChannel) with the real ONNX Runtime. `worker.ts` exposes it in the worker.
 * Errors cross the boundary as plain `Error`s whose `name` is an `OfferwiseError` code.
 */
import { transfer } from 'comlink';
import * as ort from 'onnxruntime-web/wasm';
import type { LoadedModel, ModelMetadata, UpliftScores } from './types.js';

/** Rows scored per `session.run`; larger batches are split, so memory stays bounded. */
export const CHUNK_ROWS = 4096;
/** Rows accepted in one call at most. */
export const MAX_ROWS = 100_000;
const OUTPUTS = ['p_treated', 'p_control', 'uplift'] as const;

export interface LoadRequest {
  /** The model: its bytes, or a URL fetched through the HTTP cache. */
  model: Uint8Array | string;
  /** Its metadata: the object, or a URL. */
  metadata: ModelMetadata | string;
  /** Where `ort-wasm-simd-threaded.wasm` is served; omitted in Node, where ORT finds its own. */
  wasmUrl?: string;
  /** The feature spec this SDK build computes. */
  featureSpecVersion: number;
  featureCount: number;
}

export interface WorkerApi {
  load(request: LoadRequest): Promise<LoadedModel>;
  score(rows: Float32Array, featureCount: number): Promise<UpliftScores>;
  /** One dummy run so that the first real one is fast; returns its time in ms. */
  warm(): Promise<number>;
  /** Scores `rounds` times inside the worker and returns the time of each, ms (benchmarks). */
  time(rows: Float32Array, featureCount: number, rounds: number): Promise<number[]>;
}

function failure(code: string, message: string): Error {
  const error = new Error(message);
  error.name = code; // comlink keeps name and message
  return error;
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url, { credentials: 'same-origin' });
  } catch (error) {
    throw failure('model_unavailable', `model: fetching ${url} failed (${String(error)})`);
  }
  if (!response.ok)
    throw failure('model_unavailable', `model: ${url} answered HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function fetchMetadata(url: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { credentials: 'same-origin' });
  } catch (error) {
    throw failure('model_unavailable', `model metadata: fetching ${url} failed (${String(error)})`);
  }
  if (!response.ok)
    throw failure('model_unavailable', `model metadata: ${url} answered HTTP ${response.status}`);
  try {
    return await response.json();
  } catch {
    throw failure('model_invalid', `model metadata: ${url} is not JSON`);
  }
}

/** Checks the metadata against what this SDK computes; names the field, the value and what was expected. */
export function checkMetadata(
  raw: unknown,
  featureSpecVersion: number,
  featureCount: number,
): ModelMetadata {
  const m = (raw ?? {}) as Partial<ModelMetadata>;
  if (typeof raw !== 'object' || raw === null || m.format !== 'offerwise-model') {
    throw failure(
      'model_invalid',
      `model metadata.format: got ${JSON.stringify(m.format)}, expected "offerwise-model"`,
    );
  }
  if (m.featureSpecVersion !== featureSpecVersion) {
    throw failure(
      'model_mismatch',
      `model metadata.featureSpecVersion: got ${JSON.stringify(m.featureSpecVersion)}, expected ${featureSpecVersion} (the model was trained on another feature spec)`,
    );
  }
  if (m.featureCount !== featureCount) {
    throw failure(
      'model_mismatch',
      `model metadata.featureCount: got ${JSON.stringify(m.featureCount)}, expected ${featureCount}`,
    );
  }
  if (typeof m.modelSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(m.modelSha256)) {
    throw failure(
      'model_invalid',
      `model metadata.modelSha256: got ${JSON.stringify(m.modelSha256)}, expected 64 hex digits`,
    );
  }
  return m as ModelMetadata;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as BufferSource);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Copies rows only when one of them is not finite; such values become 0, the spec's missing value. */
function sanitized(rows: Float32Array): Float32Array {
  for (let i = 0; i < rows.length; i++) {
    if (!Number.isFinite(rows[i]!)) {
      const copy = rows.slice();
      for (let j = i; j < copy.length; j++) if (!Number.isFinite(copy[j]!)) copy[j] = 0;
      return copy;
    }
  }
  return rows;
}

export function createWorkerApi(): WorkerApi {
  let session: ort.InferenceSession | undefined;
  let loaded: LoadedModel | undefined;
  let inputName = 'features';
  let width = 0;

  async function run(rows: Float32Array, featureCount: number): Promise<UpliftScores> {
    if (!session || !loaded) throw failure('model_unavailable', 'score(): no model is loaded');
    if (featureCount !== width) {
      throw failure(
        'invalid_input',
        `score(): featureCount: got ${featureCount}, expected ${width}`,
      );
    }
    if (rows.length % featureCount !== 0) {
      throw failure(
        'invalid_input',
        `score(): rows.length: got ${rows.length}, expected a multiple of ${featureCount}`,
      );
    }
    const n = rows.length / featureCount;
    if (n > MAX_ROWS)
      throw failure('invalid_input', `score(): got ${n} rows, expected at most ${MAX_ROWS}`);
    const out: UpliftScores = {
      pTreated: new Float32Array(n),
      pControl: new Float32Array(n),
      uplift: new Float32Array(n),
    };
    const clean = sanitized(rows);
    for (let start = 0; start < n; start += CHUNK_ROWS) {
      const count = Math.min(CHUNK_ROWS, n - start);
      const input = new ort.Tensor(
        'float32',
        clean.subarray(start * width, (start + count) * width),
        [count, width],
      );
      const result = await session.run({ [inputName]: input });
      out.pTreated.set(result.p_treated!.data as Float32Array, start);
      out.pControl.set(result.p_control!.data as Float32Array, start);
      out.uplift.set(result.uplift!.data as Float32Array, start);
    }
    return out;
  }

  return {
    async load(request) {
      if (loaded) return loaded; // one session per worker: load a new model in a new worker
      const started = performance.now();
      // Eight bytes that any WebAssembly engine compiles: if this fails, wasm is blocked here (a
      // CSP without 'wasm-unsafe-eval') and no retry can help, so say so before fetching 14 MB.
      try {
        await WebAssembly.compile(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
      } catch (error) {
        throw failure(
          'runtime_blocked',
          `WebAssembly cannot be compiled here (${String((error as Error)?.message ?? error)}); a Content Security Policy needs 'wasm-unsafe-eval' in script-src`,
        );
      }
      const metadata = checkMetadata(
        typeof request.metadata === 'string'
          ? await fetchMetadata(request.metadata)
          : request.metadata,
        request.featureSpecVersion,
        request.featureCount,
      );
      const bytes =
        typeof request.model === 'string' ? await fetchBytes(request.model) : request.model;
      const actual = await sha256Hex(bytes);
      if (actual !== metadata.modelSha256) {
        throw failure(
          'model_invalid',
          `model bytes: SHA-256 ${actual.slice(0, 12)}…, expected ${metadata.modelSha256.slice(0, 12)}… (corrupt or not the model its metadata describes)`,
        );
      }
      const fetched = performance.now();
      ort.env.wasm.numThreads = 1;
      ort.env.wasm.proxy = false;
      if (request.wasmUrl !== undefined) ort.env.wasm.wasmPaths = { wasm: request.wasmUrl };
      try {
        session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
      } catch (error) {
        // A failed wasm initialisation is permanent for this realm: the client respawns the worker.
        const message = String((error as Error)?.message ?? error);
        const code = /wasm|WebAssembly|CompileError|magic/i.test(message)
          ? 'runtime_unavailable'
          : 'model_invalid';
        throw failure(code, `ONNX Runtime: ${message}`);
      }
      const missing = OUTPUTS.filter((name) => !session!.outputNames.includes(name));
      if (session.inputNames.length !== 1 || missing.length > 0) {
        throw failure(
          'model_invalid',
          `model: expected one input and outputs ${OUTPUTS.join(', ')}, missing ${missing.join(', ') || 'nothing'}`,
        );
      }
      inputName = session.inputNames[0]!;
      width = request.featureCount;
      loaded = {
        modelVersion: actual.slice(0, 12),
        sha256: actual,
        family: metadata.family ?? 'unknown',
        featureCount: width,
        fetchMs: fetched - started,
        createMs: performance.now() - fetched,
      };
      return loaded;
    },

    async score(rows, featureCount) {
      if (rows.length === 0) {
        return {
          pTreated: new Float32Array(0),
          pControl: new Float32Array(0),
          uplift: new Float32Array(0),
        };
      }
      const out = await run(rows, featureCount);
      return transfer(out, [out.pTreated.buffer, out.pControl.buffer, out.uplift.buffer]);
    },

    async warm() {
      const started = performance.now();
      await run(new Float32Array(width), width);
      return performance.now() - started;
    },

    async time(rows, featureCount, rounds) {
      const times: number[] = [];
      for (let i = 0; i < rounds; i++) {
        const started = performance.now();
        await run(rows, featureCount);
        times.push(performance.now() - started);
      }
      return times;
    },
  };
}
