import { defineElement } from '../shared/define.js';
import { OwFlashSale } from './flash-sale.component.js';

export * from './flash-sale.component.js';
export { OwFlashSale as default };

defineElement('ow-flash-sale', OwFlashSale);

declare global {
  interface HTMLElementTagNameMap {
    'ow-flash-sale': OwFlashSale;
  }
}
