// @vitest-environment happy-dom
import { expose } from 'comlink';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { OfferwiseError } from '../util/errors.js';
import {
  WorkerClient,
  transferable,
  type WorkerClientOptions,
  type WorkerLike,
} from './worker-client.js';

interface TestApi {
  add(a: number, b: number): number;
  /** Throws an Error the way worker code reports failures: the code in `name`. */
  fail(name: string, message: string): never;
  /** Never answers: a slow or wedged worker. */
  hang(): Promise<number>;
  /** What `init` calls; rejects when the worker was built to fail its start-up. */
  load(): Promise<void>;
  /** Byte length of what arrived, to check transfers. */
  size(bytes: Uint8Array): number;
}

interface ApiBehaviour {
  /** load() rejects. */
  loadFails?: boolean;
  /** load() never settles. */
  loadHangs?: boolean;
}

function makeApi(behaviour: ApiBehaviour = {}): TestApi {
  return {
    add: (a, b) => a + b,
    fail(name, message) {
      const error = new Error(message);
      error.name = name;
      throw error;
    },
    hang: () => new Promise<number>(() => undefined),
    load: () => {
      if (behaviour.loadHangs) return new Promise<void>(() => undefined);
      return behaviour.loadFails
        ? Promise.reject(new Error('previous call to initializeWebAssembly() failed'))
        : Promise.resolve();
    },
    size: (bytes) => bytes.byteLength,
  };
}

/**
 * A Worker stand-in: comlink exposes the API on port2 of a real MessageChannel; this object
 * forwards to port1 and re-dispatches port1's replies as its own 'message' events, as a Worker does.
 */
class FakeWorker extends EventTarget implements WorkerLike {
  terminateCalls = 0;
  private readonly near: MessagePort;
  private readonly far: MessagePort;
  private readonly listening = new Map<string, number>();

  constructor(api: TestApi) {
    super();
    const { port1, port2 } = new MessageChannel();
    this.near = port1;
    this.far = port2;
    expose(api, port2);
    port1.addEventListener('message', (event) => {
      this.dispatchEvent(new MessageEvent('message', { data: event.data }));
    });
    port1.start();
  }

  postMessage(message: unknown, transfer: Transferable[] = []): void {
    if (this.terminateCalls === 0) this.near.postMessage(message, transfer); // a dead worker hears nothing
  }

  terminate(): void {
    this.terminateCalls += 1;
    this.near.close();
    this.far.close();
  }

  /** An uncaught error inside the worker, as the Worker object reports it. */
  crash(message = 'ReferenceError: x is not defined'): void {
    this.dispatchEvent(new ErrorEvent('error', { message }));
  }

  /** Listeners currently attached by the client (ours and comlink's). */
  listenerCount(): number {
    return [...this.listening.values()].reduce((a, b) => a + b, 0);
  }

  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: AddEventListenerOptions | boolean,
  ): void {
    this.listening.set(type, (this.listening.get(type) ?? 0) + 1);
    super.addEventListener(type, listener, options);
  }

  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: EventListenerOptions | boolean,
  ): void {
    this.listening.set(type, (this.listening.get(type) ?? 0) - 1);
    super.removeEventListener(type, listener, options);
  }
}

const clients: WorkerClient<TestApi>[] = [];
const allWorkers: FakeWorker[] = [];

interface Setup {
  /** Behaviour of the API in the n-th worker created (0-based). */
  behaviour?: (n: number) => ApiBehaviour;
  options?: Partial<WorkerClientOptions<TestApi>>;
}

function setup({ behaviour = () => ({}), options = {} }: Setup = {}) {
  const workers: FakeWorker[] = [];
  const diagnostics: string[] = [];
  const create = vi.fn((): WorkerLike => {
    const worker = new FakeWorker(makeApi(behaviour(workers.length)));
    workers.push(worker);
    allWorkers.push(worker);
    return worker;
  });
  const client = new WorkerClient<TestApi>({
    create,
    timeoutMs: 1000,
    onDiagnostic: (code) => diagnostics.push(code),
    ...options,
  });
  clients.push(client);
  return { client, create, workers, diagnostics };
}

/** Starts watching `promise` at once, so that a rejection is never "unhandled" meanwhile. */
function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

const withLoad = { init: (api: { load(): Promise<void> }) => api.load() };

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
  for (const worker of allWorkers.splice(0)) if (worker.terminateCalls === 0) worker.terminate();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('WorkerClient', () => {
  it('accepts a DOM Worker as a WorkerLike', () => {
    expectTypeOf<Worker>().toExtend<WorkerLike>();
    expectTypeOf<WorkerClient<TestApi>['call']>().returns.toEqualTypeOf<Promise<unknown>>();
  });

  it('creates no worker until start() or a call, and start() is idempotent', async () => {
    const { client, create } = setup({ options: withLoad });
    expect(client.state).toBe('idle');
    expect(create).not.toHaveBeenCalled();

    client.start();
    client.start();
    expect(create).toHaveBeenCalledTimes(1);
    expect(client.state).toBe('starting');
    await client.ready();
    expect(client.state).toBe('ready');
    client.start();
    expect(create).toHaveBeenCalledTimes(1);
  });

  it('startWhenIdle() falls back to setTimeout(0) without requestIdleCallback', async () => {
    expect(globalThis.requestIdleCallback).toBeUndefined(); // happy-dom has none, like Safari
    const { client, create } = setup();
    client.startWhenIdle();
    client.startWhenIdle();
    expect(create).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(0);
    expect(create).toHaveBeenCalledTimes(1);
    expect(client.state).not.toBe('idle');
  });

  it('startWhenIdle() uses requestIdleCallback with a 2 s timeout where present', () => {
    let idle: IdleRequestCallback | undefined;
    const request = vi.fn((callback: IdleRequestCallback, _options?: IdleRequestOptions) => {
      idle = callback;
      return 7;
    });
    const cancel = vi.fn();
    vi.stubGlobal('requestIdleCallback', request);
    vi.stubGlobal('cancelIdleCallback', cancel);
    const { client, create } = setup();

    client.startWhenIdle();
    expect(request).toHaveBeenCalledTimes(1);
    expect(request.mock.calls[0]?.[1]).toEqual({ timeout: 2000 });
    expect(create).not.toHaveBeenCalled();
    idle?.({ didTimeout: false, timeRemaining: () => 10 });
    expect(create).toHaveBeenCalledTimes(1);
    expect(cancel).not.toHaveBeenCalled();
  });

  it('destroy() cancels a start scheduled by startWhenIdle()', async () => {
    const { client, create } = setup();
    client.startWhenIdle();
    client.destroy();
    await vi.advanceTimersByTimeAsync(10);
    expect(create).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('runs a call on the worker and clears its timer', async () => {
    const { client, create, workers } = setup({ options: withLoad });
    await expect(client.call((api) => api.add(2, 3))).resolves.toBe(5);
    await expect(client.call((api) => api.add(4, 5))).resolves.toBe(9);
    expect(create).toHaveBeenCalledTimes(1);
    expect(client.state).toBe('ready');
    expect(vi.getTimerCount()).toBe(0);
    expect(workers[0]?.terminateCalls).toBe(0);
  });

  it('posts a call to a ready worker before call() returns, to a starting one once it is ready', async () => {
    const { client, workers } = setup({ options: withLoad });
    const posted: unknown[] = [];
    const early = client.call((api) => api.add(1, 1));
    const post = vi.spyOn(workers[0]!, 'postMessage');
    post.mockImplementation(function (this: FakeWorker, message, transfer) {
      posted.push(message);
      FakeWorker.prototype.postMessage.call(this, message, transfer);
    });
    expect(posted).toEqual([]); // starting: init (load) goes first, then the call
    await expect(early).resolves.toBe(2);
    expect(client.state).toBe('ready');
    posted.length = 0;
    const call = client.call((api) => api.add(2, 3));
    expect(posted).toHaveLength(1); // already on its way
    await expect(call).resolves.toBe(5);
  });

  it('moves transferred buffers to the worker', async () => {
    const { client } = setup();
    const bytes = new Uint8Array(16);
    await expect(client.call((api) => api.size(transferable(bytes, [bytes.buffer])))).resolves.toBe(
      16,
    );
    expect(bytes.byteLength).toBe(0); // detached on the sending side
  });

  it('passes an Error thrown inside the worker through unchanged; the worker lives on', async () => {
    const { client, create, workers } = setup();
    const error = await rejection(client.call((api) => api.fail('model_mismatch', 'wrong spec')));
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(OfferwiseError);
    expect(error).toMatchObject({ name: 'model_mismatch', message: 'wrong spec' });

    await expect(client.call((api) => api.add(1, 1))).resolves.toBe(2);
    expect(create).toHaveBeenCalledTimes(1);
    expect(workers[0]?.terminateCalls).toBe(0);
    expect(client.state).toBe('ready');
  });

  it('passes through an error thrown synchronously by fn', async () => {
    const { client } = setup();
    const error = await rejection(
      client.call(() => {
        throw new TypeError('bad fn');
      }),
    );
    expect(error).toMatchObject({ name: 'TypeError', message: 'bad fn' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('times out only the slow call (worker_timeout), with its own or the default timeout', async () => {
    const { client, create, workers, diagnostics } = setup();
    await client.ready();

    const slow = rejection(client.call((api) => api.hang(), { timeoutMs: 300 }));
    await vi.advanceTimersByTimeAsync(299);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    const error = await slow;
    expect(error).toBeInstanceOf(OfferwiseError);
    expect(error).toMatchObject({ code: 'worker_timeout' });
    expect(vi.getTimerCount()).toBe(0);

    await expect(client.call((api) => api.add(1, 2))).resolves.toBe(3);

    const byDefault = rejection(client.call((api) => api.hang()));
    await vi.advanceTimersByTimeAsync(999);
    await vi.advanceTimersByTimeAsync(1);
    expect(await byDefault).toMatchObject({ code: 'worker_timeout' });

    expect(create).toHaveBeenCalledTimes(1);
    expect(workers[0]?.terminateCalls).toBe(0);
    expect(client.state).toBe('ready');
    expect(diagnostics).toEqual(['worker_timeout', 'worker_timeout']);
  });

  it('counts waiting for start-up in the timeout', async () => {
    const { client } = setup({ behaviour: () => ({ loadHangs: true }), options: withLoad });
    const waiting = rejection(client.call((api) => api.add(1, 2), { timeoutMs: 500 }));
    const warm = rejection(client.ready({ timeoutMs: 400 }));
    await vi.advanceTimersByTimeAsync(400);
    expect(await warm).toMatchObject({ code: 'worker_timeout' });
    await vi.advanceTimersByTimeAsync(100);
    expect(await waiting).toMatchObject({ code: 'worker_timeout' });
  });

  it('treats two timeouts in a row as a wedged worker: terminates it, respawns on the next call', async () => {
    const { client, create, workers, diagnostics } = setup();
    await client.ready();
    const first = rejection(client.call((api) => api.hang()));
    const second = rejection(client.call((api) => api.hang(), { timeoutMs: 1500 }));
    const third = rejection(client.call((api) => api.hang(), { timeoutMs: 5000 }));

    await vi.advanceTimersByTimeAsync(1000);
    expect(await first).toMatchObject({ code: 'worker_timeout' });
    expect(workers[0]?.terminateCalls).toBe(0); // one timeout: maybe just slow

    await vi.advanceTimersByTimeAsync(500);
    expect(await second).toMatchObject({ code: 'worker_timeout' });
    expect(await third).toMatchObject({ code: 'worker_crashed' }); // rejected with the wedged worker
    expect(workers[0]?.terminateCalls).toBe(1);
    expect(workers[0]?.listenerCount()).toBe(0);
    expect(client.state).toBe('idle');
    expect(create).toHaveBeenCalledTimes(1); // lazily: no respawn until asked
    expect(vi.getTimerCount()).toBe(0);

    await expect(client.call((api) => api.add(2, 2))).resolves.toBe(4);
    expect(create).toHaveBeenCalledTimes(2);
    expect(workers[0]?.terminateCalls).toBe(1);
    expect(workers[1]?.terminateCalls).toBe(0);
    expect(diagnostics).toEqual([
      'worker_timeout',
      'worker_timeout',
      'worker_crashed',
      'worker_respawn',
    ]);
  });

  it('does not count timeouts separated by an answer as a wedge', async () => {
    const { client, workers } = setup();
    await client.ready();
    const first = rejection(client.call((api) => api.hang()));
    await vi.advanceTimersByTimeAsync(1000);
    expect(await first).toMatchObject({ code: 'worker_timeout' });
    await expect(client.call((api) => api.add(1, 1))).resolves.toBe(2);
    const second = rejection(client.call((api) => api.hang()));
    await vi.advanceTimersByTimeAsync(1000);
    expect(await second).toMatchObject({ code: 'worker_timeout' });
    expect(workers[0]?.terminateCalls).toBe(0);
    expect(client.state).toBe('ready');
  });

  it('rejects ALL pending calls with worker_crashed when the worker errors, then respawns on the next call', async () => {
    const { client, create, workers, diagnostics } = setup({ options: withLoad });
    await client.ready();
    const pending = [
      rejection(client.call((api) => api.hang())),
      rejection(client.call((api) => api.hang(), { timeoutMs: 60_000 })),
      rejection(client.call((api) => api.add(1, 1), { timeoutMs: 60_000 })),
    ];
    await vi.advanceTimersByTimeAsync(0);

    workers[0]?.crash('ReferenceError: boom');
    const errors = await Promise.all(pending);
    for (const error of errors) {
      expect(error).toBeInstanceOf(OfferwiseError);
      expect(error).toMatchObject({ code: 'worker_crashed' });
    }
    expect((errors[0] as Error).message).toContain('ReferenceError: boom');
    expect(workers[0]?.terminateCalls).toBe(1);
    expect(workers[0]?.listenerCount()).toBe(0);
    expect(client.state).toBe('idle');
    expect(create).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);

    await expect(client.call((api) => api.add(3, 4))).resolves.toBe(7);
    expect(create).toHaveBeenCalledTimes(2);
    expect(client.state).toBe('ready');

    workers[0]?.crash(); // stale news from the old worker changes nothing
    await expect(client.call((api) => api.add(1, 0))).resolves.toBe(1);
    expect(workers[0]?.terminateCalls).toBe(1);
    expect(workers[1]?.terminateCalls).toBe(0);
    expect(diagnostics).toEqual(['worker_crashed', 'worker_respawn']);
  });

  it('rejects ready() waiters with worker_crashed when the worker dies during start-up', async () => {
    const { client, workers } = setup({
      behaviour: () => ({ loadHangs: true }),
      options: withLoad,
    });
    const warm = rejection(client.ready());
    expect(client.state).toBe('starting');
    workers[0]?.crash();
    expect(await warm).toMatchObject({ code: 'worker_crashed' });
    expect(workers[0]?.terminateCalls).toBe(1);
    expect(client.state).toBe('idle');
  });

  it('ignores an init that settles after its worker was already replaced', async () => {
    const inits: Array<{ reject: (error: Error) => void }> = [];
    const { client, create, workers } = setup({
      options: {
        init: () =>
          new Promise<void>((resolve, reject) => {
            inits.push({ reject });
            if (inits.length > 1) resolve();
          }),
      },
    });
    const first = rejection(client.ready());
    await vi.advanceTimersByTimeAsync(0);
    workers[0]?.crash();
    expect(await first).toMatchObject({ code: 'worker_crashed' });
    await client.ready(); // the respawned worker's init succeeds

    inits[0]?.reject(new Error('late failure of the dead worker'));
    await vi.advanceTimersByTimeAsync(0);
    expect(client.state).toBe('ready');
    expect(workers[1]?.terminateCalls).toBe(0);
    await expect(client.call((api) => api.add(2, 2))).resolves.toBe(4);
    expect(create).toHaveBeenCalledTimes(2);
  });

  it('treats messageerror as a death too', async () => {
    const { client, workers } = setup();
    await client.ready();
    const call = rejection(client.call((api) => api.hang()));
    workers[0]?.dispatchEvent(new Event('messageerror'));
    expect(await call).toMatchObject({ code: 'worker_crashed' });
    expect(workers[0]?.terminateCalls).toBe(1);
  });

  it('treats a failed init like a crash: terminates, rejects waiting calls, respawns on the next call', async () => {
    const { client, create, workers } = setup({
      behaviour: (n) => ({ loadFails: n === 0 }),
      options: withLoad,
    });
    const error = await rejection(client.call((api) => api.add(1, 2)));
    expect(error).toMatchObject({ code: 'worker_crashed' });
    expect((error as Error).cause).toMatchObject({
      message: 'previous call to initializeWebAssembly() failed',
    });
    expect(workers[0]?.terminateCalls).toBe(1);
    expect(client.state).toBe('idle');

    await expect(client.call((api) => api.add(1, 2))).resolves.toBe(3);
    expect(create).toHaveBeenCalledTimes(2);
    expect(workers[1]?.terminateCalls).toBe(0);
  });

  it('gives up after maxRespawns: state failed, every call rejects worker_unavailable', async () => {
    const { client, create, workers, diagnostics } = setup({
      behaviour: () => ({ loadFails: true }),
      options: { ...withLoad, maxRespawns: 2 },
    });
    for (let i = 0; i < 3; i++) {
      expect(await rejection(client.call((api) => api.add(1, 2)))).toMatchObject({
        code: 'worker_crashed',
      });
    }
    expect(client.state).toBe('failed');
    expect(create).toHaveBeenCalledTimes(3); // the first worker and 2 respawns

    const error = await rejection(client.call((api) => api.add(1, 2)));
    expect(error).toMatchObject({ code: 'worker_unavailable' });
    expect((error as Error).cause).toMatchObject({
      message: 'previous call to initializeWebAssembly() failed',
    });
    expect(await rejection(client.ready())).toMatchObject({ code: 'worker_unavailable' });
    client.start();
    client.startWhenIdle();
    await vi.advanceTimersByTimeAsync(10);
    expect(create).toHaveBeenCalledTimes(3);
    expect(workers.map((w) => w.terminateCalls)).toEqual([1, 1, 1]);
    expect(diagnostics).toEqual([
      'worker_crashed',
      'worker_respawn',
      'worker_crashed',
      'worker_respawn',
      'worker_crashed',
      'worker_unavailable',
    ]);
  });

  it('defaults to 3 respawns', async () => {
    const { client, create } = setup({ behaviour: () => ({ loadFails: true }), options: withLoad });
    for (let i = 0; i < 4; i++) await rejection(client.call((api) => api.add(1, 2)));
    expect(client.state).toBe('failed');
    expect(await rejection(client.call((api) => api.add(1, 2)))).toMatchObject({
      code: 'worker_unavailable',
    });
    expect(create).toHaveBeenCalledTimes(4);
  });

  it('fails for good with worker_unavailable when create() throws, without throwing itself', async () => {
    const diagnostics: string[] = [];
    const create = vi.fn((): WorkerLike => {
      throw new DOMException('blocked by worker-src', 'SecurityError');
    });
    const client = new WorkerClient<TestApi>({
      create,
      timeoutMs: 1000,
      onDiagnostic: (code) => diagnostics.push(code),
    });
    clients.push(client);

    expect(() => client.start()).not.toThrow();
    expect(client.state).toBe('failed');
    const error = await rejection(client.call((api) => api.add(1, 2)));
    expect(error).toBeInstanceOf(OfferwiseError);
    expect(error).toMatchObject({ code: 'worker_unavailable' });
    expect((error as Error).cause).toMatchObject({ name: 'SecurityError' });
    expect(await rejection(client.ready())).toMatchObject({ code: 'worker_unavailable' });
    expect(create).toHaveBeenCalledTimes(1);
    expect(diagnostics).toEqual(['worker_unavailable']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('destroy() rejects pending calls with destroyed, terminates once, removes listeners, clears timers', async () => {
    const { client, workers } = setup({
      behaviour: () => ({ loadHangs: true }),
      options: withLoad,
    });
    const starting = rejection(client.ready());
    const call = rejection(client.call((api) => api.add(1, 2)));
    await vi.advanceTimersByTimeAsync(0);
    expect(workers[0]?.listenerCount()).toBeGreaterThan(0);

    client.destroy();
    for (const error of await Promise.all([starting, call])) {
      expect(error).toBeInstanceOf(OfferwiseError);
      expect(error).toMatchObject({ code: 'destroyed' });
    }
    expect(client.state).toBe('destroyed');
    expect(workers[0]?.terminateCalls).toBe(1);
    expect(workers[0]?.listenerCount()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);

    client.destroy();
    expect(workers[0]?.terminateCalls).toBe(1);
  });

  it('rejects calls after destroy() with destroyed and creates no worker', async () => {
    const { client, create } = setup();
    client.destroy();
    expect(await rejection(client.call((api) => api.add(1, 2)))).toMatchObject({
      code: 'destroyed',
    });
    expect(await rejection(client.ready())).toMatchObject({ code: 'destroyed' });
    client.start();
    expect(create).not.toHaveBeenCalled();
    expect(client.state).toBe('destroyed');
  });

  it('terminates each worker exactly once across crash, wedge and destroy', async () => {
    const { client, create, workers } = setup();
    await client.ready();
    workers[0]?.crash();
    workers[0]?.crash();
    await client.ready(); // respawn 1
    const a = rejection(client.call((api) => api.hang()));
    const b = rejection(client.call((api) => api.hang()));
    await vi.advanceTimersByTimeAsync(1000); // both time out: wedged
    await Promise.all([a, b]);
    workers[1]?.crash(); // after the wedge: stale
    await client.ready(); // respawn 2
    client.destroy();
    workers[2]?.crash();
    expect(create).toHaveBeenCalledTimes(3);
    expect(workers.map((w) => w.terminateCalls)).toEqual([1, 1, 1]);
  });

  it('never lets a failing diagnostics listener break the client', async () => {
    const { client, workers } = setup({
      options: {
        onDiagnostic: () => {
          throw new Error('listener bug');
        },
      },
    });
    await client.ready();
    const call = rejection(client.call((api) => api.hang()));
    workers[0]?.crash();
    expect(await call).toMatchObject({ code: 'worker_crashed' });
    await expect(client.call((api) => api.add(1, 1))).resolves.toBe(2);
  });

  it('rejects misconfiguration at construction and a bad per-call timeout as invalid_config', async () => {
    const create = (): WorkerLike => new FakeWorker(makeApi());
    expect(() => new WorkerClient<TestApi>({ create, timeoutMs: 0 })).toThrow(
      expect.objectContaining({ code: 'invalid_config', field: 'timeoutMs' }),
    );
    expect(() => new WorkerClient<TestApi>({ create, timeoutMs: 10, maxRespawns: -1 })).toThrow(
      expect.objectContaining({ code: 'invalid_config', field: 'maxRespawns' }),
    );
    const { client, create: spy } = setup();
    expect(
      await rejection(client.call((api) => api.add(1, 2), { timeoutMs: Number.NaN })),
    ).toMatchObject({ code: 'invalid_config', field: 'options.timeoutMs' });
    expect(spy).not.toHaveBeenCalled();
  });
});
