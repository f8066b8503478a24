import { css } from 'lit';

export const offersStyles = css`
  :host {
    min-height: var(--ow-offers-min-height, 160px);
  }
  :host([empty]) {
    min-height: 0;
  }
  .base:focus {
    /* Focused only to keep the place after a dismissal; not a control. */
    outline: none;
  }
  .base {
    display: grid;
    grid-template-columns: repeat(
      auto-fill,
      minmax(min(100%, var(--ow-offers-column, 260px)), 1fr)
    );
    gap: var(--ow-offers-gap, var(--_space));
  }
`;
