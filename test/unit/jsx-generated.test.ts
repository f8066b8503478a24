// widgets/jsx.generated.ts is made from custom-elements.json by widgets/build/jsx-types.mjs and
// committed. Here: the committed file is what the generator makes of today's components (else
// the JSX types would drift from the elements), and the generator's rules on a small hand-made
// manifest. test/unit/jsx-react.test.ts compiles the React 19 entry with React's own types.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMAND, OUTPUT, ROOT, format, generate, render } from '../../widgets/build/jsx-types.mjs';

describe('widgets/jsx.generated.ts', () => {
  it('is what the generator makes of the components now', async () => {
    const committed = readFileSync(path.join(ROOT, OUTPUT), 'utf8');
    const fresh = await generate();
    expect(committed, `${OUTPUT} is stale: run \`${COMMAND}\``).toBe(fresh);
  }, 60_000);
});

// A component module, a base class in another module, and the shared event details.
const sources: Record<string, string> = {
  'widgets/x/x.component.ts': `
    import type { Thing as Item } from '../../src/thing.js';
    import { emit, type OwOfferEventDetail } from '../shared/events.js';
    import { OwBase } from '../base/base.component.js';
    export interface XMessages { heading: string }
    interface Hidden { secret: string }
    export class OwX extends OwBase {}
  `,
  'widgets/base/base.component.ts': `
    import type { Offerwise } from '../../src/offerwise.js';
    export class OwBase {}
  `,
  'widgets/shared/events.ts': `
    export interface OwOfferEventDetail { offerId: string }
    export interface OwClaimEventDetail extends OwOfferEventDetail { code: string }
  `,
  'widgets/y/y.component.ts': `
    export interface XMessages { other: string }
    export class OwY {}
  `,
};
const read = (file: string): string => {
  const source = sources[file];
  if (source === undefined) throw new Error(`no source ${file}`);
  return source;
};

interface Item {
  name: string;
  kind?: string;
  type?: { text: string };
  [more: string]: unknown;
}
function manifestOf(overrides: { members?: Item[]; attributes?: Item[]; events?: Item[] } = {}) {
  return {
    schemaVersion: '1.0.0',
    modules: [
      {
        kind: 'javascript-module',
        path: 'widgets/x/x.component.ts',
        declarations: [
          {
            kind: 'class',
            name: 'OwX',
            tagName: 'ow-x',
            customElement: true,
            members: overrides.members ?? [
              { kind: 'field', name: 'items', type: { text: 'Item[]' }, description: 'Shown.' },
              {
                kind: 'field',
                name: 'limit',
                type: { text: 'number | `${number}` | undefined' },
                attribute: 'limit',
              },
              {
                kind: 'field',
                name: 'signInUrl',
                type: { text: 'string' },
                attribute: 'sign-in-url',
              },
              { kind: 'field', name: 'messages', type: { text: 'Partial<XMessages>' } },
              { kind: 'field', name: 'empty', type: { text: 'boolean' }, readonly: true },
              { kind: 'field', name: 'cache', static: true, type: { text: 'Map<string, number>' } },
              { kind: 'method', name: 'refresh' },
              {
                kind: 'field',
                name: 'offerwise',
                type: { text: 'Offerwise | undefined' },
                inheritedFrom: { name: 'OwBase', module: 'widgets/base/base.component.ts' },
              },
            ],
            attributes: overrides.attributes ?? [
              { name: 'limit', fieldName: 'limit', type: { text: 'number | `${number}`' } },
              { name: 'sign-in-url', fieldName: 'signInUrl', type: { text: 'string' } },
              { name: 'empty', fieldName: 'empty', type: { text: 'boolean' } },
              { name: 'theme', description: 'Attribute only.' },
            ],
            events: overrides.events ?? [
              {
                name: 'ow-click',
                type: { text: 'CustomEvent<OwOfferEventDetail>' },
                description: 'Followed.',
              },
              // Not imported by the component: found among the shared event details.
              { name: 'ow-claim', type: { text: 'CustomEvent<OwClaimEventDetail>' } },
            ],
          },
        ],
      },
    ],
  };
}

/** `export interface name { … }` of `source`, comments and blank lines dropped. */
function block(source: string, name: string): string[] {
  const match = new RegExp(`export interface ${name} \\{\\n([\\s\\S]*?)\\n\\}`).exec(source);
  expect(match, name).not.toBeNull();
  return match![1]!
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('/**') && !line.startsWith('*'));
}

describe('the JSX types generator', () => {
  it('types properties, attributes named apart from them and events as the manifest states', async () => {
    const out = await format(render(manifestOf(), read));
    expect(block(out, 'OwXProps')).toEqual([
      'items?: Item[];',
      // number | `${number}` → OwNumber; `limit` is both property and attribute: written once.
      'limit?: OwNumber | undefined;',
      'signInUrl?: string;',
      "'sign-in-url'?: string;",
      'messages?: Partial<XMessages>;',
      'offerwise?: Offerwise | undefined;',
      // An attribute with no field or type is a string.
      'theme?: string;',
    ]);
    expect(block(out, 'OwXEvents')).toEqual([
      "'ow-click': CustomEvent<OwOfferEventDetail>;",
      "'ow-claim': CustomEvent<OwClaimEventDetail>;",
    ]);
    expect(block(out, 'OwElementClasses')).toEqual(["'ow-x': OwX;"]);
    expect(block(out, 'OwElementAttributes')).toEqual(["'ow-x': OwXProps;"]);
    expect(block(out, 'OwElementEventTypes')).toEqual(["'ow-x': OwXEvents;"]);
    // Each name imported from where its declaring module has it (an inherited member's: the
    // base's module; an alias kept), relative to widgets/.
    const imports = out.split('\n').filter((line) => line.startsWith('import '));
    expect(imports).toEqual([
      "import type { Offerwise } from '../src/offerwise.js';",
      "import type { Thing as Item } from '../src/thing.js';",
      "import type { OwClaimEventDetail, OwOfferEventDetail } from './shared/events.js';",
      "import type { OwX, XMessages } from './x/x.component.js';",
    ]);
    expect(out).toContain('export type OwNumber = number | `${number}`;');
    // The doc comments travel with the types.
    expect(out).toContain('/** Shown. */\n  items?: Item[];');
    expect(out).toContain('/** The `signInUrl` property, as an attribute. */');
  });

  it('refuses what it cannot type, naming the element, the member and the fix', () => {
    const attempt = (overrides: Parameters<typeof manifestOf>[0]) => () =>
      render(manifestOf(overrides), read);
    expect(attempt({ events: [{ name: 'ow-click' }] })).toThrow(
      "<ow-x>'s event ow-click has no type in custom-elements.json: write it in the class's JSDoc, `@fires {CustomEvent<Detail>} ow-click - …` (then run `node widgets/build/jsx-types.mjs`)",
    );
    expect(
      attempt({ members: [{ kind: 'field', name: 'delay', type: { text: 'number' } }] }),
    ).toThrow('<ow-x>\'s property delay is a `number`: JSX passes `"2"` as a string');
    expect(
      attempt({ members: [{ kind: 'field', name: 'secret', type: { text: 'Hidden' } }] }),
    ).toThrow(
      "<ow-x>'s property secret: Hidden is declared in widgets/x/x.component.ts but not exported: export it",
    );
    expect(attempt({ members: [{ kind: 'field', name: 'label' }] })).toThrow(
      "<ow-x>'s property label has no type in custom-elements.json",
    );
    expect(
      attempt({ members: [{ kind: 'field', name: 'bad', type: { text: 'string |' } }] }),
    ).toThrow("<ow-x>'s property bad: the manifest's type `string |` is not a TypeScript type");
  });

  it('refuses two types of one name from different modules', () => {
    const manifest = manifestOf({
      members: [{ kind: 'field', name: 'messages', type: { text: 'XMessages' } }],
      attributes: [],
      events: [],
    });
    manifest.modules.push({
      kind: 'javascript-module',
      path: 'widgets/y/y.component.ts',
      declarations: [
        {
          kind: 'class',
          name: 'OwY',
          tagName: 'ow-y',
          customElement: true,
          members: [{ kind: 'field', name: 'messages', type: { text: 'XMessages' } }],
          attributes: [],
          events: [],
        },
      ],
    });
    expect(() => render(manifest, read)).toThrow(
      "<ow-y>'s property messages: two types are named XMessages (XMessages from widgets/x/x.component.ts, XMessages from widgets/y/y.component.ts): rename one",
    );
  });
});
