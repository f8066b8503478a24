import { css } from 'lit';

export default css`
  :host {
    --ow-flash-sale-image-size: 160px;
  }

  .base {
    position: relative;
    display: grid;
    gap: var(--_space);
    padding: var(--_space);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_bg);
  }

  .header {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: space-between;
    gap: calc(var(--_space) / 2) var(--_space);
  }

  .title {
    margin: 0;
    font-size: 1.125rem;
    font-weight: 700;
  }

  .timer {
    display: inline-flex;
    align-items: baseline;
    gap: 0.5ch;
    padding-block: 0.25em;
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

  .items {
    display: grid;
    grid-template-columns: repeat(
      auto-fill,
      minmax(min(100%, calc(var(--ow-flash-sale-image-size) + var(--_space))), 1fr)
    );
    gap: var(--_space);
    margin: 0;
    padding: 0;
    list-style: none;
  }

  .item {
    display: grid;
    align-content: start;
    gap: calc(var(--_space) / 2);
    min-inline-size: 0;
  }
  .base--ended .item {
    color: var(--_muted);
  }

  .link {
    display: grid;
    gap: calc(var(--_space) / 2);
    color: inherit;
    text-decoration: none;
    border-radius: calc(var(--_radius) / 1.5);
  }
  .link:hover .name {
    text-decoration: underline;
  }

  .image {
    display: block;
    inline-size: 100%;
    block-size: auto;
    aspect-ratio: 1;
    object-fit: cover;
    border-radius: calc(var(--_radius) / 1.5);
    background: var(--_border);
  }

  .name {
    font-weight: 600;
    overflow-wrap: anywhere;
  }

  .price {
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    gap: 0.75ch;
    margin: 0;
  }
  .sale-price {
    color: var(--_sale);
    font-weight: 700;
    font-size: 1.125rem;
  }
  .base--ended .sale-price {
    color: var(--_muted);
  }
  .was-price {
    color: var(--_muted);
  }

  .stock {
    display: grid;
    gap: 4px;
    font-size: 0.875rem;
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
`;
