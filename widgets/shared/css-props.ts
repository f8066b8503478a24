import { noChange, type ElementPart } from 'lit';
import { Directive, directive, PartType, type PartInfo } from 'lit/directive.js';

/**
 * Sets CSS custom properties on an element through the CSSOM (`style.setProperty`), never as a
 * `style` attribute: a shop's CSP without `'unsafe-inline'` for styles (`style-src-attr`)
 * refuses attributes but not the CSSOM, and Lit's `styleMap` writes the attribute on first
 * render. Use in element position: `<div ${cssProps({ '--_fill': '40%' })}>`.
 */
class CssProps extends Directive {
  private previous = new Set<string>();

  constructor(part: PartInfo) {
    super(part);
    if (part.type !== PartType.ELEMENT) throw new Error('cssProps() goes in element position');
  }

  render(_props: Record<string, string>) {
    return noChange;
  }

  override update(part: ElementPart, [props]: [Record<string, string>]) {
    const style = (part.element as HTMLElement).style;
    for (const name of this.previous) if (!(name in props)) style.removeProperty(name);
    for (const [name, value] of Object.entries(props)) style.setProperty(name, value);
    this.previous = new Set(Object.keys(props));
    return noChange;
  }
}

export const cssProps = directive(CssProps);
