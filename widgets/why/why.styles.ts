import { css } from 'lit';

export const whyStyles = css`
  :host {
    font-size: var(--ow-why-font-size, 0.875rem);
    color: var(--_muted);
  }
  .toggle {
    min-height: 44px;
    padding-inline: 0;
    border: none;
    background: none;
    color: var(--_accent);
    text-decoration: underline;
    text-underline-offset: 0.2em;
  }
  .panel {
    margin-block: calc(var(--_space) / 2) 0;
    padding-inline-start: calc(var(--_space) / 1.5);
    border-inline-start: 2px solid var(--_border);
  }
  .panel[hidden] {
    display: none;
  }
  .explanation,
  .confirmation {
    margin: 0 0 calc(var(--_space) / 2);
    color: var(--_fg);
  }
  .confirmation:empty {
    display: none;
  }
  .confirmation:focus {
    outline: none;
  }
  .confirmation:focus-visible {
    outline: 3px solid var(--_focus);
  }
`;
