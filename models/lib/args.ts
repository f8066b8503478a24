/**
 * The one argument parser of the models/ CLIs. Flags are `--name value`; a list flag
 * (`list: true`) takes every value up to the next flag, so a shell glob works
 * (`--feedback logs/*.jsonl`). Unknown, repeated or missing flags are errors that name the flag,
 * what was given and what was expected.
 *
 * Until the next release a list may also be written as one comma-separated value
 * (`--feedback a.jsonl,b.jsonl`, the old syntax of `ope` and `optimize`), with a warning.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { describeValue, OfferwiseError } from '../../src/util/errors.js';

export interface FlagSpec {
  required?: boolean;
  /** A list flag's default is a list. */
  default?: string | readonly string[];
  choices?: readonly string[];
  /** Every value must be a whole number ≥ 0. */
  integer?: boolean;
  /** Takes one or more values, up to the next flag. */
  list?: boolean;
  /** What the value is, for the message when it is missing (default "a value"). */
  expected?: string;
}

type ValueOf<S extends FlagSpec> = S extends { choices: readonly (infer C)[] } ? C : string;

type Present<S extends FlagSpec> = S extends { list: true } ? ValueOf<S>[] : ValueOf<S>;

/** A flag's parsed type: a value (or list) that is always there, or one that may be absent. */
export type FlagValue<S extends FlagSpec> = S extends
  { required: true } | { default: string | readonly string[] }
  ? Present<S>
  : Present<S> | undefined;

export type Flags<T extends Record<string, FlagSpec>> = {
  -readonly [K in keyof T]: FlagValue<T[K]>;
};

export interface ParseOptions {
  /** Where the deprecation note of a comma list goes (default: stderr). */
  warn?: (message: string) => void;
}

function flagError(
  field: string,
  value: unknown,
  expected: string,
  got = value === undefined ? 'nothing' : describeValue(value),
): OfferwiseError {
  return new OfferwiseError('invalid_input', `${field}: got ${got}, expected ${expected}`, {
    field,
    value,
    expected,
  });
}

const isFlag = (arg: string) => arg.startsWith('--') && arg.length > 2;

export function parseArgs<const T extends Record<string, FlagSpec>>(
  argv: readonly string[],
  spec: T,
  options: ParseOptions = {},
): Flags<T> {
  const warn = options.warn ?? ((message: string) => console.error(message));
  const known = Object.keys(spec)
    .map((k) => `--${k}`)
    .join(', ');
  const given = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const arg of argv) {
    if (isFlag(arg)) {
      const name = arg.slice(2);
      if (!Object.hasOwn(spec, name)) throw flagError('argument', arg, `one of ${known}`);
      if (given.has(name)) {
        const hint = spec[name]!.list ? ` with every value after it (${arg} a b)` : '';
        throw flagError(arg, undefined, `it once${hint}`, 'it twice');
      }
      current = [];
      given.set(name, current);
    } else if (current === undefined) {
      throw flagError('argument', arg, `a flag first (one of ${known})`);
    } else current.push(arg);
  }

  const out: Record<string, string | string[] | undefined> = {};
  for (const [name, rule] of Object.entries(spec) as [string, FlagSpec][]) {
    const flag = `--${name}`;
    let values = given.get(name);
    if (values !== undefined && values.length === 0)
      throw flagError(flag, undefined, rule.expected ?? 'a value');
    if (values === undefined) {
      if (rule.required)
        throw flagError(flag, undefined, `${rule.expected ?? 'a value'} (required)`);
      if (rule.default === undefined) continue;
      values = typeof rule.default === 'string' ? [rule.default] : [...rule.default];
    } else if (
      // The old comma form, unless the value is a file whose name has a comma.
      rule.list &&
      values.length === 1 &&
      values[0]!.includes(',') &&
      !existsSync(values[0]!)
    ) {
      values = values[0]!.split(',').filter((v) => v !== '');
      warn(
        `${flag} a,b is deprecated and will be refused in the next release: write ${flag} ${values.join(' ')}`,
      );
    }
    if (!rule.list && values.length > 1)
      throw flagError(flag, values.join(' '), `one value (only list flags take several)`);
    for (const value of values) {
      if (rule.choices && !rule.choices.includes(value))
        throw flagError(flag, value, `one of ${rule.choices.join(', ')}`);
      if (rule.integer && !/^\d+$/.test(value)) throw flagError(flag, value, 'a whole number');
    }
    out[name] = rule.list ? values : values[0];
  }
  return out as Flags<T>;
}

export interface NumberRange {
  min: number;
  max: number;
  /** The minimum itself is refused: (min, max]. */
  aboveMin?: boolean;
  integer?: boolean;
}

/** A flag's number within a range; the error names the flag, the value and the range. */
export function numberFlag(name: string, value: string, range: NumberRange): number {
  const n = Number(value);
  const ok =
    value.trim() !== '' &&
    Number.isFinite(n) &&
    (range.aboveMin ? n > range.min : n >= range.min) &&
    n <= range.max &&
    (!range.integer || Number.isInteger(n));
  if (ok) return n;
  const kind = range.integer ? 'a whole number' : 'a number';
  throw flagError(
    `--${name}`,
    value,
    range.aboveMin
      ? `${kind} in (${range.min}, ${range.max}]`
      : `${kind} from ${range.min} to ${range.max}`,
  );
}

/**
 * An ISO 8601 date-time from 2000 to 2100 (`--now`, `--start`), as ms since the epoch; a day its
 * month does not have (2026-02-30, which `Date.parse` rolls over) is refused.
 */
export function timeFlag(name: string, value: string): number {
  const t = Date.parse(value);
  if (!/^\d{4}-\d\d-\d\d/.test(value) || !(t >= Date.UTC(2000, 0, 1) && t < Date.UTC(2100, 0, 1))) {
    throw new Error(
      `--${name}: got ${JSON.stringify(value)}, expected an ISO date-time from 2000 to 2100`,
    );
  }
  const day = Number(value.slice(8, 10));
  // Date.UTC rolls an impossible day over too: only a real one comes back unchanged.
  const real = new Date(Date.UTC(Number(value.slice(0, 4)), Number(value.slice(5, 7)) - 1, day));
  if (real.getUTCDate() !== day) {
    throw flagError(
      `--${name}`,
      value,
      `an ISO date-time on a day that exists (${value.slice(0, 7)} has no day ${day})`,
    );
  }
  return t;
}

/**
 * `--seed`: a whole number that fits in 32 bits. mulberry32 (src/decide/random.ts) keeps 32 bits
 * of its seed, so a larger one would repeat another seed's run.
 */
export function seedFlag(value: string): number {
  return numberFlag('seed', value, { min: 0, max: 2 ** 32 - 1, integer: true });
}

/**
 * The path a `--name` flag gives, when it names a file; else an error naming the flag, with `hint`
 * (what to do) in brackets.
 */
export function fileFlag(name: string, value: string, hint?: string): string {
  if (!statSync(value, { throwIfNoEntry: false })?.isFile()) {
    throw flagError(`--${name}`, value, `a file that exists${hint ? ` (${hint})` : ''}`);
  }
  return value;
}

/** An error's message (a thrown non-Error as text). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The JSON file a `--name` flag gives, read and passed to `validate` (e.g. the SDK's validator of
 * that kind of file); a missing file, bad JSON or a refusal is one error that starts with
 * `--name <file>:`. `validate` also gets the file's bytes (for a hash).
 */
export function jsonFlag<T>(
  name: string,
  value: string,
  validate: (json: unknown, bytes: Buffer) => T,
  hint?: string,
): T {
  const bytes = readFileSync(fileFlag(name, value, hint));
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new Error(`--${name} ${value}: not JSON (${errorMessage(error)})`);
  }
  try {
    return validate(json, bytes);
  } catch (error) {
    throw new Error(`--${name} ${value}: ${errorMessage(error)}`);
  }
}
