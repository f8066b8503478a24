// What the predictor reports when the model does not load: only codes of the catalogue
// (docs/diagnostics.md), and nothing once it has been destroyed.
import { afterEach, describe, expect, it } from 'vitest';
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
});
