// What the predictor reports when the model does not load: only codes of the catalogue
// (docs/diagnostics.md), and nothing once it has been destroyed.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PredictorDiagnosticCode } from '../util/diagnostic-codes.js';
import { Predictor } from './predictor.js';
import type { WorkerLike } from './worker-client.js';

/** A worker that dies ("error" event) on the first message it is sent. */
class DyingWorker extends EventTarget implements WorkerLike {
  postMessage(): void {
    queueMicrotask(() => this.dispatchEvent(new Event('error')));
  }
  terminate(): void {}
}

/** A worker that never answers. */
class SilentWorker extends EventTarget implements WorkerLike {
  postMessage(): void {}
  terminate(): void {}
}

const open: Predictor[] = [];
afterEach(() => open.splice(0).forEach((p) => p.destroy()));

function make(createWorker: () => WorkerLike) {
  const heard: [PredictorDiagnosticCode, string][] = [];
  const predictor = new Predictor({
    createWorker,
    startWhenIdle: false,
    onDiagnostic: (code, message) => heard.push([code, message]),
  });
  open.push(predictor);
  return { predictor, heard };
}

describe('Predictor diagnostics when the model does not load', () => {
  it('a worker that dies: the crash and the failed load, under worker_crashed', async () => {
    const { predictor, heard } = make(() => new DyingWorker());
    expect(await predictor.whenReady()).toBe(false);
    expect(heard).toEqual([
      ['worker_crashed', "worker error: 'error' event; restarting it on the next call"],
      ['worker_crashed', "the model did not load: worker error: 'error' event"],
    ]);
  });

  it('destroyed while loading: nothing is reported (there is no code for it, nobody to tell)', async () => {
    const { predictor, heard } = make(() => new SilentWorker());
    const ready = predictor.whenReady();
    predictor.destroy();
    expect(await ready).toBe(false);
    expect(heard).toEqual([]);
  });

  it('a worker whose script is not JavaScript: the crash names its URL, HTTP status and content type', async () => {
    // What `vite preview` did with a worker URL the bundler had not emitted: the SPA fallback.
    const fetched: string[] = [];
    vi.stubGlobal('fetch', async (url: string) => {
      fetched.push(url);
      return new Response('<!doctype html><title>shop</title>', {
        status: 200,
        headers: { 'content-type': 'text/html; charset=utf-8' },
      });
    });
    try {
      const heard: [PredictorDiagnosticCode, string][] = [];
      const predictor = new Predictor({
        workerUrl: 'https://shop.example/assets/offerwise-worker.mjs',
        createWorker: () => new DyingWorker(),
        startWhenIdle: false,
        onDiagnostic: (code, message) => heard.push([code, message]),
      });
      open.push(predictor);
      expect(await predictor.whenReady()).toBe(false);
      await vi.waitFor(() => expect(heard).toHaveLength(2));
      expect(heard[0]).toEqual([
        'worker_crashed',
        "worker error: 'error' event; restarting it on the next call; the worker script " +
          'https://shop.example/assets/offerwise-worker.mjs answered HTTP 200 with content type ' +
          '"text/html; charset=utf-8", expected HTTP 200 with a JavaScript content type (is the ' +
          'file copied beside the SDK or emitted by the bundler? see docs/integrate.md#bundlers)',
      ]);
      // Later diagnostics keep their order behind it, and the URL is asked once.
      expect(heard[1]).toEqual([
        'worker_crashed',
        "the model did not load: worker error: 'error' event",
      ]);
      expect(fetched).toEqual(['https://shop.example/assets/offerwise-worker.mjs']);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('a worker script that cannot be fetched: the crash says why', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    try {
      const heard: string[] = [];
      const predictor = new Predictor({
        workerUrl: '/offerwise/w.mjs',
        createWorker: () => new DyingWorker(),
        startWhenIdle: false,
        onDiagnostic: (_code, message) => heard.push(message),
      });
      open.push(predictor);
      await predictor.whenReady();
      await vi.waitFor(() => expect(heard).toHaveLength(2));
      expect(heard[0]).toBe(
        "worker error: 'error' event; restarting it on the next call; the worker script /offerwise/w.mjs could not be fetched (Failed to fetch)",
      );
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
