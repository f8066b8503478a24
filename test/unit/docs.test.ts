// The README and docs/*.md point at things that move: other pages and their headings, npm scripts,
// files of the repository. A page moved, a heading reworded, a script renamed or a file moved
// without its mentions fails here, naming the page and what it points at.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Markdown {
  /** Text outside fenced code blocks, with inline code spans blanked out. */
  prose: string;
  /** The contents of inline code spans outside fenced blocks. */
  spans: string[];
  /** The contents of fenced code blocks. */
  fences: string[];
  /** ATX headings outside fenced blocks, as written. */
  headings: string[];
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const CODE_SPAN = /(`+)([\s\S]*?[^`])\1(?!`)/g;

/** Splits a markdown text into what the checks below read. */
function parseMarkdown(text: string): Markdown {
  const outside: string[] = [];
  const fences: string[] = [];
  const headings: string[] = [];
  let fence: { marker: string; lines: string[] } | null = null;
  for (const line of text.split('\n')) {
    const open = FENCE.exec(line);
    if (fence) {
      if (open && open[1]![0] === fence.marker[0] && open[1]!.length >= fence.marker.length) {
        fences.push(fence.lines.join('\n'));
        fence = null;
      } else {
        fence.lines.push(line);
      }
      continue;
    }
    if (open) {
      fence = { marker: open[1]!, lines: [] };
      continue;
    }
    const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) headings.push(heading[1]!);
    outside.push(line);
  }
  const spans: string[] = [];
  // Code spans may wrap lines, and a link inside one is not a link: blank them before reading links.
  const prose = outside.join('\n').replace(CODE_SPAN, (_, ticks: string, body: string) => {
    spans.push(body.replace(/\s+/g, ' ').trim());
    return ticks + ' '.repeat(body.length) + ticks;
  });
  return { prose, spans, fences, headings };
}

/** The anchor GitHub gives a heading (github-slugger: lower case, punctuation dropped). */
function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link's text only
    .replace(/`/g, '')
    .replace(/\*+/g, '')
    .replace(/<[^>]+>/g, '');
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor of a page: duplicate headings get `-1`, `-2`, … as on GitHub. */
function anchorsOf(headings: string[]): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const heading of headings) {
    const slug = githubSlug(heading);
    const count = seen.get(slug) ?? 0;
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
    seen.set(slug, count + 1);
  }
  return anchors;
}

/** Link targets: inline `[text](target)` and `![alt](target)`, and `[ref]: target` definitions. */
function linkTargets(prose: string): string[] {
  const targets: string[] = [];
  for (const m of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push(m[1]!);
  for (const m of prose.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/gm)) targets.push(m[1]!);
  return targets;
}

/** `npm run <script>` names in a piece of code. */
function npmScripts(code: string): string[] {
  return [...code.matchAll(/\bnpm run ([\w:.-]+)/g)].map((m) => m[1]!);
}

/** Prefixes of paths git ignores (`dist/`, `demo/.data/`, …): builds and runs make them. */
const ignored = readFileSync(path.join(root, '.gitignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim().replace(/^\//, ''))
  .filter((line) => line.endsWith('/'));

/** Top-level folders of the repository that git keeps (a path elsewhere is not ours to check). */
const topFolders = new Set(
  readdirSync(root).filter(
    (name) =>
      !name.startsWith('.') &&
      statSync(path.join(root, name)).isDirectory() &&
      !ignored.includes(`${name}/`),
  ),
);

/**
 * Whether a code span names a file of this repository: a path from the repository root with a
 * folder we keep and an extension, without placeholders (`<version>`), globs or spaces.
 */
function repositoryFile(span: string): string | null {
  if (!/^[\w@.-]+(?:\/[\w@.-]+)+$/.test(span)) return null;
  if (!/\.[A-Za-z0-9]+$/.test(span.slice(span.lastIndexOf('/')))) return null;
  if (!topFolders.has(span.slice(0, span.indexOf('/')))) return null;
  if (ignored.some((prefix) => span.startsWith(prefix))) return null;
  return span;
}

const pages = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];
const parsed = new Map(
  pages.map((page) => [page, parseMarkdown(readFileSync(path.join(root, page), 'utf8'))]),
);
const scripts = Object.keys(
  (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: object })
    .scripts,
);

/** The anchors of a markdown file of the repository (parsed once). */
function anchorsOfFile(file: string): Set<string> {
  const page = path.relative(root, file).split(path.sep).join('/');
  let doc = parsed.get(page);
  if (!doc) {
    doc = parseMarkdown(readFileSync(file, 'utf8'));
    parsed.set(page, doc);
  }
  return anchorsOf(doc.headings);
}

describe('the markdown readers this test relies on', () => {
  it('slug headings as GitHub does', () => {
    expect(githubSlug('Optimiser: `npm run optimize`')).toBe('optimiser-npm-run-optimize');
    expect(githubSlug('What a shop could infer, and what it cannot')).toBe(
      'what-a-shop-could-infer-and-what-it-cannot',
    );
    expect(githubSlug('Evaluation: `npm run eval:recs`')).toBe('evaluation-npm-run-evalrecs');
    expect(githubSlug('Features (`src/features/spec.ts`, spec version 1)')).toBe(
      'features-srcfeaturesspects-spec-version-1',
    );
    expect(githubSlug('Offline replay: does uplift ranking pay?')).toBe(
      'offline-replay-does-uplift-ranking-pay',
    );
    expect(githubSlug('Caps — and the cached first paint')).toBe(
      'caps--and-the-cached-first-paint',
    );
    expect(githubSlug('The [privacy model](privacy.md)')).toBe('the-privacy-model');
    expect([...anchorsOf(['Speed', 'Tests', 'Speed', 'Speed'])]).toEqual([
      'speed',
      'tests',
      'speed-1',
      'speed-2',
    ]);
  });

  it('read links, code spans and fences, and skip what is code', () => {
    const doc = parseMarkdown(
      [
        '# Title',
        'See [the API](api.md#errors) and `[not](a-link.md)`, `npm run demo`,',
        'a [wrapped',
        'link](../README.md) and ![a picture](img/x.png "title").',
        '',
        '```sh',
        '# not a heading',
        'npm run build && npm run test:unit',
        '```',
        '',
        '[ref]: docs/privacy.md',
        '## `src/x.ts` notes',
      ].join('\n'),
    );
    expect(doc.headings).toEqual(['Title', '`src/x.ts` notes']);
    expect(linkTargets(doc.prose)).toEqual([
      'api.md#errors',
      '../README.md',
      'img/x.png',
      'docs/privacy.md',
    ]);
    expect(doc.spans).toEqual(['[not](a-link.md)', 'npm run demo', 'src/x.ts']);
    expect(doc.fences.flatMap(npmScripts)).toEqual(['build', 'test:unit']);
  });

  it('take a code span for a repository file only when it looks like one', () => {
    expect(repositoryFile('src/feedback/wire.ts')).toBe('src/feedback/wire.ts');
    expect(repositoryFile('models/default.onnx')).toBe('models/default.onnx');
    expect(repositoryFile('dist/offerwise.iife.js')).toBeNull(); // built, ignored by git
    expect(repositoryFile('demo/.data/feedback.jsonl')).toBeNull(); // written by the demo
    expect(repositoryFile('sim/feedback.jsonl')).toBeNull(); // a CLI's output folder
    expect(repositoryFile('offerwise-runtime-<version>.js')).toBeNull();
    expect(repositoryFile('onnxruntime-web/wasm')).toBeNull(); // a package entry
    expect(repositoryFile('models/')).toBeNull(); // a folder
    expect(repositoryFile('npm run build')).toBeNull();
  });
});

describe.each(pages)('%s', (page) => {
  const doc = parsed.get(page)!;
  const dir = path.dirname(path.join(root, page));

  it('links only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const target of linkTargets(doc.prose)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue;
      const hash = target.indexOf('#');
      const file = hash < 0 ? target : target.slice(0, hash);
      const anchor = hash < 0 ? '' : decodeURIComponent(target.slice(hash + 1));
      const resolved = file ? path.resolve(dir, decodeURIComponent(file)) : path.join(root, page);
      if (path.relative(root, resolved).startsWith('..') || !existsSync(resolved)) {
        broken.push(`${target}: no such file in the repository`);
        continue;
      }
      if (!anchor) continue;
      if (!resolved.endsWith('.md')) {
        broken.push(`${target}: an anchor into a file that is not markdown`);
      } else if (!anchorsOfFile(resolved).has(anchor)) {
        broken.push(`${target}: no heading with the anchor #${anchor}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('names only npm scripts that package.json has', () => {
    const code = [...doc.fences, ...doc.spans];
    const missing = code.flatMap(npmScripts).filter((name) => !scripts.includes(name));
    expect([...new Set(missing)]).toEqual([]);
  });

  it('names only repository files that exist', () => {
    const missing = doc.spans
      .map(repositoryFile)
      .filter((file): file is string => file !== null && !existsSync(path.join(root, file)));
    expect([...new Set(missing)]).toEqual([]);
  });
});

describe('the pages', () => {
  it('README.md stays under 250 lines', () => {
    const lines = readFileSync(path.join(root, 'README.md'), 'utf8').trimEnd().split('\n').length;
    expect(lines).toBeLessThan(250);
  });

  it('each docs page says what it is for before its first section', () => {
    const without = pages
      .filter((page) => page.startsWith('docs/'))
      .filter((page) => {
        const text = readFileSync(path.join(root, page), 'utf8');
        const intro = /^# .+\n+([^#\n][^\n]*)/.exec(text);
        return !intro || intro[1]!.startsWith('|') || intro[1]!.startsWith('```');
      });
    expect(without).toEqual([]);
  });

  it('README links every docs page', () => {
    const linked = new Set(
      linkTargets(parsed.get('README.md')!.prose).map((target) => target.replace(/#.*/, '')),
    );
    const unlinked = pages.filter((page) => page.startsWith('docs/') && !linked.has(page));
    expect(unlinked).toEqual([]);
  });
});
