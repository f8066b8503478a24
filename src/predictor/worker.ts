/**
 * The predictor's module worker: ONNX Runtime (the wasm CPU build, one thread, no proxy) behind
 * comlink. `expose` runs synchronously at top level; awaiting anything first can hang the caller.
 */
import { expose } from 'comlink';
import { createWorkerApi } from './worker-api.js';

expose(createWorkerApi());
