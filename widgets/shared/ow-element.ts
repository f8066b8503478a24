import { LitElement, type PropertyDeclarations } from 'lit';
import type { Offerwise } from '../../src/offerwise.js';
import { defaultOfferwise } from './instance.js';

/**
 * The base of every `ow-` element: the instance it talks to. Set `element.offerwise = ow`, or
 * let it use the page's default (`useOfferwise(ow)`; the script tag sets it).
 */
export class OwElement extends LitElement {
  static override properties: PropertyDeclarations = { offerwise: { attribute: false } };
  /** The instance; default the page's (`useOfferwise()`, or the script tag's). */
  declare offerwise: Offerwise | undefined;

  /** The instance: the property if set, else the page's default once there is one. */
  protected instance(): Promise<Offerwise> {
    return this.offerwise ? Promise.resolve(this.offerwise) : defaultOfferwise();
  }
}
