// How a bundler split the ESM build (dist/offerwise.mjs + dist/esm/): what an app loads first
// (its entry chunk and the chunks that imports statically) and the lazy chunk of the decision
// half, the dynamic import() in src/decision-half-loader.ts. Used by the bundler test
// (test/integration/bundlers.e2e.ts) and the size bench (test/bench/sizes.mjs).

/** Files of dist/esm/ only the decision half may bring: never in an app's first load. */
export const DECISION_HALF_MODULES = [
  'decision-half.mjs',
  'decide/decider.mjs',
  'catalog/source.mjs',
  'feedback/outbox.mjs',
  'predictor/predictor.mjs',
  'predictor/worker-client.mjs',
];

/** `…/dist/esm/decide/decider.mjs` → `decide/decider.mjs`; undefined for any other module id. */
export function esmModuleOf(id) {
  const m = /[/\\]dist[/\\]esm[/\\](.+)$/.exec(id);
  return m ? m[1].split('\\').join('/') : undefined;
}

/**
 * From a rollup-based bundler's chunks (`{ fileName, isEntry, imports, modules }`, as Vite's
 * build returns them): the first load and the decision half's lazy chunk, with the dist/esm/
 * files in each. Throws, naming them, when the first load holds a decision-half module or no lazy
 * chunk holds the decision half.
 */
export function splitOf(chunks) {
  const byName = new Map(chunks.map((c) => [c.fileName, c]));
  const entry = chunks.find((c) => c.isEntry);
  if (!entry) throw new Error('the build has no entry chunk');
  const first = [];
  const visit = (c) => {
    if (first.includes(c)) return;
    first.push(c);
    for (const name of c.imports) if (byName.has(name)) visit(byName.get(name));
  };
  visit(entry);
  const modulesOf = (list) =>
    list.flatMap((c) => Object.keys(c.modules).map(esmModuleOf).filter(Boolean));
  const misplaced = modulesOf(first).filter((m) => DECISION_HALF_MODULES.includes(m));
  if (misplaced.length > 0)
    throw new Error(`the app's first load contains the decision half: ${misplaced.join(', ')}`);
  const decision = chunks.find(
    (c) => !first.includes(c) && modulesOf([c]).includes('decision-half.mjs'),
  );
  if (!decision) throw new Error('no lazy chunk holds dist/esm/decision-half.mjs');
  return { entry, first, decision, modulesOf };
}
