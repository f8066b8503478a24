/** A tiny `--name value` parser for the CLIs in models/: unknown or missing flags are errors. */
export interface FlagSpec {
  required?: boolean;
  default?: string;
  choices?: readonly string[];
  integer?: boolean;
}

export function parseArgs<T extends Record<string, FlagSpec>>(
  argv: readonly string[],
  spec: T,
): Record<keyof T, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const name = flag.startsWith('--') ? flag.slice(2) : undefined;
    if (name === undefined || !(name in spec)) {
      throw new Error(
        `unknown argument ${JSON.stringify(flag)}; expected one of ${Object.keys(spec)
          .map((k) => `--${k}`)
          .join(', ')}`,
      );
    }
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`--${name} needs a value`);
    out[name] = value;
    i++;
  }
  for (const [name, rule] of Object.entries(spec)) {
    if (out[name] === undefined) {
      if (rule.required) throw new Error(`--${name} is required`);
      if (rule.default !== undefined) out[name] = rule.default;
    }
    const value = out[name];
    if (value === undefined) continue;
    if (rule.choices && !rule.choices.includes(value)) {
      throw new Error(
        `--${name}: got ${JSON.stringify(value)}, expected one of ${rule.choices.join(', ')}`,
      );
    }
    if (rule.integer && !/^\d+$/.test(value))
      throw new Error(`--${name}: got ${JSON.stringify(value)}, expected a whole number`);
  }
  return out as Record<keyof T, string>;
}
