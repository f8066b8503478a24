import { defineElement } from '../shared/define.js';
import { OwRecommendations } from './recommendations.component.js';

export * from './recommendations.component.js';
export { OwRecommendations as default };

defineElement('ow-recommendations', OwRecommendations);

declare global {
  interface HTMLElementTagNameMap {
    'ow-recommendations': OwRecommendations;
  }
}
