import { css } from 'lit';

export const couponStyles = css`
  :host {
    --_edge: var(--_accent);
  }
  .card {
    position: relative;
    display: flex;
    flex-direction: column;
    gap: calc(var(--_space) / 2);
    padding: var(--ow-coupon-padding, var(--_space));
    border: 1px solid var(--_border);
    border-inline-start: var(--ow-coupon-accent-width, 4px) solid var(--_edge);
    border-radius: var(--_radius);
    background: var(--_bg);
    color: var(--_fg);
  }
  .header {
    display: flex;
    align-items: flex-start;
    gap: calc(var(--_space) / 2);
  }
  .heading {
    flex: 1;
    min-width: 0;
  }
  .title {
    margin: 0;
    font-size: 1.0625rem;
    font-weight: 600;
    overflow-wrap: anywhere;
  }
  .dismiss {
    flex: none;
    min-width: 44px;
    padding: 0;
    margin-inline-start: auto;
    border-color: transparent;
    background: transparent;
    color: var(--_muted);
    font-size: 1.25rem;
    line-height: 1;
  }
  .image {
    display: block;
    width: 100%;
    max-height: var(--ow-coupon-image-height, 160px);
    object-fit: cover;
    border-radius: calc(var(--_radius) / 1.5);
  }
  .value {
    margin: 0;
    font-size: 1.5rem;
    font-weight: 700;
    color: var(--_fg);
  }
  .description {
    margin: 0;
    overflow-wrap: anywhere;
  }
  .terms {
    display: flex;
    flex-wrap: wrap;
    gap: 0 var(--_space);
    margin: 0;
    padding: 0;
    list-style: none;
    color: var(--_muted);
    font-size: 0.875rem;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: calc(var(--_space) / 2);
  }
  .claimed {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: calc(var(--_space) / 2);
  }
  .claimed-label {
    font-weight: 600;
  }
  .code {
    min-height: 44px;
    inline-size: 12ch;
    padding-inline: calc(var(--_space) / 1.5);
    border: 1px dashed var(--_fg);
    border-radius: calc(var(--_radius) / 1.5);
    background: var(--_bg);
    color: var(--_fg);
    font: inherit;
    font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    font-weight: 700;
    letter-spacing: 0.05em;
  }
  .link {
    display: inline-flex;
    align-items: center;
    min-height: 44px;
    color: var(--_accent);
    text-underline-offset: 0.2em;
  }
  .status {
    margin: 0;
    color: var(--_muted);
    font-size: 0.875rem;
  }
  .status:empty {
    display: none;
  }
`;
