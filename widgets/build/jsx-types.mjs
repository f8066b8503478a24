// Writes widgets/jsx.generated.ts, the `ow-` elements' props and events for JSX and Vue, from the
// custom elements manifest: the analyzer runs in-process with the repository's config, as
// `npm run build` runs it for dist/custom-elements.json, so the typings cannot drift from what
// editors and Storybook read. Run it after changing an element's public API (its properties,
// their JSDoc, its `@fires`): `node widgets/build/jsx-types.mjs` (`npm run types:jsx`).
// test/unit/jsx-generated.test.ts fails while the committed file is stale.
//
// What comes from where, per element:
// - properties: the manifest's writable public fields, typed as it states them (a `@type {…}` in
//   a field's JSDoc overrides the declared type there); a numeric one must also take numeric
//   strings, `number | \`${number}\``, written here `OwNumber`;
// - attributes: those whose name is not a property's (`decision-id`): frameworks set them as
//   attributes, the rest as properties;
// - events: the manifest's `@fires {CustomEvent<Detail>} name - …`, the bubbling ones included.
// A type named in the manifest is imported from where the declaring component module has it
// (its imports or its own exports), else from widgets/shared/events.ts's exports: a component
// that only lets an event bubble through from an inner element does not import its detail type.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const OUTPUT = 'widgets/jsx.generated.ts';
export const COMMAND = 'node widgets/build/jsx-types.mjs';
const EVENT_DETAILS = 'widgets/shared/events.ts';
const OUTPUT_DIR = path.posix.dirname(OUTPUT);

/** The manifest of the repository's elements, as `cem analyze` makes it (nothing written). */
export async function analyze(root = ROOT) {
  const { cli } = await import('@custom-elements-manifest/analyzer/cli.js');
  return cli({ argv: ['analyze', '--quiet'], cwd: root, noWrite: true });
}

function fail(message) {
  throw new Error(`${message} (then run \`${COMMAND}\`)`);
}

function parseType(text, where) {
  const file = ts.createSourceFile('type.ts', `type T = ${text};`, ts.ScriptTarget.Latest, true);
  const alias = file.statements[0];
  if (
    file.statements.length !== 1 ||
    !ts.isTypeAliasDeclaration(alias) ||
    (file.parseDiagnostics?.length ?? 0) > 0
  ) {
    fail(`${where}: the manifest's type \`${text}\` is not a TypeScript type`);
  }
  return alias.type;
}

const isNumber = (node) => node.kind === ts.SyntaxKind.NumberKeyword;
/** `${number}` */
const isNumericString = (node) =>
  ts.isTemplateLiteralTypeNode(node) &&
  node.head.text === '' &&
  node.templateSpans.length === 1 &&
  node.templateSpans[0].literal.text === '' &&
  isNumber(node.templateSpans[0].type);

/**
 * The type as a framework may pass it. React 19, Preact and Solid set `limit="2"` as the property
 * string "2", so a numeric property must take numeric strings too: `number | \`${number}\``, read
 * through `readNumber()` (widgets/shared/numbers.ts), becomes `OwNumber`. A bare `number` is
 * refused rather than widened: the JSX types would accept a string the element then ignores.
 */
function jsxType(node, where) {
  const parts = ts.isUnionTypeNode(node) ? [...node.types] : [node];
  const numeric = parts.some(isNumericString);
  if (parts.some(isNumber) && !numeric) {
    fail(
      `${where} is a \`number\`: JSX passes \`"2"\` as a string, so declare it ` +
        '`number | `${number}`` and read it with readNumber()',
    );
  }
  if (!numeric || !parts.some(isNumber)) return node.getText();
  const out = [];
  for (const part of parts) {
    const text = isNumber(part) || isNumericString(part) ? 'OwNumber' : part.getText();
    if (!out.includes(text)) out.push(text);
  }
  return out.join(' | ');
}

/** The names a type refers to (`Partial<CouponMessages>` → Partial, CouponMessages). */
function typeNames(node) {
  const names = new Set();
  const leftmost = (name) => (ts.isIdentifier(name) ? name.text : leftmost(name.left));
  const visit = (child) => {
    if (ts.isTypeReferenceNode(child)) names.add(leftmost(child.typeName));
    else if (ts.isTypeQueryNode(child)) names.add(leftmost(child.exprName));
    ts.forEachChild(child, visit);
  };
  visit(node);
  return names;
}

const DECLARATIONS = [
  ts.SyntaxKind.InterfaceDeclaration,
  ts.SyntaxKind.TypeAliasDeclaration,
  ts.SyntaxKind.ClassDeclaration,
  ts.SyntaxKind.EnumDeclaration,
];

/**
 * Name → where a module gets it: `{ from, name }` for an import (`from` repository-relative, or a
 * package), `{ from: itself, name, exported }` for its own declarations.
 */
function moduleScope(modulePath, source) {
  const file = ts.createSourceFile(modulePath, source, ts.ScriptTarget.Latest, true);
  const scope = new Map();
  const exportedLater = new Set();
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement) && statement.importClause) {
      const specifier = statement.moduleSpecifier.text;
      const from = specifier.startsWith('.')
        ? path.posix.join(path.posix.dirname(modulePath), specifier).replace(/\.js$/, '.ts')
        : specifier;
      const { name, namedBindings } = statement.importClause;
      if (name) scope.set(name.text, { from, name: 'default' });
      if (namedBindings && ts.isNamespaceImport(namedBindings)) {
        scope.set(namedBindings.name.text, { from, name: '*' });
      } else if (namedBindings) {
        for (const element of namedBindings.elements) {
          scope.set(element.name.text, { from, name: (element.propertyName ?? element.name).text });
        }
      }
    } else if (DECLARATIONS.includes(statement.kind) && statement.name) {
      const exported = (ts.getModifiers(statement) ?? []).some(
        (m) => m.kind === ts.SyntaxKind.ExportKeyword,
      );
      scope.set(statement.name.text, { from: modulePath, name: statement.name.text, exported });
    } else if (
      ts.isExportDeclaration(statement) &&
      !statement.moduleSpecifier &&
      statement.exportClause &&
      ts.isNamedExports(statement.exportClause)
    ) {
      for (const element of statement.exportClause.elements) {
        if (!element.propertyName) exportedLater.add(element.name.text);
      }
    }
  }
  for (const name of exportedLater) {
    const local = scope.get(name);
    if (local && local.from === modulePath) local.exported = true;
  }
  return scope;
}

/** `import type` specifier of `from` (repository-relative or a package) in the generated file. */
function specifierOf(from) {
  if (!from.startsWith('widgets/') && !from.startsWith('src/')) return from;
  const relative = path.posix.relative(OUTPUT_DIR, from).replace(/\.ts$/, '.js');
  return relative.startsWith('.') ? relative : `./${relative}`;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const key = (name) => (IDENTIFIER.test(name) ? name : `'${name}'`);

function jsdoc(text, indent = '') {
  const lines = (text ?? '')
    .replace(/\*\//g, '*\\/')
    .split('\n')
    .map((line) => line.trim());
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  if (lines.length === 0) return '';
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  const body = lines.map((line) => `${indent} *${line ? ` ${line}` : ''}`).join('\n');
  return `${indent}/**\n${body}\n${indent} */\n`;
}

/**
 * The TypeScript source of widgets/jsx.generated.ts (unformatted) for `manifest`.
 * `readSource(path)` reads a repository file (the component modules, for their imports).
 */
export function render(manifest, readSource) {
  const modulePaths = new Set(manifest.modules.map((module) => module.path));
  const scopes = new Map();
  const scopeOf = (modulePath) => {
    if (!scopes.has(modulePath))
      scopes.set(modulePath, moduleScope(modulePath, readSource(modulePath)));
    return scopes.get(modulePath);
  };
  /** `inheritedFrom.module` (`widgets/x.ts`, or `/widgets/x.js` in places) → the module's path. */
  const modulePathOf = (item, own) => {
    const from = item.inheritedFrom;
    if (!from) return own;
    if (!from.module || from.package) {
      fail(`${item.name} is inherited from ${from.name} of package ${from.package}: not supported`);
    }
    const plain = from.module.replace(/^\//, '');
    return modulePaths.has(plain) ? plain : plain.replace(/\.js$/, '.ts');
  };

  /** Local name in the generated file → its import. */
  const imports = new Map();
  const addImport = (local, from, name, where) => {
    const known = imports.get(local);
    if (known && (known.from !== from || known.name !== name)) {
      fail(
        `${where}: two types are named ${local} (${known.name} from ${known.from}, ${name} from ${from}): rename one`,
      );
    }
    imports.set(local, { from, name });
  };
  /** Imports the names `node` refers to, as the module that declared it has them. */
  const resolveNames = (node, modulePath, where) => {
    for (const name of typeNames(node)) {
      if (name === 'OwNumber') continue;
      const found = scopeOf(modulePath).get(name) ?? scopeOf(EVENT_DETAILS).get(name);
      // Not in scope: a global (Partial, CustomEvent…); a typo fails `npm run typecheck` on the
      // generated file.
      if (!found) continue;
      if (found.name === 'default' || found.name === '*') {
        fail(
          `${where}: ${name} is a default or namespace import in ${modulePath}: import it by name`,
        );
      }
      if (found.exported === false) {
        fail(`${where}: ${name} is declared in ${modulePath} but not exported: export it`);
      }
      addImport(name, found.from, found.name, where);
    }
  };
  const typed = (item, modulePath, where) => {
    if (!item.type?.text) {
      fail(
        `${where} has no type in custom-elements.json: declare one, or \`@type {…}\` in its JSDoc`,
      );
    }
    const node = parseType(item.type.text, where);
    resolveNames(node, modulePath, where);
    return node;
  };

  const elements = manifest.modules
    .flatMap((module) =>
      (module.declarations ?? [])
        .filter((declaration) => declaration.customElement && declaration.tagName)
        .map((declaration) => ({ module, declaration })),
    )
    // Code-unit order, as `.sort()` below: the same file whatever the machine's locale.
    .sort((a, b) => (a.declaration.tagName < b.declaration.tagName ? -1 : 1));

  const blocks = [];
  const maps = { classes: [], attributes: [], events: [] };
  for (const { module, declaration } of elements) {
    const tag = declaration.tagName;
    const name = declaration.name;
    if (!/^[A-Z][\w$]*$/.test(name)) fail(`<${tag}>'s class name ${name} cannot name a type`);
    addImport(name, module.path, name, `<${tag}>`);

    const members = declaration.members ?? [];
    const fields = members.filter(
      (member) => member.kind === 'field' && !member.static && member.privacy !== 'private',
    );
    const readonly = new Set(fields.filter((field) => field.readonly).map((field) => field.name));
    const props = fields.filter((field) => !field.readonly);
    const propNames = new Set(props.map((field) => field.name));
    const attributes = (declaration.attributes ?? []).filter(
      (attribute) =>
        !propNames.has(attribute.name) &&
        !readonly.has(attribute.name) &&
        !readonly.has(attribute.fieldName ?? ''),
    );

    const attributeLine = (attribute) => {
      const where = `<${tag}>'s attribute ${attribute.name}`;
      const field = props.find((prop) => prop.name === attribute.fieldName);
      const source = attribute.type?.text ? attribute : (field ?? { type: { text: 'string' } });
      const type = jsxType(
        typed(source, modulePathOf(field ?? attribute, module.path), where),
        where,
      );
      const doc = field
        ? `The \`${field.name}\` property, as an attribute.`
        : attribute.description;
      return `${jsdoc(doc, '  ')}  ${key(attribute.name)}?: ${type};\n`;
    };

    let body = '';
    for (const prop of props) {
      const where = `<${tag}>'s property ${prop.name}`;
      const type = jsxType(typed(prop, modulePathOf(prop, module.path), where), where);
      body += `${jsdoc(prop.description, '  ')}  ${key(prop.name)}?: ${type};\n`;
      for (const attribute of attributes.filter((a) => a.fieldName === prop.name)) {
        body += attributeLine(attribute);
      }
    }
    for (const attribute of attributes.filter((a) => !propNames.has(a.fieldName ?? ''))) {
      body += attributeLine(attribute);
    }
    blocks.push(
      `/** \`<${tag}>\`'s properties, and its attributes whose name is not a property's. */\n` +
        `export interface ${name}Props {\n${body}}\n`,
    );

    let events = '';
    const seen = new Set();
    for (const event of declaration.events ?? []) {
      const where = `<${tag}>'s event ${event.name}`;
      if (!event.name) fail(`<${tag}> has an event without a name in its JSDoc`);
      if (seen.has(event.name)) continue;
      seen.add(event.name);
      if (!event.type?.text) {
        fail(
          `${where} has no type in custom-elements.json: write it in the class's JSDoc, ` +
            `\`@fires {CustomEvent<Detail>} ${event.name} - …\``,
        );
      }
      const type = typed(event, modulePathOf(event, module.path), where).getText();
      events += `${jsdoc(event.description, '  ')}  ${key(event.name)}: ${type};\n`;
    }
    blocks.push(
      `/** The events that reach \`<${tag}>\`: its own, and its inner elements'. */\n` +
        `export interface ${name}Events {\n${events}}\n`,
    );

    maps.classes.push(`  '${tag}': ${name};\n`);
    maps.attributes.push(`  '${tag}': ${name}Props;\n`);
    maps.events.push(`  '${tag}': ${name}Events;\n`);
  }

  /** Module → the names imported from it (`Name`, or `Name as Local`). */
  const byModule = new Map();
  for (const [local, { from, name }] of imports) {
    const specifier = specifierOf(from);
    if (!byModule.has(specifier)) byModule.set(specifier, []);
    byModule.get(specifier).push(local === name ? local : `${name} as ${local}`);
  }
  const importLines = [...byModule.keys()].sort().map((specifier) => {
    const names = byModule.get(specifier).sort();
    return `import type { ${names.join(', ')} } from '${specifier}';\n`;
  });

  return [
    `// Generated from custom-elements.json by widgets/build/jsx-types.mjs: do not edit. An element's\n` +
      `// props and events come from its class and its JSDoc; after changing them, run\n` +
      `// \`${COMMAND}\` (\`npm run types:jsx\`). widgets/jsx.ts maps them into JSX.\n`,
    importLines.join(''),
    `/** A numeric property: a number, or the string a framework passes as written (\`limit="2"\`). */\n` +
      'export type OwNumber = number | `${number}`;\n',
    ...blocks,
    `/** Each element's class, by tag (as \`HTMLElementTagNameMap\` has them once the elements load). */\n` +
      `export interface OwElementClasses {\n${maps.classes.join('')}}\n`,
    `/** Each element's properties and attributes, without its events. */\n` +
      `export interface OwElementAttributes {\n${maps.attributes.join('')}}\n`,
    `/** Each element's events, by name, with the event each handler receives. */\n` +
      `export interface OwElementEventTypes {\n${maps.events.join('')}}\n`,
  ].join('\n');
}

/** `source` formatted as the repository formats it (prettier with .prettierrc.json). */
export async function format(source, root = ROOT) {
  const prettier = await import('prettier');
  const file = path.join(root, OUTPUT);
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(source, { ...options, filepath: file });
}

/** What widgets/jsx.generated.ts should hold now. */
export async function generate(root = ROOT) {
  const manifest = await analyze(root);
  return format(
    render(manifest, (file) => readFileSync(path.join(root, file), 'utf8')),
    root,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const text = await generate();
  writeFileSync(path.join(ROOT, OUTPUT), text);
  console.log(`wrote ${OUTPUT}`);
}
