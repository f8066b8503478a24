/**
 * The main thread's only door to a worker. comlink stays behind this class: a call to a dead
 * worker never settles in comlink, so every call here has a timeout, pending calls are tracked and
 * rejected by the client itself, and a dead or wedged worker is terminated and respawned lazily.
 */
import { releaseProxy, transfer, wrap } from 'comlink';
import type { Endpoint, Remote } from 'comlink';
import type { PredictorDiagnosticCode } from '../util/diagnostic-codes.js';
import { describeError, OfferwiseError, fieldError } from '../util/errors.js';

export type WorkerState = 'idle' | 'starting' | 'ready' | 'failed' | 'destroyed';

/** What the client needs of a worker: the DOM Worker satisfies it; tests pass a fake. */
export interface WorkerLike extends EventTarget {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  terminate(): void;
}

export interface WorkerClientOptions<T> {
  /** Makes a new worker (e.g. () => new Worker(url, { type: 'module' })). May throw (CSP, no Worker): the client then fails permanently with worker_unavailable. */
  create: () => WorkerLike;
  /** Default timeout of every call, ms. */
  timeoutMs: number;
  /** Runs after each (re)spawn before any call goes through (e.g. load the model). If it rejects, the worker is considered dead (a failed ONNX Runtime init is permanent for its realm): terminate + respawn. */
  init?: (api: Remote<T>) => Promise<void>;
  /** Respawns allowed in total before the client gives up ('failed'), default 3. */
  maxRespawns?: number;
  /** Reports what happened (spawn failures, crashes, timeouts, respawns) — one line each, never throws into the client. */
  onDiagnostic?: (code: PredictorDiagnosticCode, message: string) => void;
}

export interface CallOptions {
  /** Timeout of this call, ms, start-up included; the client's default when omitted. */
  timeoutMs?: number;
}

const DEFAULT_MAX_RESPAWNS = 3;
/** Timeouts in a row, with no reply in between, after which the worker counts as wedged. */
const WEDGED_AFTER_TIMEOUTS = 2;
/** Longest wait for an idle period before starting anyway. */
const IDLE_START_TIMEOUT_MS = 2000;
/** setTimeout fires at once for longer delays, which would turn a timeout into an instant failure. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** One call (or ready() wait) the client owes an answer to. */
interface Pending<T> {
  readonly worker: Spawned<T>;
  fail(error: unknown): void;
}

/** One spawned worker with its comlink proxy; owns every listener added to the worker. */
class Spawned<T> {
  /** Held here for the worker's whole life: a collected proxy drops replies. */
  readonly api: Remote<T>;
  /** Resolves when init has succeeded; never rejects (a failed init is reported as a death). */
  readonly whenReady: Promise<void>;
  /** Set once `whenReady` has resolved: calls then go out at once, not a microtask later. */
  ready = false;
  private readonly listeners: Array<[string, EventListenerOrEventListenerObject]> = [];
  private open = true;

  constructor(
    private readonly worker: WorkerLike,
    init: ((api: Remote<T>) => Promise<void>) | undefined,
    onDeath: (message: string, cause?: unknown) => void,
  ) {
    this.listen('error', (event) => onDeath(`worker error: ${describeEvent(event)}`, event));
    this.listen('messageerror', () =>
      onDeath('worker sent a message that could not be deserialized; its reply is lost'),
    );
    // comlink never removes the listener it adds; routing it through here lets close() do it.
    const endpoint: Endpoint = {
      postMessage: (message: unknown, transfer?: Transferable[]) => {
        if (this.open) worker.postMessage(message, transfer);
      },
      addEventListener: (type, listener) => this.listen(type, listener),
      removeEventListener: (type, listener) => worker.removeEventListener(type, listener),
    };
    this.api = wrap<T>(endpoint);
    this.whenReady = new Promise<void>((resolve) => {
      Promise.resolve()
        .then(() => init?.(this.api))
        .then(
          () => {
            this.ready = true;
            resolve();
          },
          (error: unknown) => onDeath(`worker init failed (${describeError(error)})`, error),
        );
    });
  }

  /** Releases the proxy, removes every listener and terminates the worker; runs once. */
  close(): void {
    if (!this.open) return;
    this.open = false; // before releasing: the RELEASE message would go to a worker about to die
    try {
      this.api[releaseProxy]();
    } catch {
      // Already released; nothing left to free.
    }
    for (const [type, listener] of this.listeners) this.worker.removeEventListener(type, listener);
    this.listeners.length = 0;
    try {
      this.worker.terminate();
    } catch {
      // A worker that cannot be terminated is gone as far as we are concerned.
    }
  }

  private listen(type: string, listener: EventListenerOrEventListenerObject): void {
    this.listeners.push([type, listener]);
    this.worker.addEventListener(type, listener);
  }
}

/**
 * Marks `value` so that `buffers` move to the worker instead of being copied (comlink's
 * `transfer`, re-exported so that comlink stays behind this module). They are empty here afterwards.
 */
export function transferable<V>(value: V, buffers: Transferable[]): V {
  return transfer(value, buffers);
}

/**
 * Runs functions against a worker's comlink API with timeouts, reject-all on worker death and
 * lazy respawn. Never throws after construction: every failure is a rejected call.
 */
export class WorkerClient<T> {
  private readonly create: () => WorkerLike;
  private readonly timeoutMs: number;
  private readonly init: ((api: Remote<T>) => Promise<void>) | undefined;
  private readonly maxRespawns: number;
  private readonly onDiagnostic:
    ((code: PredictorDiagnosticCode, message: string) => void) | undefined;

  private current: WorkerState = 'idle';
  private worker: Spawned<T> | undefined;
  private readonly pending = new Set<Pending<T>>();
  private spawns = 0;
  private consecutiveTimeouts = 0;
  /** Why the client failed permanently; copied into every worker_unavailable rejection. */
  private failure: { message: string; cause: unknown } | undefined;
  private cancelIdleStart: (() => void) | undefined;

  constructor(options: WorkerClientOptions<T>) {
    if (typeof options.create !== 'function') {
      throw fieldError('invalid_config', 'create', options.create, 'a function returning a Worker');
    }
    checkTimeout('timeoutMs', options.timeoutMs);
    const maxRespawns = options.maxRespawns ?? DEFAULT_MAX_RESPAWNS;
    if (!Number.isInteger(maxRespawns) || maxRespawns < 0) {
      throw fieldError('invalid_config', 'maxRespawns', maxRespawns, 'an integer >= 0');
    }
    this.create = options.create;
    this.timeoutMs = options.timeoutMs;
    this.init = options.init;
    this.maxRespawns = maxRespawns;
    this.onDiagnostic = options.onDiagnostic;
  }

  get state(): WorkerState {
    return this.current;
  }

  /** Starts the worker now (idempotent). */
  start(): void {
    this.cancelIdleStart?.();
    this.cancelIdleStart = undefined;
    if (this.current === 'idle') this.spawn();
  }

  /** Starts it when the main thread is idle: requestIdleCallback (timeout 2 s) or setTimeout(…, 0) where missing (happy-dom and Safari have none). */
  startWhenIdle(): void {
    if (this.current !== 'idle' || this.cancelIdleStart) return;
    const run = (): void => {
      this.cancelIdleStart = undefined;
      this.start();
    };
    if (
      typeof globalThis.requestIdleCallback === 'function' &&
      typeof globalThis.cancelIdleCallback === 'function'
    ) {
      const handle = globalThis.requestIdleCallback(run, { timeout: IDLE_START_TIMEOUT_MS });
      this.cancelIdleStart = () => globalThis.cancelIdleCallback(handle);
    } else {
      const handle = setTimeout(run, 0);
      this.cancelIdleStart = () => clearTimeout(handle);
    }
  }

  /** Runs `fn` on the remote API once the worker is ready (starting it if needed). Rejects with OfferwiseError: 'worker_timeout' after timeoutMs (the call's own or the default; the timer covers waiting for start-up too), 'worker_crashed' when the worker errors/dies while the call is pending (ALL pending calls reject at once), 'worker_unavailable' when the client has failed permanently, 'destroyed' after destroy(). Never leaves a promise unsettled. */
  call<R>(fn: (api: Remote<T>) => Promise<R>, options?: CallOptions): Promise<R> {
    return this.run(fn, options) as Promise<R>;
  }

  /** Resolves once ready, or rejects as call() would; for warm-up code. */
  ready(options?: CallOptions): Promise<void> {
    return this.run<void>(undefined, options);
  }

  /** Terminates the worker, rejects everything pending with 'destroyed', removes listeners; idempotent. */
  destroy(): void {
    if (this.current === 'destroyed') return;
    this.current = 'destroyed';
    this.cancelIdleStart?.();
    this.cancelIdleStart = undefined;
    this.worker?.close();
    this.worker = undefined;
    this.rejectAll(new OfferwiseError('destroyed', 'worker client: destroyed'));
  }

  private run<R>(
    fn: ((api: Remote<T>) => Promise<R>) | undefined,
    options: CallOptions | undefined,
  ): Promise<R | undefined> {
    return new Promise<R | undefined>((resolve, reject) => {
      const timeoutMs = options?.timeoutMs ?? this.timeoutMs;
      try {
        checkTimeout('options.timeoutMs', timeoutMs);
      } catch (error) {
        reject(error);
        return;
      }
      if (this.current === 'destroyed') {
        reject(new OfferwiseError('destroyed', 'worker client: called after destroy()'));
        return;
      }
      const worker = this.worker ?? this.spawn();
      if (!worker) {
        reject(this.unavailable());
        return;
      }
      // Invariant: a pending entry leaves the set exactly when its promise settles, timer cleared.
      const settle = (): boolean => {
        if (!this.pending.delete(pending)) return false;
        clearTimeout(timer);
        return true;
      };
      const pending: Pending<T> = {
        worker,
        fail: (error) => {
          if (settle()) reject(error);
        },
      };
      this.pending.add(pending);
      const timer = setTimeout(() => this.timedOut(pending, timeoutMs), timeoutMs);

      const send = (): void => {
        if (!this.pending.has(pending)) return;
        if (!fn) {
          if (settle()) resolve(undefined);
          return;
        }
        let result: Promise<R>;
        try {
          result = Promise.resolve(fn(worker.api));
        } catch (error) {
          result = Promise.reject(error);
        }
        // Both branches handle the outcome, late or not: no unhandled rejection can escape.
        result.then(
          (value) => {
            this.answered(worker);
            if (settle()) resolve(value);
          },
          (error: unknown) => {
            // An Error thrown inside the worker is its answer, not a death: pass it through.
            this.answered(worker);
            pending.fail(error);
          },
        );
      };
      // A ready worker gets the message now, before call() returns, so that its round trip runs
      // while the caller goes on with other work; a starting one once it is ready.
      if (worker.ready) send();
      else void worker.whenReady.then(send);
    });
  }

  /** Creates a worker and starts its init; on failure the client fails for good. */
  private spawn(): Spawned<T> | undefined {
    if (this.current !== 'idle') return this.worker;
    const respawn = this.spawns > 0;
    let raw: WorkerLike;
    try {
      raw = this.create();
    } catch (error) {
      this.giveUp(`worker client: could not create a worker (${describeError(error)})`, error);
      return undefined;
    }
    this.spawns += 1;
    this.consecutiveTimeouts = 0;
    if (respawn) {
      this.report(
        'worker_respawn',
        `worker client: respawn ${this.spawns - 1} of at most ${this.maxRespawns}`,
      );
    }
    const worker: Spawned<T> = new Spawned<T>(raw, this.init, (message, cause) =>
      this.died(worker, message, cause),
    );
    this.worker = worker;
    this.current = 'starting';
    void worker.whenReady.then(() => {
      if (this.worker === worker) this.current = 'ready';
    });
    return worker;
  }

  private timedOut(pending: Pending<T>, timeoutMs: number): void {
    pending.fail(
      new OfferwiseError('worker_timeout', `worker call: no answer within ${timeoutMs} ms`, {
        value: timeoutMs,
      }),
    );
    if (pending.worker !== this.worker) return;
    this.consecutiveTimeouts += 1;
    this.report(
      'worker_timeout',
      `worker call: no answer within ${timeoutMs} ms (${this.consecutiveTimeouts} in a row)`,
    );
    if (this.consecutiveTimeouts >= WEDGED_AFTER_TIMEOUTS) {
      this.died(
        pending.worker,
        `worker wedged: ${this.consecutiveTimeouts} calls in a row timed out`,
      );
    }
  }

  /** Any reply, even a late or failed one, proves the worker is not wedged. */
  private answered(worker: Spawned<T>): void {
    if (worker === this.worker) this.consecutiveTimeouts = 0;
  }

  /** The worker is dead (error event, init failure, wedged): terminate it, reject all, maybe respawn later. */
  private died(worker: Spawned<T>, message: string, cause?: unknown): void {
    if (worker !== this.worker) return; // stale news about a worker already closed
    worker.close();
    this.worker = undefined;
    const respawnsUsed = this.spawns - 1;
    if (respawnsUsed < this.maxRespawns) {
      this.current = 'idle'; // respawned by the next call, never in a loop from here
      this.report('worker_crashed', `${message}; restarting it on the next call`);
    } else {
      this.report('worker_crashed', message);
      this.giveUp(
        `worker client: gave up after ${this.spawns} worker(s) died; last: ${message}`,
        cause,
      );
    }
    this.rejectAll(
      new OfferwiseError('worker_crashed', message, cause === undefined ? undefined : { cause }),
    );
  }

  private giveUp(message: string, cause: unknown): void {
    this.current = 'failed';
    this.failure = { message, cause };
    this.report('worker_unavailable', message);
  }

  private unavailable(): OfferwiseError {
    const failure = this.failure ?? { message: 'worker client: no worker', cause: undefined };
    return new OfferwiseError(
      'worker_unavailable',
      failure.message,
      failure.cause === undefined ? undefined : { cause: failure.cause },
    );
  }

  private rejectAll(error: OfferwiseError): void {
    for (const pending of [...this.pending]) pending.fail(error);
  }

  private report(code: PredictorDiagnosticCode, message: string): void {
    try {
      this.onDiagnostic?.(code, message);
    } catch {
      // A diagnostics listener must not be able to break the client.
    }
  }
}

function checkTimeout(field: string, value: unknown): void {
  if (typeof value !== 'number' || !(value > 0) || value > MAX_TIMEOUT_MS) {
    throw fieldError('invalid_config', field, value, `a number of ms in (0, ${MAX_TIMEOUT_MS}]`);
  }
}

function describeEvent(event: Event): string {
  const message = (event as Partial<ErrorEvent>).message;
  return typeof message === 'string' && message !== '' ? message : `'${event.type}' event`;
}
