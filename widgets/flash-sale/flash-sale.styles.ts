import { css } from 'lit';
import { bandTokens } from './band.js';

const layout = css`
  :host {
    /* Its own width picks the wide or narrow band (see band.ts). */
    container-type: inline-size;
  }

  .base {
    position: relative;
  }

  /* Wide: title | countdown | "Why?" on one 44 px row. */
  .header {
    display: grid;
    grid-template-columns: minmax(0, 1fr) auto auto;
    grid-template-rows: var(--_band-header);
    align-items: center;
    gap: calc(var(--_space) / 2) var(--_space);
    min-inline-size: 0;
  }
  .header ow-why {
    justify-self: end;
    min-inline-size: 0;
  }
  /* Opened, the explanation takes a row of its own (the shopper asked: not a layout shift). */
  .header ow-why[open] {
    grid-column: 1 / -1;
  }
  .title {
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    line-height: var(--_band-title);
  }
  /* Narrow: the title on two clamped lines, then countdown and "Why?" on a 44 px row. */
  @container (max-width: 420px) {
    .header {
      grid-template-columns: auto minmax(0, 1fr);
      grid-template-rows: calc(2 * var(--_band-title)) 44px;
      row-gap: 6px;
    }
    .title {
      grid-column: 1 / -1;
      align-self: start;
      display: -webkit-box;
      -webkit-box-orient: vertical;
      -webkit-line-clamp: 2;
      line-clamp: 2;
      white-space: normal;
      overflow-wrap: anywhere;
    }
  }
`;

export default [
  bandTokens,
  layout,
  css`
    .title {
      margin: 0;
      font-size: 1.125rem;
      font-weight: 700;
    }

    .timer {
      display: inline-flex;
      justify-self: start;
      white-space: nowrap;
      line-height: 1.25rem;
      align-items: baseline;
      gap: 0.5ch;
      padding-block: 0.25rem;
      padding-inline: 0.75em;
      border-radius: 999px;
      border: 1px solid var(--_accent);
      color: var(--_accent);
      font-weight: 600;
    }
    .timer-value {
      font-variant-numeric: tabular-nums;
    }
    .base--live .timer {
      border-color: var(--_sale);
      color: var(--_sale);
    }
    .base--ending-soon .timer {
      border-color: var(--_sale);
      background: var(--_sale);
      color: var(--_on-accent);
      animation: ow-pulse 1s ease-in-out infinite alternate;
    }
    .base--ended .timer {
      border-color: var(--_border);
      color: var(--_muted);
    }
    /* A ring that breathes; the text and its contrast stay as they are. */
    @keyframes ow-pulse {
      from {
        box-shadow: 0 0 0 0 var(--_sale);
      }
      to {
        box-shadow: 0 0 0 4px transparent;
      }
    }
    @media (prefers-reduced-motion: reduce) {
      .base--ending-soon .timer {
        animation: none;
      }
      .stock-fill {
        transition: none;
      }
    }

    /* One row of items that scrolls sideways when they do not fit; its height never changes. */
    .items {
      /* Contains the visually hidden words: positioned past the row, they would widen the page. */
      position: relative;
      margin-block: 0;
      list-style: none;
      overflow-x: auto;
      overflow-y: hidden;
      overscroll-behavior-x: contain;
      scroll-snap-type: x mandatory;
      scroll-padding-inline: 4px;
      scrollbar-width: thin;
    }

    .item {
      grid-template-rows: auto var(--_band-price) var(--_band-stock);
      scroll-snap-align: start;
    }
    .base--ended .item {
      color: var(--_muted);
    }

    .link {
      display: grid;
      grid-template-rows: var(--_band-image) var(--_band-name);
      gap: var(--_band-gap);
      min-inline-size: 0;
      color: inherit;
      text-decoration: none;
      border-radius: calc(var(--_radius) / 1.5);
    }
    .link:hover .name {
      text-decoration: underline;
    }

    /* The image box is there with or without an image, so every item is the same size. */
    .image {
      display: block;
      inline-size: 100%;
      block-size: 100%;
      object-fit: cover;
      border-radius: calc(var(--_radius) / 1.5);
      background: var(--_border);
    }

    .name {
      display: -webkit-box;
      -webkit-box-orient: vertical;
      -webkit-line-clamp: 2;
      line-clamp: 2;
      overflow: hidden;
      line-height: calc(var(--_band-name) / 2);
      font-weight: 600;
      overflow-wrap: anywhere;
    }

    /* Sale price above, former price below: each line has the item's whole width (see band.ts). */
    .price {
      display: grid;
      grid-template-rows: var(--_band-sale-price) minmax(0, 1fr);
      margin: 0;
      white-space: nowrap;
    }
    .sale-price,
    .was-price {
      min-inline-size: 0;
      overflow: hidden;
      text-overflow: ellipsis;
    }
    .sale-price {
      color: var(--_sale);
      font-weight: 700;
      font-size: 1.125rem;
      line-height: var(--_band-sale-price);
    }
    .base--ended .sale-price {
      color: var(--_muted);
    }
    .was-price {
      color: var(--_muted);
      font-size: 0.875rem;
      line-height: calc(var(--_band-price) - var(--_band-sale-price));
    }

    .stock {
      display: grid;
      grid-template-rows: 6px auto;
      gap: 4px;
      font-size: 0.875rem;
      line-height: calc(var(--_band-stock) - 10px);
    }
    .stock-label {
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .stock-track {
      block-size: 6px;
      border-radius: 3px;
      background: var(--_border);
      overflow: hidden;
    }
    .stock-fill {
      block-size: 100%;
      inline-size: var(--_fill, 0%);
      background: var(--_sale);
      transition: inline-size 0.3s ease;
    }
    .stock--low .stock-label {
      color: var(--_sale);
      font-weight: 600;
    }
  `,
];
