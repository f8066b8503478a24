import { css } from 'lit';

export const memberDealStyles = css`
  :host {
    --_edge: var(--_member);
  }
  .badge {
    display: inline-block;
    margin-block-end: calc(var(--_space) / 3);
    padding-block: 2px;
    padding-inline: calc(var(--_space) / 2);
    border-radius: 999px;
    background: var(--_member);
    color: var(--_bg);
    font-size: 0.75rem;
    font-weight: 700;
    letter-spacing: 0.04em;
    text-transform: uppercase;
  }
  .claim {
    border-color: var(--_member);
    background: var(--_member);
    color: var(--_bg);
  }
  .sign-in {
    display: inline-flex;
    align-items: center;
    min-height: 44px;
    padding-inline: calc(var(--_space) * 1.25);
    border: 1px solid var(--_member);
    border-radius: calc(var(--_radius) / 1.5);
    background: var(--_member);
    color: var(--_bg);
    font-weight: 600;
    text-decoration: none;
  }
  .sign-in-text {
    margin: 0;
    color: var(--_fg);
    font-weight: 600;
  }
`;
