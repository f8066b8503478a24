// `npm run build` writes dist/custom-elements.json from the elements' class JSDoc
// (@summary @fires @csspart @cssproperty) with the custom elements manifest analyzer.
export default {
  globs: ['widgets/*/*.component.ts'],
  outdir: 'dist',
  litelement: true,
  packagejson: false,
};
