import { defineElement } from '../shared/define.js';
import { OwMyData } from './my-data.component.js';

export * from './my-data.component.js';
export { OwMyData as default };

defineElement('ow-my-data', OwMyData);

declare global {
  interface HTMLElementTagNameMap {
    'ow-my-data': OwMyData;
  }
}
