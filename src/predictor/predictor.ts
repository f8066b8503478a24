import { FEATURE_COUNT, FEATURE_SPEC_VERSION } from '../features/spec.js';
import type { PredictorDiagnosticCode } from '../util/diagnostic-codes.js';
import { OfferwiseError } from '../util/errors.js';
import { trustedScriptUrl } from '../util/trusted.js';
import { assetUrl, describeScriptUrl, metadataUrlFor } from './assets.js';
import { DEFAULT_FALLBACK, DEFAULT_INLINE } from './default-fallback.js';
import { scoreFallback, type LinearUpliftModel } from './fallback.js';
import { scoreInline, type InlineModel } from './inline.js';
import type { LoadedModel, ModelMetadata, UpliftScores } from './types.js';
import type { WorkerApi } from './worker-api.js';
import { transferable, WorkerClient, type WorkerLike } from './worker-client.js';

export interface PredictorOptions {
  /** URL of the ONNX model, or its bytes; default: the model shipped beside the SDK. */
  model?: string | Uint8Array;
  /** Its metadata (object or URL); default: the model URL with `.json` for `.onnx`. */
  metadata?: string | ModelMetadata;
  /** URL of `ort-wasm-simd-threaded.wasm`; default: the copy shipped beside the SDK. */
  wasmUrl?: string;
  /** URL of the worker script; default: the one shipped beside the SDK (same origin as the page). */
  workerUrl?: string;
  /**
   * A folder holding the shipped files under their `dist/` names (a CDN path): the default
   * worker, `.wasm`, model and metadata are looked for there instead of next to the SDK's module.
   */
  assetBase?: string;
  /** Coefficients of the fallback scorer; default: the baseline trained with the default model. */
  fallback?: LinearUpliftModel;
  /**
   * The main thread's copy of the model, used until the worker is ready and wherever it cannot
   * run; default: the shipped model's copy when `model` is not given, none otherwise (the SDK has
   * no copy of a shop's own model). `false`: none.
   */
  inline?: InlineModel | false;
  /** Timeout of one scoring call to the worker, ms. Default 1,000. */
  callTimeoutMs?: number;
  /** Time allowed to fetch the model and start ONNX Runtime, ms. Default 30,000. */
  loadTimeoutMs?: number;
  /** Start the worker when the page is idle (default) rather than at the first score. */
  startWhenIdle?: boolean;
  /** Reports problems worked around (refused model, crashed worker, …). */
  onDiagnostic?: (code: PredictorDiagnosticCode, message: string) => void;
  /** Makes the worker; tests pass a fake. Default: a module `Worker` on `workerUrl`. */
  createWorker?: () => WorkerLike;
}

/** Scores and which scorer produced them. */
export interface ScoreResult extends UpliftScores {
  source: 'model' | 'fallback';
  /**
   * For model scores: ONNX Runtime in the worker, or the main thread's copy of the same model
   * (while the worker starts, or where it cannot run; equal to within 1e-6).
   */
  engine?: 'worker' | 'inline';
  /** The model's version (12 hex digits of its SHA-256), or the fallback's. */
  modelVersion: string;
  /** Why the worker's model was not used. */
  reason?: string;
}

export type PredictorState = 'idle' | 'loading' | 'ready' | 'fallback' | 'destroyed';

/** Failures that no new worker can fix: the model is refused, or wasm is blocked on this page. */
const PERMANENT: ReadonlySet<PredictorDiagnosticCode> = new Set([
  'model_mismatch',
  'model_invalid',
  'model_unavailable',
  'runtime_blocked',
]);

/** What the worker client's failures to load are reported as (its errors carry these codes). */
const LOAD_FAILURES: ReadonlySet<PredictorDiagnosticCode> = new Set([
  'worker_timeout',
  'worker_crashed',
  'worker_unavailable',
]);

/** Whether `code` (from an error, any string) is one of `codes`. */
function oneOf<C extends string>(codes: ReadonlySet<C>, code: string): code is C {
  return (codes as ReadonlySet<string>).has(code);
}

function errorCode(error: unknown): string {
  if (error instanceof OfferwiseError) return error.code;
  return (error as { name?: string } | null)?.name ?? 'error';
}

function errorMessage(error: unknown): string {
  return (error as { message?: string } | null)?.message ?? String(error);
}

/** What each output must hold: a probability, or a difference of two. */
const OUTPUT_RANGES = [
  ['p_treated', 'pTreated', 0, 1],
  ['p_control', 'pControl', 0, 1],
  ['uplift', 'uplift', -1, 1],
] as const;

/**
 * The first output value that no uplift model can give (not finite, out of range, or a row
 * missing), as `model output <name>[row]: got …, expected …`; undefined when all are sound. A model
 * that passed its SHA check can still compute NaN (overflowing weights, a bad export), and one NaN
 * propensity makes every later report of that decision invalid.
 */
export function invalidOutput(scores: UpliftScores, rows: number): string | undefined {
  for (const [name, key, min, max] of OUTPUT_RANGES) {
    const values: unknown = scores[key];
    if (!(values instanceof Float32Array) || values.length !== rows) {
      const got = values instanceof Float32Array ? `${values.length} values` : typeof values;
      return `model output ${name}: got ${got}, expected ${rows} (one per row)`;
    }
    for (let row = 0; row < rows; row++) {
      const value = values[row]!;
      if (!(value >= min && value <= max)) {
        return `model output ${name}[${row}]: got ${value}, expected a finite number from ${min} to ${max}`;
      }
    }
  }
  return undefined;
}

/**
 * Scores rows of features with the ONNX model in a Web Worker, or with the fallback scorer when
 * the model is not ready within the caller's budget, cannot run here, or was refused. Never
 * rejects and never blocks the main thread on the model.
 */
export class Predictor {
  private readonly fallbackModel: LinearUpliftModel;
  private readonly inline: InlineModel | undefined;
  private readonly client: WorkerClient<WorkerApi> | undefined;
  private loadedModel: LoadedModel | undefined;
  /** Set when the model or the runtime cannot be used on this page: permanent. */
  private refusal: string | undefined;
  private loading: Promise<boolean> | undefined;
  private destroyed = false;
  /** The worker script's URL, probed once when the worker fails before the model is loaded. */
  private probeUrl: string | undefined;
  /** Diagnostics wait behind the probe, so that they arrive in order. */
  private reports: Promise<void> | undefined;

  constructor(private readonly options: PredictorOptions = {}) {
    this.fallbackModel = options.fallback ?? DEFAULT_FALLBACK;
    const inline = options.inline ?? (options.model === undefined ? DEFAULT_INLINE : false);
    // A copy made for another feature spec (a stale build) would read the rows wrongly.
    this.inline =
      inline &&
      inline.featureSpecVersion === FEATURE_SPEC_VERSION &&
      inline.featureCount === FEATURE_COUNT
        ? inline
        : undefined;
    const supported =
      options.createWorker !== undefined ||
      (typeof Worker !== 'undefined' && typeof WebAssembly === 'object');
    if (!supported) {
      this.refuse(
        'worker_unavailable',
        'Web Workers or WebAssembly are not available in this browser',
      );
      return;
    }
    const base = options.assetBase;
    const modelUrl = options.model ?? assetUrl('model', base);
    const request = {
      model: modelUrl,
      metadata:
        options.metadata ??
        (typeof options.model === 'string'
          ? metadataUrlFor(options.model)
          : assetUrl('metadata', base)),
      wasmUrl: options.wasmUrl ?? assetUrl('wasm', base),
      featureSpecVersion: FEATURE_SPEC_VERSION,
      featureCount: FEATURE_COUNT,
    };
    const workerUrl = options.workerUrl ?? assetUrl('worker', base);
    if (!options.createWorker || options.workerUrl !== undefined) this.probeUrl = workerUrl;
    this.client = new WorkerClient<WorkerApi>({
      create:
        options.createWorker ??
        (() =>
          new Worker(trustedScriptUrl(workerUrl), { type: 'module', name: 'offerwise-predictor' })),
      timeoutMs: options.callTimeoutMs ?? 1000,
      maxRespawns: 2,
      onDiagnostic: (code, message) => this.report(code, message),
      init: async (api) => {
        if (this.refusal !== undefined) return;
        try {
          this.loadedModel = await api.load(request);
        } catch (error) {
          const code = errorCode(error);
          // A model we refuse stays refused: respawning would only fetch it again.
          if (oneOf(PERMANENT, code)) {
            this.refuse(code, errorMessage(error));
            return;
          }
          throw error; // the runtime failed to start: a new worker (a new realm) may succeed
        }
        await api.warm();
      },
    });
    if (options.startWhenIdle !== false) this.client.startWhenIdle();
  }

  private report(code: PredictorDiagnosticCode, message: string): void {
    const deliver = (text: string) => {
      try {
        this.options.onDiagnostic?.(code, text);
      } catch {
        // an integrator's listener must not break scoring
      }
    };
    if (this.reports) {
      this.reports = this.reports.then(() => deliver(message));
    } else if (this.probeUrl !== undefined && !this.loadedModel && code === 'worker_crashed') {
      // The worker's 'error' event says nothing about why (a 404, a bundler that did not emit
      // the file, a server's SPA fallback answering text/html): ask its URL what it serves.
      const url = this.probeUrl;
      this.probeUrl = undefined;
      this.reports = describeScriptUrl(url).then((found) => deliver(`${message}; ${found}`));
    } else {
      deliver(message);
    }
  }

  private refuse(code: PredictorDiagnosticCode, message: string): void {
    if (this.refusal !== undefined) return;
    this.refusal = `${code}: ${message}`;
    this.report(
      code,
      `${message}; scoring with ${this.inline ? "the main thread's copy of the model" : 'the fallback'}`,
    );
    // Nothing left for the worker to do: free its memory once the current init has returned.
    setTimeout(() => this.client?.destroy(), 0);
  }

  get state(): PredictorState {
    if (this.destroyed) return 'destroyed';
    if (this.refusal !== undefined || this.client?.state === 'failed') return 'fallback';
    if (this.loadedModel) return 'ready';
    return this.loading || this.client?.state === 'starting' ? 'loading' : 'idle';
  }

  /** The loaded model, once there is one. */
  get model(): LoadedModel | undefined {
    return this.loadedModel;
  }

  /** Why scores come from the fallback for good (refused model, no worker), if they do. */
  get refusedBecause(): string | undefined {
    return this.refusal;
  }

  /** Resolves true once the model is ready, false when it will not be (never rejects). */
  whenReady(): Promise<boolean> {
    if (!this.client || this.refusal !== undefined) return Promise.resolve(false);
    this.loading ??= this.client.ready({ timeoutMs: this.options.loadTimeoutMs ?? 30_000 }).then(
      () => this.loadedModel !== undefined && this.refusal === undefined,
      (error: unknown) => {
        this.loading = undefined; // a later call may try again (respawn)
        // Destroyed meanwhile: nobody is left to tell.
        if (this.destroyed) return false;
        const code = errorCode(error);
        this.report(
          oneOf(LOAD_FAILURES, code) ? code : 'worker_unavailable',
          `the model did not load: ${errorMessage(error)}`,
        );
        return false;
      },
    );
    return this.loading;
  }

  /**
   * Scores without the worker: with the main thread's copy of the model when there is one (and it
   * gives sound outputs), else with the fallback.
   */
  private fallback(rows: Float32Array, featureCount: number, reason: string): ScoreResult {
    if (this.inline) {
      try {
        const scores = scoreInline(this.inline, rows, featureCount);
        if (invalidOutput(scores, rows.length / featureCount) === undefined) {
          return {
            ...scores,
            source: 'model',
            engine: 'inline',
            modelVersion: this.inline.version,
            reason,
          };
        }
      } catch {
        // a malformed copy: the fallback below answers
      }
    }
    return {
      ...scoreFallback(this.fallbackModel, rows, featureCount),
      source: 'fallback',
      modelVersion: this.fallbackModel.version,
      reason,
    };
  }

  /**
   * Scores `rows` (`N × featureCount` floats). Waits at most `budgetMs` (default 50) for the model
   * to become ready, then uses the fallback. `rows` is left untouched (a copy is transferred).
   * Rejects only for malformed input (`invalid_input`); every other problem gives fallback scores.
   */
  async score(
    rows: Float32Array,
    featureCount: number,
    options: { budgetMs?: number } = {},
  ): Promise<ScoreResult> {
    if (
      !(rows instanceof Float32Array) ||
      featureCount !== FEATURE_COUNT ||
      rows.length % featureCount !== 0
    ) {
      throw new OfferwiseError(
        'invalid_input',
        `score(): got ${rows instanceof Float32Array ? `${rows.length} floats` : typeof rows} of width ${featureCount}, expected a Float32Array of rows of ${FEATURE_COUNT} features`,
      );
    }
    if (this.destroyed) return this.fallback(rows, featureCount, 'destroyed');
    if (!this.client || this.refusal !== undefined)
      return this.fallback(rows, featureCount, this.refusal ?? 'no worker');
    if (this.client.state === 'failed')
      return this.fallback(rows, featureCount, 'the worker could not be started');
    if (rows.length === 0) {
      return {
        pTreated: new Float32Array(0),
        pControl: new Float32Array(0),
        uplift: new Float32Array(0),
        ...(this.loadedModel
          ? { source: 'model' as const, engine: 'worker' as const }
          : this.inline
            ? { source: 'model' as const, engine: 'inline' as const }
            : { source: 'fallback' as const }),
        modelVersion:
          this.loadedModel?.modelVersion ?? this.inline?.version ?? this.fallbackModel.version,
      };
    }
    if (!this.loadedModel) {
      const budget = options.budgetMs ?? 50;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const ready = await Promise.race([
        this.whenReady(),
        new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), budget))),
      ]);
      clearTimeout(timer);
      if (!ready || !this.loadedModel) {
        return this.fallback(
          rows,
          featureCount,
          this.refusal ?? `the model was not ready within ${budget} ms`,
        );
      }
    }
    const payload = rows.slice();
    try {
      const scores = await this.client.call((api) =>
        api.score(transferable(payload, [payload.buffer]), featureCount),
      );
      const invalid = invalidOutput(scores, rows.length / featureCount);
      if (invalid !== undefined) {
        // Refused for the page (one diagnostic): later rows could hit the same fault.
        this.refuse(
          'model_invalid',
          `${invalid}; model ${this.loadedModel.modelVersion} is not used again on this page`,
        );
      }
      // Refused meanwhile, by this call or one that ran beside it.
      if (this.refusal !== undefined) return this.fallback(rows, featureCount, this.refusal);
      return {
        ...scores,
        source: 'model',
        engine: 'worker',
        modelVersion: this.loadedModel.modelVersion,
      };
    } catch (error) {
      return this.fallback(rows, featureCount, `${errorCode(error)}: ${errorMessage(error)}`);
    }
  }

  /**
   * Times `rounds` scoring runs of `rows` inside the worker, without messaging, ms each: the
   * benchmark's view of what ONNX Runtime itself costs. Rejects when the model is not ready.
   */
  async measure(rows: Float32Array, featureCount: number, rounds: number): Promise<number[]> {
    if (!this.client || !this.loadedModel) {
      throw new OfferwiseError('model_unavailable', 'measure(): the model is not loaded');
    }
    const payload = rows.slice();
    return this.client.call(
      (api) => api.time(transferable(payload, [payload.buffer]), featureCount, rounds),
      {
        timeoutMs: 60_000,
      },
    );
  }

  /** Terminates the worker. Later scores come from the fallback. */
  destroy(): void {
    this.destroyed = true;
    this.client?.destroy();
  }
}
