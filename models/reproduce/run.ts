/**
 * `npm run reproduce` as a library (the CLI is models/cli/reproduce.ts): checks the data files
 * first, then runs each part in turn, compares its claims and writes `<out>/<part>.json` and
 * `<out>/<part>.md`.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { Log } from '../lib/cli.js';
import { claimsOf } from './claims.js';
import {
  compareClaims,
  comparisonMarkdown,
  markdownTable,
  type Compared,
  type Part,
} from './compare.js';
import {
  DATA_FILES,
  reproduceAnalytics,
  reproduceModel,
  reproduceOpe,
  reproduceRecs,
  type PartOutput,
} from './parts.js';

/** The data files each part reads (what `npm run data` writes). */
export const PART_FILES: Record<Part, readonly string[]> = {
  model: [DATA_FILES.hillstrom],
  recs: [DATA_FILES.yoochoose],
  analytics: [],
  ope: [DATA_FILES.hillstrom],
};

/** Throws one line naming the first missing file and how to get it. */
export function checkData(parts: readonly Part[], dataDir: string): void {
  for (const part of parts) {
    for (const file of PART_FILES[part]) {
      const path = join(dataDir, file);
      if (!existsSync(path)) {
        throw new Error(
          `--data ${dataDir}: ${path} not found (the ${part} part reads it): run npm run data (it downloads them; --from <dir> copies local ones), or pass --data <the folder that holds it>`,
        );
      }
    }
  }
}

export function machine() {
  const list = cpus();
  return { cpus: list.length, model: list[0]?.model ?? 'unknown', node: process.version };
}

export interface PartSummary {
  seconds: number;
  claims: number;
  differ: { id: string; doc: string; quoted: string; reproduced: string | null }[];
}

export interface Summary {
  parts: Partial<Record<Part, PartSummary>>;
  differ: number;
  machine: ReturnType<typeof machine>;
}

type Runner = (dataDir: string, log: Log) => Promise<PartOutput> | PartOutput;

const RUNNERS: Record<Part, Runner> = {
  model: reproduceModel,
  recs: reproduceRecs,
  analytics: (_dataDir, log) => reproduceAnalytics(log),
  ope: reproduceOpe,
};

/** A part's Markdown: what was run where, the tables, what was left out, then the comparison. */
export function partMarkdown(
  part: Part,
  output: PartOutput,
  compared: readonly Compared[],
  seconds: number,
  host: ReturnType<typeof machine>,
): string {
  const lines = [
    `# npm run reproduce: ${part}`,
    '',
    `Measured in ${seconds.toFixed(1)} s on ${host.cpus} × ${host.model}, Node ${host.node}.`,
    '',
    'Commands it stands for:',
    '',
    ...output.commands.map((c) => `- \`${c}\``),
    '',
    ...Object.values(output.tables).flatMap((t) => [markdownTable(t), '']),
  ];
  for (const s of output.skipped) lines.push(`Left out: ${s.table} (${s.doc}): ${s.reason}.`, '');
  lines.push(comparisonMarkdown(compared), '');
  return lines.join('\n');
}

export async function reproduce(options: {
  parts: readonly Part[];
  data: string;
  out: string;
  log: Log;
}): Promise<Summary> {
  const { parts, data, out, log } = options;
  checkData(parts, data);
  mkdirSync(out, { recursive: true });
  const host = machine();
  const summary: Summary = { parts: {}, differ: 0, machine: host };
  for (const part of parts) {
    const started = performance.now();
    log(`reproduce: ${part}: started`);
    const output = await RUNNERS[part](data, log);
    const seconds = (performance.now() - started) / 1000;
    const compared = compareClaims(claimsOf(part), output.values);
    const differ = compared.filter((c) => c.status !== 'match');
    writeFileSync(
      join(out, `${part}.json`),
      `${JSON.stringify(
        {
          part,
          seconds: Number(seconds.toFixed(1)),
          machine: host,
          commands: output.commands,
          tables: output.tables,
          skipped: output.skipped,
          claims: compared,
          values: output.values,
        },
        null,
        2,
      )}\n`,
    );
    writeFileSync(join(out, `${part}.md`), partMarkdown(part, output, compared, seconds, host));
    log(
      `reproduce: ${part}: ${seconds.toFixed(1)} s, ${compared.length} claims, ${differ.length} differ; wrote ${join(out, `${part}.json`)} and .md`,
    );
    for (const c of differ)
      log(
        `reproduce: ${part}: ${c.status}: ${c.id}: quoted ${c.quoted}, reproduced ${c.reproducedText ?? 'nothing'}`,
      );
    summary.parts[part] = {
      seconds: Number(seconds.toFixed(1)),
      claims: compared.length,
      differ: differ.map((c) => ({
        id: c.id,
        doc: c.doc,
        quoted: c.quoted,
        reproduced: c.reproducedText,
      })),
    };
    summary.differ += differ.length;
  }
  return summary;
}
