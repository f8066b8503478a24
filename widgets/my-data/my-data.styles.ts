import { css } from 'lit';

export default css`
  .base {
    display: grid;
    gap: var(--_space);
    padding: var(--_space);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_bg);
    line-height: 1.5;
  }

  .heading {
    margin: 0;
    font-size: 1.125rem;
    font-weight: 700;
  }
  .intro,
  .storage {
    margin: 0;
    color: var(--_muted);
  }

  .facts {
    display: grid;
    gap: calc(var(--_space) / 2);
    margin: 0;
    padding-inline-start: 1.25em;
  }
  .fact {
    overflow-wrap: anywhere;
  }
  /* A skeleton line is exactly one line of text: a fact that fits on one replaces it in place. */
  .fact--placeholder {
    block-size: 1lh;
  }
  .sk-bar {
    display: block;
    block-size: 0.75em;
    margin-block-start: calc((1lh - 0.75em) / 2);
    inline-size: 60%;
    border-radius: 4px;
    background: var(--_border);
    animation: ow-skeleton 1.2s ease-in-out infinite alternate;
  }
  .fact--placeholder:nth-child(2n) .sk-bar {
    inline-size: 45%;
  }
  .fact--placeholder:nth-child(3n) .sk-bar {
    inline-size: 72%;
  }
  /* Opacity only: a pulse that moves nothing. */
  @keyframes ow-skeleton {
    to {
      opacity: 0.5;
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .sk-bar {
      animation: none;
    }
  }
  /* The loading words over the room of the storage sentence that replaces them (same lines). */
  .storage--reserved {
    display: grid;
  }
  .storage--reserved > * {
    grid-area: 1 / 1;
  }
  .storage--reserved > .reserve {
    visibility: hidden;
  }

  .consent {
    display: flex;
    align-items: center;
    gap: calc(var(--_space) / 1.5);
    min-block-size: 44px;
    cursor: pointer;
  }
  .switch {
    flex: none;
    inline-size: 1.5rem;
    block-size: 1.5rem;
    margin: 0;
    accent-color: var(--_accent);
    cursor: pointer;
  }
  .switch:disabled {
    cursor: progress;
  }

  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: calc(var(--_space) / 1.5);
  }
  button:disabled {
    cursor: progress;
    opacity: 0.7;
  }
  button.danger {
    border-color: var(--_sale);
    background: transparent;
    color: var(--_sale);
  }
  button.danger.confirm-button {
    background: var(--_sale);
    color: var(--_on-accent);
  }

  .confirm {
    display: grid;
    gap: calc(var(--_space) / 1.5);
    padding: var(--_space);
    border: 2px solid var(--_sale);
    border-radius: calc(var(--_radius) / 1.5);
  }
  .status {
    margin: 0;
    font-weight: 600;
  }
  .confirm-text {
    margin: 0;
    font-weight: 600;
  }
`;
