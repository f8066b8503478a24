// `npm run build` writes dist/custom-elements.json from the elements' class JSDoc
// (@summary @fires @csspart @cssproperty) with the custom elements manifest analyzer.
//
// The manifest is what editors, Storybook and generated JSX/Vue typings read as an element's API,
// so it lists only what a page may set: the analyzer's Lit support takes every entry of
// `static properties` for an attribute, including internal reactive state (`{ state: true }`,
// which Lit never reads from an attribute), and keeps private members with `privacy: 'private'`.
// `publicApiOnly` removes both.
//
// `ownTypesWin` keeps the type a subclass states for a member, attribute or event it redeclares
// (`declare messages: Partial<MemberDealMessages>` in `OwMemberDeal extends OwCoupon`): the
// analyzer's inheritance step copies the base class's type over it, so `<ow-member-deal>`'s
// `messages` read as `Partial<CouponMessages>`, and the generated JSX types would refuse the
// member deal's own words.

/** Names declared as Lit internal state in a class: `static properties = { x: { state: true } }` or `@state() x`. */
function stateNames(ts, classNode) {
  const names = new Set();
  for (const member of classNode.members ?? []) {
    const isStatic = ts.getModifiers?.(member)?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword);
    if (isStatic && member.name?.getText() === 'properties') {
      // `static properties = {…}` or `static get properties() { return {…}; }`
      let object = member.initializer;
      if (!object && member.body) {
        const ret = member.body.statements.find((s) => ts.isReturnStatement(s));
        object = ret?.expression;
      }
      while (object && (ts.isAsExpression(object) || ts.isSatisfiesExpression?.(object)))
        object = object.expression;
      if (!object || !ts.isObjectLiteralExpression(object)) continue;
      for (const property of object.properties) {
        if (!ts.isPropertyAssignment(property)) continue;
        const options = property.initializer;
        if (!ts.isObjectLiteralExpression(options)) continue;
        const state = options.properties.some(
          (o) =>
            ts.isPropertyAssignment(o) &&
            o.name.getText() === 'state' &&
            o.initializer.kind === ts.SyntaxKind.TrueKeyword,
        );
        if (state) names.add(property.name.getText());
      }
      continue;
    }
    const decorators = ts.getDecorators?.(member) ?? [];
    for (const decorator of decorators) {
      const call = decorator.expression;
      const callee = ts.isCallExpression(call) ? call.expression.getText() : call.getText();
      if (callee === 'state' || callee === 'internalProperty') names.add(member.name.getText());
    }
  }
  return names;
}

/** True for a member that is not part of an element's public API. */
function internal(member, state) {
  return (
    member.privacy === 'private' ||
    member.privacy === 'protected' ||
    member.name.startsWith('_') ||
    member.name.startsWith('#') ||
    state.has(member.name)
  );
}

export function publicApiOnly() {
  /** Class name → its state names (an element inherits its ancestors' internal state). */
  const states = new Map();
  return {
    name: 'offerwise-public-api-only',
    analyzePhase({ ts, node }) {
      if (!ts.isClassDeclaration(node) || !node.name) return;
      const names = stateNames(ts, node);
      if (names.size > 0) states.set(node.name.getText(), names);
    },
    // Plugins of the config run after the analyzer's own, so inherited members are in place.
    packageLinkPhase({ customElementsManifest }) {
      for (const module of customElementsManifest.modules) {
        for (const declaration of module.declarations ?? []) {
          if (declaration.kind !== 'class') continue;
          const stateOf = (member) =>
            states.get(member.inheritedFrom?.name ?? declaration.name) ?? new Set();
          const hidden = new Set(
            (declaration.members ?? [])
              .filter((member) => internal(member, stateOf(member)))
              .map((member) => member.name),
          );
          if (declaration.members) {
            declaration.members = declaration.members.filter((member) => !hidden.has(member.name));
          }
          if (declaration.attributes) {
            declaration.attributes = declaration.attributes.filter(
              (attribute) =>
                !hidden.has(attribute.fieldName ?? attribute.name) &&
                !internal(attribute, stateOf(attribute)),
            );
          }
        }
      }
    },
  };
}

const KINDS = ['members', 'attributes', 'events'];

export function ownTypesWin() {
  /** `module path#class name` → kind → item name → the type the class itself states. */
  const own = new Map();
  return {
    name: 'offerwise-own-types-win',
    // After a module's analysis, before the package link phase applies inheritance.
    moduleLinkPhase({ moduleDoc }) {
      for (const declaration of moduleDoc.declarations ?? []) {
        if (declaration.kind !== 'class') continue;
        const byKind = {};
        for (const kind of KINDS) {
          byKind[kind] = new Map(
            (declaration[kind] ?? [])
              .filter((item) => item.type)
              .map((item) => [item.name, item.type]),
          );
        }
        own.set(`${moduleDoc.path}#${declaration.name}`, byKind);
      }
    },
    packageLinkPhase({ customElementsManifest }) {
      for (const module of customElementsManifest.modules) {
        for (const declaration of module.declarations ?? []) {
          const byKind = own.get(`${module.path}#${declaration.name}`);
          if (declaration.kind !== 'class' || !byKind) continue;
          for (const kind of KINDS) {
            for (const item of declaration[kind] ?? []) {
              const type = byKind[kind].get(item.name);
              if (!type || !item.inheritedFrom) continue;
              // Redeclared here: its type (and the module its type names resolve in) is this class's.
              item.type = type;
              delete item.inheritedFrom;
            }
          }
        }
      }
    },
  };
}

export default {
  // ow-element.ts for the `offerwise` property every element inherits from `OwElement`.
  globs: ['widgets/*/*.component.ts', 'widgets/shared/ow-element.ts'],
  outdir: 'dist',
  litelement: true,
  packagejson: false,
  plugins: [publicApiOnly(), ownTypesWin()],
};
