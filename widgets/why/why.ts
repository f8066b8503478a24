import { defineElement } from '../shared/define.js';
import { OwWhy } from './why.component.js';

export { OwWhy };
defineElement('ow-why', OwWhy);

declare global {
  interface HTMLElementTagNameMap {
    'ow-why': OwWhy;
  }
}
