import path from 'node:path';
import type { OptimiserTrace } from './types.js';

/** Reads an optimiser trace; an error names the file and what is wrong. */
export function readTrace(file: string, text: string): OptimiserTrace {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`--trace ${file}: not JSON`);
  }
  const d = data as { method?: unknown; trace?: unknown };
  if (!d || typeof d !== 'object' || !Array.isArray(d.trace)) {
    throw new Error(`--trace ${file}: expected { trace: [{ evaluation, value, best }] }`);
  }
  const points = d.trace.map((p: unknown, i: number) => {
    const q = p as { evaluation?: unknown; value?: unknown; best?: unknown };
    if (
      !q ||
      typeof q.evaluation !== 'number' ||
      typeof q.value !== 'number' ||
      typeof q.best !== 'number' ||
      ![q.evaluation, q.value, q.best].every(Number.isFinite)
    ) {
      throw new Error(`--trace ${file}: trace[${i}] is not { evaluation, value, best } numbers`);
    }
    return { evaluation: q.evaluation, value: q.value, best: q.best };
  });
  const step = Math.max(1, Math.ceil(points.length / 2000));
  const thinned = points.filter((_, i) => i % step === 0 || i === points.length - 1);
  return {
    file: path.basename(file),
    method: typeof d.method === 'string' ? d.method : null,
    points: thinned,
  };
}
