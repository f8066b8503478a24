/**
 * Under Trusted Types, `new Worker(url)` and `script.src = url` need a `TrustedScriptURL`. One
 * policy, named `offerwise` (a shop whose CSP lists allowed policies must add it), created once
 * per page and shared by the script tag's loader and the predictor; it accepts only the URLs the
 * SDK itself computed and allowed here.
 */
type ScriptUrlPolicy = { createScriptURL(input: string): unknown };

const allowed = new Set<string>();
let policy: ScriptUrlPolicy | undefined;

/** `url` as the browser's script URL sinks accept it (the string itself without Trusted Types). */
export function trustedScriptUrl(url: string): string {
  const tt = (
    globalThis as { trustedTypes?: { createPolicy(name: string, rules: object): ScriptUrlPolicy } }
  ).trustedTypes;
  if (!tt) return url;
  allowed.add(url);
  policy ??= tt.createPolicy('offerwise', {
    createScriptURL: (input: string) => {
      if (!allowed.has(input)) throw new TypeError(`offerwise: refusing script URL ${input}`);
      return input;
    },
  });
  return policy.createScriptURL(url) as string;
}
