import { css, unsafeCSS } from 'lit';
import { bandTokens } from '../flash-sale/band.js';
import { CARD_HEIGHT, COLUMN } from './reserve.js';

export const offersStyles = [
  bandTokens,
  css`
    :host {
      --_card-height: var(--ow-offers-card-height, ${unsafeCSS(CARD_HEIGHT)}px);
      min-height: var(--ow-offers-min-height, auto);
    }
    :host([empty]) {
      min-height: 0;
    }
    .base:focus {
      /* Focused only to keep the place after a dismissal; not a control. */
      outline: none;
    }
    /* The offers and their skeletons share this grid: the skeletons take the offers' places. */
    .grid {
      display: grid;
      grid-template-columns: repeat(
        auto-fill,
        minmax(min(100%, var(--ow-offers-column, ${unsafeCSS(COLUMN)}px)), 1fr)
      );
      gap: var(--ow-offers-gap, var(--_space));
    }
    /* A flash sale is a band across the whole grid; its height is fixed (see band.ts). */
    .grid > [part~='flash-sale'],
    .skeleton--band {
      grid-column: 1 / -1;
    }
    /* Cards fill their row and are at least as tall as their skeleton was. */
    .grid > [part~='coupon']:not([hidden]),
    .grid > [part~='member-deal']:not([hidden]) {
      display: grid;
      min-block-size: var(--_card-height);
    }

    .skeleton--band {
      /* The band's wide or narrow size follows its width, as the flash sale's own does. */
      container-type: inline-size;
    }
    .sk-header {
      display: flex;
      align-items: center;
      justify-content: space-between;
      gap: var(--_space);
    }
    .skeleton--card {
      display: flex;
      flex-direction: column;
      gap: calc(var(--_space) / 1.5);
      block-size: var(--_card-height);
      padding: var(--_space);
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      background: var(--_bg);
      overflow: hidden;
    }
    .sk-bar {
      display: block;
      border-radius: 4px;
      background: var(--_border);
      animation: ow-skeleton 1.2s ease-in-out infinite alternate;
    }
    .sk-title {
      inline-size: 60%;
      block-size: 1.25rem;
    }
    .sk-pill {
      inline-size: 9rem;
      block-size: 1.875rem;
      border-radius: 999px;
    }
    .sk-value {
      inline-size: 35%;
      block-size: 1.75rem;
    }
    .sk-line {
      inline-size: 85%;
      block-size: 1rem;
    }
    .sk-button {
      inline-size: 6rem;
      block-size: 44px;
      margin-block-start: auto;
      border-radius: calc(var(--_radius) / 1.5);
    }
    .sk-name {
      inline-size: 80%;
    }
    .sk-price {
      inline-size: 50%;
      block-size: var(--_band-sale-price);
    }
    .sk-stock {
      inline-size: 90%;
      block-size: 6px;
    }
    /* Opacity only: a pulse that moves nothing. */
    @keyframes ow-skeleton {
      to {
        opacity: 0.5;
      }
    }
  `,
];
