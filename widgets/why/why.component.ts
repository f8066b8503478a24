import { html, nothing, type PropertyValues } from 'lit';
import type { OwInterestEventDetail } from '../shared/events.js';
import { emit } from '../shared/events.js';
import { OwElement } from '../shared/ow-element.js';
import { theme } from '../shared/theme.styles.js';
import { languageOf } from '../shared/format.js';
import { capitalize, fill, reportOnce } from '../shared/support.js';
import { fillIsolated, type IsolatedText } from '../shared/bidi.js';
import { whyStyles } from './why.styles.js';

/** The instance methods this element needs; typed here so the element checks they exist. */
interface InterestMuter {
  muteInterest?: (category: string) => Promise<void>;
}
interface GroupReader {
  profile?: () => Promise<{ group?: { label: string } }>;
}

type MuteState = 'idle' | 'pending' | 'done' | 'failed';

/** The element's words; `{category}` and `{group}` are filled in. */
export interface WhyMessages {
  /** The disclosure button. */
  toggle: string;
  /** The button that stops using an interest. */
  mute: string;
  /** The confirmation once it is stopped. */
  muted: string;
  /** Said when stopping it failed. */
  muteFailed: string;
  /** Names the shopper's learned group (the catalog's segments), when there is one. */
  group: string;
}

export const DEFAULT_WHY_MESSAGES: WhyMessages = {
  toggle: 'Why am I seeing this?',
  mute: "Don't use my interest in {category}",
  muted: "Done: we won't use your interest in {category}.",
  muteFailed: "Sorry, that didn't work. Please try again later.",
  group: 'Offers are also chosen for your shopper group: {group}.',
};

/**
 * @tagname ow-why
 * @summary "Why am I seeing this?": a disclosure with the decision's one-line explanation and,
 * when the offer is tied to a category, a way to stop using the shopper's interest in it.
 *
 * Renders nothing without an explanation. The mute button calls `ow.muteInterest(category)` and
 * confirms in text (focus moves to the confirmation, which is also a polite live region). The
 * panel names the shopper's group (learned segments) when `group` is set or, once opened, when the
 * instance's `profile()` has one.
 *
 * @fires {CustomEvent<OwInterestEventDetail>} ow-interest-off - The shopper turned off an interest. `detail: { category }`.
 *
 * @csspart base - The wrapper.
 * @csspart toggle - The "Why am I seeing this?" button (`aria-expanded`, `aria-controls`).
 * @csspart panel - The disclosed panel.
 * @csspart explanation - The explanation text.
 * @csspart group - The line naming the shopper group.
 * @csspart mute-button - The "Don't use my interest in …" button.
 * @csspart confirmation - The text confirming (or failing) the change.
 *
 * @cssproperty --ow-why-font-size - Text size of the disclosure. Default `0.875rem`.
 */
export class OwWhy extends OwElement {
  static override styles = [theme, whyStyles];
  static override properties = {
    ...OwElement.properties,
    explanation: {},
    category: {},
    group: {},
    open: { type: Boolean, reflect: true },
    messages: { attribute: false },
    muteState: { state: true },
  };

  /** The decision's explanation of this offer (plain text). */
  declare explanation: string;
  /** The offer's category (lower case); `any` or empty offers no mute button. */
  declare category: string;
  /**
   * The shopper group's label to name; empty: asked of the instance's `profile()` when the panel
   * first opens (nothing is named without a segments file).
   */
  declare group: string;
  /** Whether the explanation is shown. */
  declare open: boolean;
  /** Words to replace (defaults in English, `DEFAULT_WHY_MESSAGES`). */
  declare messages: Partial<WhyMessages>;
  declare private muteState: MuteState;
  /** Whether the instance was asked for the group already (once per element). */
  #askedGroup = false;

  constructor() {
    super();
    this.explanation = '';
    this.category = '';
    this.group = '';
    this.open = false;
    this.messages = {};
    this.muteState = 'idle';
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('category') && changed.get('category') !== undefined) this.muteState = 'idle';
  }

  #toggle(): void {
    this.open = !this.open;
    if (this.open && !this.group && !this.#askedGroup) {
      this.#askedGroup = true;
      void this.#readGroup();
    }
  }

  /** The group the instance places the shopper in, if any; never fails the element. */
  async #readGroup(): Promise<void> {
    try {
      const ow = (await this.instance()) as GroupReader;
      const label = typeof ow.profile === 'function' ? (await ow.profile()).group?.label : '';
      if (label && !this.group) this.group = label;
    } catch {
      // No group then: the explanation stands on its own.
    }
  }

  async #mute(): Promise<void> {
    const category = this.category;
    if (this.muteState === 'pending' || this.muteState === 'done') return;
    this.muteState = 'pending';
    const ow = await this.instance();
    try {
      if (typeof (ow as InterestMuter).muteInterest !== 'function')
        throw new Error('muteInterest() is missing');
      await ow.muteInterest(category);
      if (category !== this.category) return;
      this.muteState = 'done';
      emit<OwInterestEventDetail>(this, 'ow-interest-off', { category });
    } catch (error) {
      reportOnce(ow, 'ow_mute_failed', `muteInterest("${category}"): ${String(error)}`);
      if (category === this.category) this.muteState = 'failed';
    }
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('.confirmation')?.focus();
  }

  #categoryName(): string {
    return capitalize(this.category, languageOf(this));
  }

  #text(key: keyof WhyMessages): string {
    return fill(this.messages?.[key] ?? DEFAULT_WHY_MESSAGES[key], {
      category: this.#categoryName(),
    });
  }

  /** As {@link text}, with the category (the catalog's word) in its own `<bdi>`. */
  #isolatedText(key: 'mute' | 'muted'): IsolatedText {
    return fillIsolated(this.messages?.[key] ?? DEFAULT_WHY_MESSAGES[key], {
      category: this.#categoryName(),
    });
  }

  #confirmation(): IsolatedText | string {
    if (this.muteState === 'done') return this.#isolatedText('muted');
    if (this.muteState === 'failed') return this.#text('muteFailed');
    return '';
  }

  protected override render() {
    if (!this.explanation) return nothing;
    const mutable = !!this.category && this.category !== 'any';
    const showButton = mutable && this.muteState !== 'done';
    return html`<div part="base" class="base">
      <button
        part="toggle"
        class="toggle"
        type="button"
        aria-expanded=${this.open ? 'true' : 'false'}
        aria-controls="panel"
        @click=${this.#toggle}
      >
        ${this.#text('toggle')}
      </button>
      <div part="panel" class="panel" id="panel" ?hidden=${!this.open}>
        <p part="explanation" class="explanation">${this.explanation}</p>
        ${
          this.group
            ? html`<p part="group" class="explanation">
                ${fillIsolated(this.messages?.group ?? DEFAULT_WHY_MESSAGES.group, {
                  group: this.group,
                })}
              </p>`
            : nothing
        }
        ${
          showButton
            ? html`<button
                part="mute-button"
                class="mute secondary"
                type="button"
                ?disabled=${this.muteState === 'pending'}
                @click=${this.#mute}
              >
                ${this.#isolatedText('mute')}
              </button>`
            : nothing
        }
        <p part="confirmation" class="confirmation" role="status" tabindex="-1">
          ${this.#confirmation()}
        </p>
      </div>
    </div>`;
  }
}
