// Scores an exported uplift model with ONNX Runtime Web in Node: the same `onnxruntime-web/wasm`
// build (wasm, single thread) that ships to browsers, so checks and benchmarks test what runs in
// the shopper's browser. The model is passed as bytes (a string would go to `fetch`).
import * as ort from 'onnxruntime-web/wasm';
import { OUTPUT_NAMES } from './onnx-writer.js';

// More threads need cross-origin isolation, which shops do not set (see pitfalls.md).
ort.env.wasm.numThreads = 1;

export interface UpliftScores {
  pTreated: Float32Array;
  pControl: Float32Array;
  uplift: Float32Array;
}

export interface Scorer {
  readonly inputName: string;
  readonly outputNames: readonly string[];
  /** The model's feature count (last input dimension), when the model declares it. */
  readonly featureCount: number | undefined;
  /** Scores `rows.length / featureCount` rows of `featureCount` float32 features each. */
  score(rows: Float32Array, featureCount: number): Promise<UpliftScores>;
  /** Releases the session once the calls already made have finished; later calls reject. */
  release(): Promise<void>;
}

/** Creates one session for the model; rejects (does not crash) on bytes that are not a model. */
export async function createScorer(modelBytes: Uint8Array): Promise<Scorer> {
  if (!(modelBytes instanceof Uint8Array) || modelBytes.length === 0) {
    throw new TypeError('createScorer: modelBytes must be a non-empty Uint8Array');
  }
  const session = await ort.InferenceSession.create(modelBytes, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });

  const inputName = session.inputNames[0];
  const missing = OUTPUT_NAMES.filter((name) => !session.outputNames.includes(name));
  if (session.inputNames.length !== 1 || inputName === undefined || missing.length > 0) {
    const found = `inputs [${session.inputNames.join(', ')}], outputs [${session.outputNames.join(', ')}]`;
    await session.release();
    throw new Error(
      `createScorer: expected one input and outputs ${OUTPUT_NAMES.join(', ')}; found ${found}`,
    );
  }
  const featureCount = declaredFeatureCount(session.inputMetadata[0]);

  // One run at a time on the session: calls queue behind each other.
  let queue: Promise<unknown> = Promise.resolve();
  let released = false;

  const run = async (rows: Float32Array, count: number, width: number): Promise<UpliftScores> => {
    const input = new ort.Tensor('float32', rows, [count, width]);
    const results = await session.run({ [inputName]: input });
    return {
      pTreated: outputData(results, 'p_treated', count),
      pControl: outputData(results, 'p_control', count),
      uplift: outputData(results, 'uplift', count),
    };
  };

  return {
    inputName,
    outputNames: [...session.outputNames],
    featureCount,
    score(rows, width) {
      if (released) return Promise.reject(new Error('Scorer.score: the scorer was released'));
      if (!(rows instanceof Float32Array)) {
        return Promise.reject(new TypeError('Scorer.score: rows must be a Float32Array'));
      }
      if (!Number.isSafeInteger(width) || width <= 0) {
        return Promise.reject(
          new RangeError(`Scorer.score: featureCount must be a positive integer, got ${width}`),
        );
      }
      if (featureCount !== undefined && width !== featureCount) {
        return Promise.reject(
          new RangeError(
            `Scorer.score: featureCount is ${width} but the model takes ${featureCount} features`,
          ),
        );
      }
      if (rows.length % width !== 0) {
        return Promise.reject(
          new RangeError(
            `Scorer.score: rows.length (${rows.length}) is not a multiple of featureCount (${width})`,
          ),
        );
      }
      const count = rows.length / width;
      if (count === 0) {
        return Promise.resolve({
          pTreated: new Float32Array(0),
          pControl: new Float32Array(0),
          uplift: new Float32Array(0),
        });
      }
      const result = queue.then(() => run(rows, count, width));
      queue = result.catch(() => undefined);
      return result;
    },
    async release() {
      if (released) return;
      released = true;
      await queue;
      await session.release();
    },
  };
}

function declaredFeatureCount(meta: ort.InferenceSession.ValueMetadata | undefined) {
  if (meta === undefined || !meta.isTensor) return undefined;
  const last = meta.shape[meta.shape.length - 1];
  return typeof last === 'number' && last > 0 ? last : undefined;
}

function outputData(
  results: ort.InferenceSession.ReturnType,
  name: string,
  count: number,
): Float32Array {
  const tensor = results[name];
  if (tensor === undefined) throw new Error(`Scorer.score: output ${name} missing`);
  const data = tensor.data;
  if (!(data instanceof Float32Array) || data.length !== count) {
    throw new Error(`Scorer.score: output ${name} is not float32 [${count}]`);
  }
  return data;
}
