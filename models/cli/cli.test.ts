// @vitest-environment node
// Every `npm run` entry file, called in-process as the CLI calls it (`main(argv)` returns the JSON
// line): the flags parse, the library runs, the files are written, and what the summary says
// agrees with the files and with what the other CLIs compute from them.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/decide/random.js';
import { syntheticRows } from '../campaign/world.js';
import { formatHillstrom, type HillstromRow } from '../lib/hillstrom.js';
import { MODELS_DIR } from '../lib/paths.js';
import { main as evalMain } from './eval.js';
import { main as learn } from './learn.js';
import { main as evalRecs } from './eval-recs.js';
import { main as neighbours } from './neighbours.js';
import { main as ope } from './ope.js';
import { main as optimize } from './optimize.js';
import { main as report } from './report.js';
import { main as replay } from './replay.js';
import { main as simulate } from './simulate.js';
import { main as train } from './train.js';

const dir = mkdtempSync(join(tmpdir(), 'models-cli-'));
/** What the CLIs would print on stderr (progress, warnings), kept from the test output. */
const notes: string[] = [];
const log = (line: string) => notes.push(line);
const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n');

/**
 * 900 synthetic shoppers, e-mails round-robin; the women's e-mail lifts the visits of women's
 * buyers on the web from 10% to 60%.
 */
const random = seededRandom(21);
const ARMS = ['mens', 'womens', 'none'] as const;
const rows: HillstromRow[] = syntheticRows(900, random).map((row, i) => {
  const arm = ARMS[i % 3]!;
  const lifted = row.womens && row.channel === 'web' && arm === 'womens';
  return { ...row, arm, visit: random() < (lifted ? 0.6 : 0.1) ? 1 : 0 };
});
const csv = join(dir, 'shoppers.csv');
writeFileSync(csv, formatHillstrom(rows));

// Each step reads what the one before wrote, so they run in order; generous time limits because
// the machine may be busy (none of them depends on speed).
describe('the campaign CLIs on one simulated run', () => {
  const sim = join(dir, 'sim');
  const feedback = join(sim, 'feedback.jsonl');
  let simulated: Awaited<ReturnType<typeof simulate>>;

  it('simulate writes the logs its summary counts', async () => {
    simulated = await simulate([
      '--out',
      sim,
      '--data',
      csv,
      '--shoppers',
      '60',
      '--days',
      '3',
      '--seed',
      '4',
      '--scorer',
      'fallback',
    ]);
    expect(lines(join(sim, 'decisions.jsonl'))).toHaveLength(simulated.decisions);
    expect(lines(join(sim, 'orders.jsonl'))).toHaveLength(simulated.orders);
    const events = lines(feedback).flatMap((l) => (JSON.parse(l) as { events: unknown[] }).events);
    expect(events).toHaveLength(simulated.events);
    expect(simulated.personalized + simulated.holdout).toBeLessThanOrEqual(simulated.decisions);
  }, 30_000);

  it('ope with a policy file recovers the simulation’s own truth for that policy', async () => {
    const policy = join(dir, 'uniform.json');
    writeFileSync(policy, JSON.stringify({ decisions: { exploration: 1 } }));
    const truth = JSON.parse(readFileSync(join(sim, 'truth.json'), 'utf8')) as {
      policies: Record<string, { value: { claim: number } }>;
    };
    const out = await ope(
      [
        '--feedback',
        feedback,
        '--policy',
        policy,
        '--truth',
        join(sim, 'truth.json'),
        '--bootstrap',
        '50',
      ],
      log,
    );
    // Every personalized decision that showed an offer is a sample.
    expect(out).toMatchObject({ source: 'decisions', n: simulated.personalized });
    expect('truth' in out && out.truth).toBeCloseTo(truth.policies.uniform!.value.claim, 12);
  }, 30_000);

  it('ope reads the same list in both syntaxes; a file given twice is all duplicates', async () => {
    const twice = ['--policy', 'greedy', '--bootstrap', '20'];
    const spaced = await ope(['--feedback', feedback, feedback, ...twice], log);
    notes.length = 0;
    const commas = await ope(['--feedback', `${feedback},${feedback}`, ...twice], log);
    expect(commas).toEqual(spaced);
    expect(notes).toEqual([
      `--feedback a,b is deprecated and will be refused in the next release: write --feedback ${feedback} ${feedback}`,
    ]);
    expect(spaced.source).toBe('reported');
    expect(spaced.events).toBe(simulated.events);
    expect(spaced.duplicates).toBe(simulated.events);
  }, 30_000);

  it('optimize searches the shipped space on the same samples and writes the patch', async () => {
    const out = await optimize(
      [
        '--feedback',
        feedback,
        '--space',
        join(MODELS_DIR, 'campaign-space.json'),
        '--budget',
        '15',
        '--out',
        join(dir, 'opt'),
      ],
      log,
    );
    expect(out).toMatchObject({ evaluations: 15, decisions: simulated.personalized });
    const patch = JSON.parse(readFileSync(join(dir, 'opt', 'patch.json'), 'utf8')) as {
      format: string;
      settings: unknown;
    };
    expect(patch).toMatchObject({ format: 'offerwise-catalog-patch', settings: out.best });
    expect(existsSync(join(dir, 'opt', 'trace.json'))).toBe(true);
  }, 30_000);

  it('report counts the events and writes report.json and report.html', async () => {
    const out = await report(
      ['--feedback', feedback, '--orders', join(sim, 'orders.jsonl'), '--out', join(dir, 'report')],
      log,
    );
    expect(out).toMatchObject({ events: simulated.events, duplicates: 0 });
    const written = JSON.parse(readFileSync(out.json, 'utf8')) as {
      summary: { decisions: number; orders: { orders: number } };
    };
    expect(written.summary.decisions).toBe(out.decisions);
    expect(written.summary.orders.orders).toBe(simulated.orders);
    expect(readFileSync(out.html, 'utf8')).toMatch(/^<!doctype html>/i);
  }, 30_000);

  it('refuses a bad flag naming it', async () => {
    await expect(simulate(['--out', sim, '--visit-rate', '2'])).rejects.toThrow(
      '--visit-rate: got "2", expected a number in (0, 1]',
    );
    await expect(ope(['--policy', 'greedy'], log)).rejects.toThrow(
      '--feedback: got nothing, expected JSONL files of feedback batches (required)',
    );
  });
});

describe('the recommendation CLIs', () => {
  // Three sessions ending at the same second (no recency decay): A→B twice, A→C once.
  const t = 1_767_225_600; // 2026-01-01, unix seconds
  const tsv = (sessions: string[][], start: number) =>
    [
      'SessionId\tItemId\tTime',
      ...sessions.flatMap((items, s) =>
        items.map((item, i) => `s${s}\t${item}\t${start + i * 10}`),
      ),
    ].join('\n');
  const train = join(dir, 'train.tsv');
  const test = join(dir, 'test.tsv');
  writeFileSync(
    train,
    tsv(
      [
        ['A', 'B'],
        ['A', 'B'],
        ['A', 'C'],
      ],
      t,
    ),
  );
  writeFileSync(test, tsv([['A', 'B']], t + 86_400));

  it('neighbours writes the weights worked out by hand', () => {
    const out = neighbours(
      [
        ...['--data', train, '--out', join(dir, 'nb.json')],
        ...['--popularity-exponent', '0.25', '--cooccurrence', '0'],
      ],
      log,
    );
    expect(out).toMatchObject({ sessions: 3, clicks: 6, skipped_rows: 0, items: 3 });
    const written = JSON.parse(readFileSync(join(dir, 'nb.json'), 'utf8')) as {
      items: Record<string, { neighbours: [string, number][] }>;
      recommendations: { repeat: number[] };
    };
    // No session returns to an item: nothing to learn about repeats.
    expect(written.recommendations.repeat).toEqual(new Array(10).fill(0));
    expect(out.bytes).toBe(Buffer.byteLength(readFileSync(join(dir, 'nb.json'))));
    // n_A = 3, n_B = 2, n_C = 1: w(A→B) = 2 / (3 · 2^0.25), w(A→C) = 1 / (3 · 1).
    expect(written.items.A!.neighbours).toEqual([
      ['B', 0.5606],
      ['C', 0.3333],
    ]);
  });

  it('eval:recs scores the next click of the test session', () => {
    const out = evalRecs(['--data', test, '--train', train], log);
    expect(out).toMatchObject({ train_sessions: 3, test_sessions: 1, items: 3 });
    expect(out.method).toMatchObject({ n_predictions: 1, hr_at_20: 1 });
    expect(out.session_rec.method).toMatchObject({ n_predictions: 1, hr_at_20: 1 });
    expect(out.not_yet_viewed.method).toMatchObject({ n_predictions: 1, hr_at_20: 1 });
    expect(out.tuning).toBeUndefined();
  });

  it('eval:recs --tune yes picks the settings on the last training day, never on the test day', () => {
    // Day 0: A→B ×3 and A→C; day 1 (validation): A→C ×2; day 2 (test): A→B.
    const day = 86_400;
    const rows = [
      ...tsv(
        [
          ['A', 'B'],
          ['A', 'B'],
          ['A', 'B'],
          ['A', 'C'],
        ],
        t,
      )
        .split('\n')
        .slice(1),
      ...tsv(
        [
          ['A', 'C'],
          ['A', 'C'],
        ],
        t + day + 100,
      )
        .split('\n')
        .slice(1)
        .map((r) => `v${r}`),
      ...tsv([['A', 'B']], t + 2 * day + 200)
        .split('\n')
        .slice(1)
        .map((r) => `x${r}`),
    ];
    const data = join(dir, 'tune.tsv');
    writeFileSync(data, ['SessionId\tItemId\tTime', ...rows].join('\n'));
    const out = evalRecs(['--data', data, '--tune', 'yes'], log);
    expect(out.tuning).toMatchObject({
      validation: { train_sessions: 4, validation_sessions: 2, predictions: 2 },
    });
    // Stage 1: 5 windows × 3 decays × 3 backward × 2 co-occurrence × 3 exponents, a window of 1
    // with one decay only (270 − 36); stage 2: 4 recency decays × 2 priors × 4 repeat scales × 2 k.
    expect(out.tuning!.grid_size).toBe(234 + 64);
    expect(out.tuning!.grid.length).toBe(out.tuning!.grid_size);
    // Every grid point ranks C below B after A on day 0's counts, except those whose
    // popularity exponent damps B (3 sessions) enough: w(A→B) = 3/(4·3^e) vs w(A→C) = 1/(4·1^e)
    // ties at e = 1 — beyond the grid — so the validation MRR is 1/2 everywhere.
    expect(out.tuning!.winner.validation).toMatchObject({ hr_at_20: 1, mrr_at_20: 0.5 });
    // Trained on days 0 and 1, A→B and A→C have three sessions each; C's are a day newer (weight
    // 0.5^(1/7) more under the 7-day half-life), so on the test day B comes second.
    expect(out.session_rec.method).toMatchObject({ n_predictions: 1, mrr_at_20: 0.5 });
    expect(() => evalRecs(['--data', data, '--tune', 'maybe'], log)).toThrow(
      '--tune: got "maybe", expected one of yes, no',
    );
  });
});

describe('the uplift CLIs', () => {
  it("train --study yes runs the men's-arm study on the same folds and writes no model", () => {
    const result = train(
      ['--data', csv, '--folds', '2', '--study', 'yes', '--out', join(dir, 'none')],
      log,
    );
    if (!('study' in result)) throw new Error('no study');
    expect(result.study.map((r) => r.method)).toEqual([
      'two-model-logistic',
      'linear-svm',
      'per-arm-logistic',
      'per-arm-svm',
      'class-transformation',
      'x-learner',
    ]);
    for (const r of result.study)
      expect(Number.isFinite((r as unknown as { mens: { mean: number } }).mens.mean)).toBe(true);
    expect(existsSync(join(dir, 'none.onnx'))).toBe(false);
  });

  it('train writes the model its summary names, and eval and replay read the same file', async () => {
    const out = join(dir, 'model', 'small');
    const trained = train(
      ['--data', csv, '--out', out, '--folds', '2', '--fallback-ts', join(dir, 'fallback.ts')],
      log,
    );
    if (!('sha256' in trained)) throw new Error('train wrote no model');
    const bytes = readFileSync(`${out}.onnx`);
    expect(trained.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(trained.bytes).toBe(bytes.length);
    expect(readFileSync(join(dir, 'model', 'REPORT.md'), 'utf8')).toContain(trained.sha256);
    expect(readFileSync(join(dir, 'fallback.ts'), 'utf8')).toContain(
      `fallback-${trained.sha256.slice(0, 12)}`,
    );

    const evaluated = await evalMain(['--data', csv, '--model', `${out}.onnx`]);
    expect(evaluated.womens.n).toBe(rows.filter((r) => r.arm !== 'mens').length);
    expect(evaluated.any.n).toBe(rows.length);

    // Effects learned on the shipped segments, scored with another segments file: refused (the
    // SDK would use their pooled values), named; with --segments none, their pooled values.
    const effects = join(dir, 'effects.json');
    await learn(['--hillstrom', csv, '--model', `${out}.onnx`, '--out', effects], log);
    // A campaign file's rows are scored with their nearest group by default; --placement blend
    // writes the SDK's default (no field), and anything else is refused naming the choices.
    expect(JSON.parse(readFileSync(effects, 'utf8')).placement).toBe('nearest');
    const blended = join(dir, 'effects-blend.json');
    await learn(
      ['--hillstrom', csv, '--model', `${out}.onnx`, '--placement', 'blend', '--out', blended],
      log,
    );
    expect(JSON.parse(readFileSync(blended, 'utf8'))).not.toHaveProperty('placement');
    await expect(
      learn(['--hillstrom', csv, '--placement', 'hard', '--out', blended], log),
    ).rejects.toThrow('--placement: got "hard", expected one of blend, nearest');
    // Offer effects only: no groups to place, no placement in the file.
    const pooledOnly = join(dir, 'effects-pooled.json');
    await learn(['--hillstrom', csv, '--segments', 'none', '--out', pooledOnly], log);
    expect(JSON.parse(readFileSync(pooledOnly, 'utf8'))).not.toHaveProperty('placement');
    const shipped = readFileSync(join(MODELS_DIR, 'default-segments.json'), 'utf8');
    const other = join(dir, 'other-segments.json');
    writeFileSync(other, JSON.stringify(JSON.parse(shipped)));
    const evalWith = (segments: string) =>
      evalMain([
        '--data',
        csv,
        '--model',
        `${out}.onnx`,
        '--effects',
        effects,
        '--segments',
        segments,
      ]);
    const sha12 = (text: string | Buffer) =>
      createHash('sha256').update(text).digest('hex').slice(0, 12);
    await expect(evalWith(other)).rejects.toThrow(
      `--effects ${effects}: learned on segments ${sha12(shipped)}…, but --segments ${other} is ${sha12(readFileSync(other))}…: pass the file it was learned with, or --segments none for its pooled values`,
    );
    const pooled = await evalWith('none');
    // Every row gets the same two scores: nothing is ranked.
    expect(pooled.womens.qini_auc).toBe(0);

    const replayed = await replay(['--data', csv, '--folds', '2', '--share', '0.5']);
    expect(replayed).toMatchObject({ rows: rows.length, share: 0.5 });
    expect(replayed.incrementalVisitsPer1000.map((r) => r.policy)).toEqual([
      'uplift',
      'most_likely_to_buy',
      'biggest_discount',
      'random',
      'learned',
    ]);
    expect(replayed).not.toHaveProperty('bootstrap');
    // --bootstrap: the whole replay again on resampled shoppers, progress on stderr.
    const booted = await replay(
      ['--data', csv, '--folds', '2', '--share', '0.5', '--bootstrap', '2', '--segments', 'none'],
      log,
    );
    expect(booted.bootstrap!.runs).toBe(2);
    expect(booted.bootstrap!.differences.map((d) => d.against)).toEqual([
      'most_likely_to_buy',
      'biggest_discount',
      'random',
    ]);
    expect(notes).toContain('replay: bootstrap 2 of 2');
    await expect(replay(['--data', csv, '--bootstrap', '1'])).rejects.toThrow(
      '--bootstrap: got 1, expected 0 (no bootstrap) or at least 2 runs (a spread)',
    );
  }, 60_000);

  it('eval and learn --hillstrom refuse files they cannot use, naming the flag, and never overwrite the input', async () => {
    const effects = join(dir, 'effects-hostile.json');
    await learn(['--hillstrom', csv, '--scorer', 'fallback', '--out', effects], log);
    const file = JSON.parse(readFileSync(effects, 'utf8'));
    // A file of other offers (the loop's coupons) would score every row alike.
    const foreign = join(dir, 'effects-foreign.json');
    writeFileSync(
      foreign,
      JSON.stringify({ ...file, offers: { 'c-shoes-10': file.offers['email-mens'] } }),
    );
    await expect(evalMain(['--data', csv, '--effects', foreign])).rejects.toThrow(
      `--effects ${foreign}: has no effect for email-mens or email-womens (its offers: c-shoes-10): learn one with npm run learn -- --hillstrom`,
    );
    // One of the two missing, or a file past its time: scored, with a warning.
    const half = join(dir, 'effects-half.json');
    writeFileSync(
      half,
      JSON.stringify({
        ...file,
        valid_until: '2001-01-02T00:00:00Z',
        generated_at: '2001-01-01T00:00:00Z',
        offers: { 'email-mens': file.offers['email-mens'] },
      }),
    );
    const warnings: string[] = [];
    await evalMain(['--data', csv, '--effects', half], (line) => warnings.push(line));
    expect(warnings).toEqual([
      `eval: warning: --effects ${half} has no effect for email-womens: it is scored as an offer the file does not know`,
      `eval: warning: --effects ${half} is past its valid_until (2001-01-02T00:00:00.000Z): a device would ignore it`,
    ]);
    const missing = join(dir, 'no-such.onnx');
    await expect(evalMain(['--data', csv, '--model', missing])).rejects.toThrow(
      `--model: got "${missing}", expected a file that exists`,
    );
    await expect(evalMain(['--data', missing])).rejects.toThrow(`--data: got "${missing}"`);

    // Groups on categories Hillstrom does not have place every row alike: said, not refused.
    const shipped = JSON.parse(readFileSync(join(MODELS_DIR, 'default-segments.json'), 'utf8'));
    const elsewhere = join(dir, 'segments-elsewhere.json');
    writeFileSync(
      elsewhere,
      JSON.stringify({
        ...shipped,
        vector: { ...shipped.vector, categories: ['a', 'b', 'c', 'd', 'e'] },
      }),
    );
    const notes: string[] = [];
    await learn(
      [
        '--hillstrom',
        csv,
        '--scorer',
        'fallback',
        '--segments',
        elsewhere,
        '--out',
        join(dir, 'e.json'),
      ],
      (line) => notes.push(line),
    );
    expect(notes).toContain(
      `learn: warning: --segments ${elsewhere} has the categories a, b, c, d, e, none of Hillstrom's (mens, womens): its groups cannot tell the campaign's buyers apart`,
    );

    // --rest naming the input (or --out) would overwrite it: refused before anything is written.
    const before = readFileSync(csv, 'utf8');
    const split = (rest: string, fraction = '0.5') =>
      learn(['--hillstrom', csv, '--split', fraction, '--rest', rest, '--out', effects], log);
    await expect(split(csv)).rejects.toThrow(
      `--rest ${csv}: is the --hillstrom file: it would be overwritten; name another file`,
    );
    await expect(split(effects)).rejects.toThrow('is the --out file');
    const rest = join(dir, 'rest-tiny.csv');
    await expect(split(rest, '0.0001')).rejects.toThrow(
      `--split 0.0001: of ${rows.length} rows leaves 0 to learn on and ${rows.length} to score`,
    );
    expect(existsSync(rest)).toBe(false);
    expect(readFileSync(csv, 'utf8')).toBe(before);
  }, 60_000);

  it('name the file, line, column and value of a bad row (train, eval, learn, replay alike)', async () => {
    const lines = readFileSync(csv, 'utf8').trimEnd().split('\n');
    const cells = lines[1]!.split(',');
    cells[lines[0]!.split(',').indexOf('history')] = '-5';
    const bad = join(dir, 'bad-history.csv');
    writeFileSync(bad, [...lines, cells.join(',')].join('\n') + '\n');
    const problem = `${bad}: line ${lines.length + 1}, column "history": got "-5", expected a number >= 0`;
    expect(() => train(['--data', bad, '--out', join(dir, 'bad')], log)).toThrow(
      `bad-history.csv: line ${lines.length + 1}, column "history"`,
    );
    expect(() => train(['--data', bad, '--study', 'yes'], log)).toThrow(problem);
    await expect(evalMain(['--data', bad])).rejects.toThrow(problem);
    await expect(learn(['--hillstrom', bad, '--out', join(dir, 'bad.json')], log)).rejects.toThrow(
      problem,
    );
    await expect(replay(['--data', bad])).rejects.toThrow(problem);
  });
});
