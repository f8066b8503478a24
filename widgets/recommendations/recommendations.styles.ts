import { css } from 'lit';

export default css`
  :host {
    --ow-recommendations-card-width: 160px;
  }
  :host([empty]) {
    display: none;
  }

  .base {
    display: grid;
    gap: calc(var(--_space) / 2);
    padding: var(--_space);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    /* Our own surface: the text colours are chosen against it, not against the page. */
    background: var(--_bg);
  }

  .header {
    display: grid;
    gap: 2px;
  }
  .heading {
    margin: 0;
    font-size: 1.125rem;
    font-weight: 700;
    line-height: 1.4;
  }
  .subtitle {
    margin: 0;
    color: var(--_muted);
    line-height: 1.4;
    /* One line, always: the strip below does not move when the subtitle arrives. */
    min-block-size: 1.4em;
    white-space: nowrap;
    overflow: hidden;
    text-overflow: ellipsis;
  }

  .list {
    display: flex;
    gap: var(--_space);
    margin: 0;
    padding-block: 4px 8px;
    padding-inline: 4px;
    list-style: none;
    overflow-x: auto;
    overscroll-behavior-inline: contain;
    scroll-snap-type: inline mandatory;
    scroll-padding-inline: 4px;
    scroll-behavior: smooth;
    border-radius: calc(var(--_radius) / 1.5);
  }
  @media (prefers-reduced-motion: reduce) {
    .list {
      scroll-behavior: auto;
    }
  }

  .item {
    flex: 0 0 var(--ow-recommendations-card-width);
    scroll-snap-align: start;
    min-inline-size: 0;
  }

  .link {
    display: grid;
    align-content: start;
    gap: 4px;
    inline-size: 100%;
    min-block-size: 0;
    padding: 0;
    border: 0;
    border-radius: calc(var(--_radius) / 1.5);
    background: none;
    color: inherit;
    font: inherit;
    text-align: start;
    text-decoration: none;
    cursor: pointer;
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
    display: -webkit-box;
    -webkit-box-orient: vertical;
    -webkit-line-clamp: 2;
    line-clamp: 2;
    overflow: hidden;
    line-height: 1.4;
    /* Two lines reserved whatever the name's length: every card is as tall as its skeleton. */
    min-block-size: 2.8em;
    font-weight: 600;
    overflow-wrap: anywhere;
  }

  .price {
    line-height: 1.4;
    min-block-size: 1.4em;
  }

  .skeleton .image,
  .skeleton .name,
  .skeleton .price {
    border-radius: 4px;
    background: var(--_border);
    animation: ow-pulse 1.2s ease-in-out infinite alternate;
  }
  .skeleton .name {
    inline-size: 80%;
  }
  .skeleton .price {
    inline-size: 40%;
  }
  @keyframes ow-pulse {
    to {
      opacity: 0.5;
    }
  }
`;
