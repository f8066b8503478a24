/**
 * Misspelt keys in a file the SDK reads (effects, segments): unknown keys are ignored, so that a
 * newer writer's fields load in an older SDK, but a key one edit from a known one is refused.
 */
/**
 * The path of `child` inside `parent`, as the validators' messages write it: `parent.child`,
 * `parentchild` when the child is a bracketed key (`["a b"]`, `[2]`), and `child` alone at the
 * root (`''`). (Here rather than in errors.ts, whose every export the script tag carries.)
 */
export function fieldPath(parent: string, child: string): string {
  if (parent === '') return child;
  return child.startsWith('[') ? `${parent}${child}` : `${parent}.${child}`;
}

/** True when `a` becomes `b` by one letter added, dropped, changed, or two neighbours swapped. */
function oneEditApart(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1 || a === b) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) {
    const swapped = a[i] === b[i + 1] && a[i + 1] === b[i];
    return a.slice(i + 1) === b.slice(i + 1) || (swapped && a.slice(i + 2) === b.slice(i + 2));
  }
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

/**
 * Refuses a key of `object` that is not in `known` but one edit from a known key of 4 or more
 * letters, compared in lower case without `_` (`group_level`, `modle`, `groupLevels`): a
 * misspelt optional field would otherwise be dropped in silence. Any other unknown key is
 * ignored, as the catalog ignores them, so that a newer learner's fields do not break older
 * SDKs (a new field must therefore not be one edit from an existing one). Shorter keys (`k`,
 * `n`, `se`, `sd`) are not compared: every short word is one edit from them. `path` is the
 * object's field (`''` for the file itself). Used by the effects and segments files' validation.
 */
export function refuseMisspeltKeys(
  object: Record<string, unknown>,
  path: string,
  known: readonly string[],
  fail: (field: string, value: unknown, expected: string) => never,
): void {
  const fold = (key: string) => key.toLowerCase().replace(/_/g, '');
  for (const key of Object.keys(object)) {
    if (known.includes(key)) continue;
    const folded = fold(key);
    const meant = known.find(
      (k) => k.length >= 4 && (fold(k) === folded || oneEditApart(folded, fold(k))),
    );
    if (meant === undefined) continue;
    const name = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
    fail(
      fieldPath(path, name),
      object[key],
      `${meant} (a field one edit from a known one is refused as misspelt; known here: ${known.join(', ')})`,
    );
  }
}
