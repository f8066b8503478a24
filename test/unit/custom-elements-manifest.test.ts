// dist/custom-elements.json is the elements' public API for editors and generated JSX/Vue typings:
// internal reactive state (`{ state: true }`, `@state()`) and private or protected members must not
// appear in it as attributes or fields. The analyzer runs here with the repository's own config
// (custom-elements-manifest.config.mjs) on the real components, writing nothing.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- the analyzer ships no types for its CLI module or its Lit plugin.
import { cli } from '@custom-elements-manifest/analyzer/cli.js';
import * as analyzer from '@custom-elements-manifest/analyzer';
// @ts-expect-error -- see above.
import { litPlugin } from '@custom-elements-manifest/analyzer/src/features/framework-plugins/lit/lit.js';
// @ts-expect-error -- a plain .mjs config file without declarations.
import { ownTypesWin, publicApiOnly } from '../../custom-elements-manifest.config.mjs';

// Its own TypeScript (its syntax kinds), and `create`, which its declarations leave out.
const { create, ts } = analyzer as unknown as {
  create(options: { modules: unknown[]; plugins: unknown[] }): unknown;
  ts: typeof import('typescript');
};

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Field {
  name: string;
  kind?: string;
  privacy?: string;
  fieldName?: string;
  readonly?: boolean;
  type?: { text: string };
  inheritedFrom?: { name: string };
}
interface Declaration {
  kind: string;
  name: string;
  tagName?: string;
  customElement?: boolean;
  attributes?: Field[];
  members?: Field[];
  events?: { name: string; type?: { text: string }; inheritedFrom?: { name: string } }[];
}
interface Manifest {
  modules: { path: string; declarations?: Declaration[] }[];
}

function elements(manifest: Manifest): Map<string, Declaration> {
  const out = new Map<string, Declaration>();
  for (const module of manifest.modules) {
    for (const declaration of module.declarations ?? []) {
      if (declaration.customElement && declaration.tagName)
        out.set(declaration.tagName, declaration);
    }
  }
  return out;
}

const names = (list: Field[] | undefined) => (list ?? []).map((field) => field.name);

/** `x: { state: true }` entries of a component's `static properties`, read from its source. */
function declaredState(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/^\s*(\w+): \{[^}]*\bstate: true\b[^}]*\}/gm)].map((m) => m[1]!);
}

describe('custom-elements.json lists the public API only', () => {
  it('has no internal state, private or protected member of the real components', async () => {
    const manifest = (await cli({
      argv: ['analyze', '--quiet'],
      cwd: root,
      noWrite: true,
    })) as Manifest;
    const byTag = elements(manifest);
    // Hand-picked from the issue: internal state that the unfiltered manifest listed as attributes.
    const leaked: Record<string, string[]> = {
      'ow-my-data': ['busy', 'confirming', 'status', 'failed', 'profile', 'consentState'],
      'ow-offers': ['view', 'catalog'],
      'ow-coupon': ['claimed', 'code', 'status'],
      'ow-member-deal': ['claimed', 'code', 'status'],
      'ow-recommendations': ['items', 'status', 'itemsMode'],
      'ow-why': ['muteState'],
    };
    for (const [tag, state] of Object.entries(leaked)) {
      const element = byTag.get(tag);
      expect(element, tag).toBeDefined();
      for (const name of state) {
        expect(names(element!.attributes), `${tag} attribute ${name}`).not.toContain(name);
        expect(names(element!.members), `${tag} member ${name}`).not.toContain(name);
      }
    }

    // And whatever any component declares as state now, read from its source.
    const componentFiles = readdirSync(path.join(root, 'widgets'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .flatMap((dir) =>
        readdirSync(path.join(root, 'widgets', dir.name))
          .filter((file) => file.endsWith('.component.ts'))
          .map((file) => path.join('widgets', dir.name, file)),
      );
    expect(componentFiles.length).toBeGreaterThanOrEqual(7);
    for (const module of manifest.modules) {
      if (!componentFiles.includes(module.path)) continue;
      const state = declaredState(path.join(root, module.path));
      for (const declaration of module.declarations ?? []) {
        for (const field of [...(declaration.attributes ?? []), ...(declaration.members ?? [])]) {
          expect(state, `${module.path} lists state ${field.name}`).not.toContain(
            field.fieldName ?? field.name,
          );
          expect(['private', 'protected'], `${module.path} ${field.name}`).not.toContain(
            field.privacy,
          );
          expect(field.name.startsWith('_'), `${module.path} ${field.name}`).toBe(false);
        }
      }
    }

    // The public API stays: attributes, properties and events a page uses.
    expect(names(byTag.get('ow-offers')!.attributes)).toEqual(
      expect.arrayContaining(['placement', 'limit', 'min-height', 'types', 'empty']),
    );
    expect(names(byTag.get('ow-offers')!.members)).toEqual(
      expect.arrayContaining(['placement', 'limit', 'messages']),
    );
    expect(names(byTag.get('ow-offers')!.events)).toContain('ow-decision');
    expect(names(byTag.get('ow-coupon')!.attributes)).toContain('decision-id');
    expect(names(byTag.get('ow-member-deal')!.attributes)).toEqual(
      expect.arrayContaining(['member', 'sign-in-url', 'decision-id']),
    );
    expect(names(byTag.get('ow-my-data')!.members)).toEqual(
      expect.arrayContaining(['messages', 'refresh']),
    );

    // What the generated JSX types read (widgets/build/jsx-types.mjs): every event typed from its
    // `@fires {…}`, the instance every element inherits, a subclass's own type for what it
    // redeclares, and `empty` marked as the element's to set.
    const member = (tag: string, name: string) =>
      byTag.get(tag)!.members!.find((field) => field.name === name);
    for (const [tag, element] of byTag) {
      for (const event of element.events ?? []) {
        expect(event.type?.text, `${tag} ${event.name}`).toMatch(/^CustomEvent<Ow\w+EventDetail>$/);
      }
      expect(member(tag, 'offerwise')?.type?.text, tag).toBe('Offerwise | undefined');
    }
    expect(names(byTag.get('ow-flash-sale')!.events)).toContain('ow-interest-off');
    expect(member('ow-member-deal', 'messages')?.type?.text).toBe('Partial<MemberDealMessages>');
    expect(member('ow-member-deal', 'messages')?.inheritedFrom).toBeUndefined();
    expect(member('ow-member-deal', 'offer')?.inheritedFrom?.name).toBe('OwCoupon');
    expect(member('ow-offers', 'empty')?.readonly).toBe(true);
  }, 60_000);

  it('removes @state() fields, static-getter state and _ members, inherited ones too', () => {
    const source = `
      import { LitElement } from 'lit';
      import { property, state } from 'lit/decorators.js';
      export class Base extends LitElement {
        static get properties() {
          return { label: {}, pressed: { state: true } };
        }
        protected hidden = 1;
      }
      export class Shown extends Base {
        @property() size = 'm';
        @state() open = false;
        _cache = 0;
        #secret = 1;
        private ready = false;
        reset(): void {}
      }
      customElements.define('x-shown', Shown);
    `;
    const module = ts.createSourceFile('x-shown.ts', source, ts.ScriptTarget.ES2015, true);
    const manifest = create({
      modules: [module],
      plugins: [...litPlugin(), publicApiOnly()],
    }) as Manifest;
    const shown = elements(manifest).get('x-shown')!;
    expect(names(shown.attributes).sort()).toEqual(['label', 'size']);
    expect(names(shown.members).sort()).toEqual(['label', 'reset', 'size']);
  });

  it("keeps a subclass's own type for a member or event it redeclares", () => {
    const source = `
      import { LitElement } from 'lit';
      /** @fires {CustomEvent<BaseDetail>} x-pick - Picked. */
      export class XBase extends LitElement {
        static properties = { words: { attribute: false }, size: {} };
        declare words: Partial<BaseWords>;
        declare size: string;
      }
      /** @fires {CustomEvent<ChildDetail>} x-pick - Picked, with more. */
      export class XChild extends XBase {
        declare words: Partial<ChildWords>;
      }
      customElements.define('x-child', XChild);
    `;
    const module = ts.createSourceFile('x-child.ts', source, ts.ScriptTarget.ES2015, true);
    const run = (plugins: unknown[]) =>
      elements(
        create({ modules: [module], plugins: [...litPlugin(), ...plugins] }) as Manifest,
      ).get('x-child')!;
    const typeOf = (list: Field[] | undefined, name: string) =>
      list?.find((item) => item.name === name)?.type?.text;
    // The analyzer alone copies the base's types over the child's.
    const plain = run([]);
    expect(typeOf(plain.members, 'words')).toBe('Partial<BaseWords>');
    expect(typeOf(plain.events, 'x-pick')).toBe('CustomEvent<BaseDetail>');
    const child = run([ownTypesWin()]);
    expect(typeOf(child.members, 'words')).toBe('Partial<ChildWords>');
    expect(typeOf(child.events, 'x-pick')).toBe('CustomEvent<ChildDetail>');
    // What it does not redeclare stays inherited, with the base's type.
    const size = child.members!.find((field) => field.name === 'size')!;
    expect(size.type?.text).toBe('string');
    expect(size.inheritedFrom?.name).toBe('XBase');
  });
});
