import { css } from 'lit';

/**
 * The theme tokens every element shares. A shop sets `--ow-*` on the element (or any ancestor);
 * the private `--_*` copies carry the defaults, light and dark. Default colours keep text
 * contrast ≥ 4.5:1 on the default surface in both schemes.
 */
export const theme = css`
  :host {
    --_bg: var(--ow-color-surface, #ffffff);
    --_fg: var(--ow-color-text, #1b1b1f);
    --_muted: var(--ow-color-muted, #505058);
    --_accent: var(--ow-color-accent, #0b57d0);
    --_on-accent: var(--ow-color-on-accent, #ffffff);
    --_sale: var(--ow-color-sale, #b3261e);
    --_member: var(--ow-color-member, #6a3fa0);
    --_border: var(--ow-color-border, #c4c6d0);
    --_radius: var(--ow-radius, 12px);
    --_space: var(--ow-space, 12px);
    --_font: var(--ow-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    --_focus: var(--ow-color-focus, #0b57d0);
    display: block;
    box-sizing: border-box;
    font-family: var(--_font);
    color: var(--_fg);
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --_bg: var(--ow-color-surface, #1f1f23);
      --_fg: var(--ow-color-text, #e6e6ea);
      --_muted: var(--ow-color-muted, #b9b9c3);
      --_accent: var(--ow-color-accent, #a8c7fa);
      --_on-accent: var(--ow-color-on-accent, #0a1e3f);
      --_sale: var(--ow-color-sale, #ffb4ab);
      --_member: var(--ow-color-member, #d7bbff);
      --_border: var(--ow-color-border, #46464f);
      --_focus: var(--ow-color-focus, #a8c7fa);
    }
  }
  :host([hidden]) {
    display: none;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  .visually-hidden {
    position: absolute;
    inline-size: 1px;
    block-size: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
    border: 0;
  }
  :focus-visible {
    outline: 3px solid var(--_focus);
    outline-offset: 2px;
  }
  button {
    font: inherit;
    cursor: pointer;
    min-height: 44px;
    padding: 0 calc(var(--_space) * 1.25);
    border-radius: calc(var(--_radius) / 1.5);
    border: 1px solid var(--_accent);
    background: var(--_accent);
    color: var(--_on-accent);
  }
  button.secondary {
    background: transparent;
    color: var(--_accent);
  }
  @media (prefers-reduced-motion: reduce) {
    *,
    *::before,
    *::after {
      transition: none !important;
      animation: none !important;
    }
  }
`;
