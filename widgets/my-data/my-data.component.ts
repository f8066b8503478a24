import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { Offerwise } from '../../src/offerwise.js';
import type { Consent } from '../../src/privacy/consent.js';
import type { Segment } from '../../src/profile/segment.js';
import type { ProfileSnapshot } from '../../src/profile/snapshot.js';
import type { ShopperGroup } from '../../src/learning/types.js';
import { fillIsolated, isolatedList, type IsolatedText } from '../shared/bidi.js';
import { formatMoney, languageOf } from '../shared/format.js';
import { LoadController } from '../shared/load.controller.js';
import { OwElement } from '../shared/ow-element.js';
import { theme } from '../shared/theme.styles.js';
import styles from './my-data.styles.js';

/** A phrase by plural category (`Intl.PluralRules`); `other` is the fallback. */
export type Plural = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

/**
 * Every word the element shows. `{count}`, `{list}`, `{spend}`, `{segment}` are filled in.
 * `segment` names the shopper group: the learned group's label when the catalog has segments
 * (the shop's words, isolated), else the word of `segments` for the built-in segment.
 */
export interface MyDataMessages {
  heading: string;
  intro: string;
  loading: string;
  unavailable: string;
  events: Plural;
  noEvents: string;
  categories: string;
  /** The categories line before any category was looked at. */
  noCategories: string;
  viewed: string;
  /** The recently viewed line before any product was viewed. */
  noViewed: string;
  purchases: Plural;
  noPurchases: string;
  segment: string;
  segments: Record<Segment, string>;
  storageIndexeddb: string;
  storageMemory: string;
  consent: string;
  download: string;
  erase: string;
  eraseQuestion: string;
  eraseConfirm: string;
  cancel: string;
  erased: string;
  consentOn: string;
  consentOff: string;
  failed: string;
}

export const DEFAULT_MY_DATA_MESSAGES: MyDataMessages = {
  heading: 'Your data in this shop',
  intro:
    'Your offers and recommendations are chosen in this browser from what you do in this shop. This is what it remembers.',
  loading: 'Reading your data…',
  unavailable: 'Your data could not be read.',
  events: {
    one: '{count} action recorded (pages, cart changes, purchases).',
    other: '{count} actions recorded (pages, cart changes, purchases).',
  },
  noEvents: 'Nothing recorded yet.',
  categories: 'Categories you look at most: {list}.',
  noCategories: 'No categories looked at yet.',
  viewed: 'Recently viewed: {list}.',
  noViewed: 'No products viewed yet.',
  purchases: {
    one: '{count} purchase in the last 365 days, {spend} in total.',
    other: '{count} purchases in the last 365 days, {spend} in total.',
  },
  noPurchases: 'No purchases in the last 365 days.',
  segment: 'Shopper group: {segment}.',
  segments: {
    new: 'new shopper',
    active: 'buys now and then',
    loyal: 'buys often',
    at_risk: 'has not bought for a few months',
    lapsed: 'has not bought for over six months',
    bargain_hunter: 'mostly buys on offer',
  },
  storageIndexeddb: 'Kept in this browser until you erase it; it is not sent to the shop.',
  storageMemory: 'Kept only while this page is open; nothing is saved.',
  consent: 'Personalize offers and recommendations with my activity',
  download: 'Download my data',
  erase: 'Erase my data',
  eraseQuestion: 'Erase everything this shop remembers in this browser? This cannot be undone.',
  eraseConfirm: 'Yes, erase',
  cancel: 'Cancel',
  erased: 'Your data was erased.',
  consentOn: 'Personalization is on.',
  consentOff: 'Personalization is off.',
  failed: 'That did not work. Please try again.',
};

/** Name of the downloaded file. */
export const EXPORT_FILE_NAME = 'offerwise-data.json';
/** Categories and recent items named at most. */
const LISTED = 3;
const RECENT = 5;
/**
 * The lines of the facts list, whatever the profile holds: what was recorded, the categories, the
 * recently viewed, the purchases, the shopper group (each says "none yet" when empty). A fixed
 * count is what lets the skeleton reserve the list's height before the profile is read.
 */
export const FACT_LINES = 5;
/** Some browsers start the download after `click()` returns: the URL must outlive it briefly. */
const REVOKE_DELAY_MS = 1000;

/**
 * @tagname ow-my-data
 * @summary What the shopper's profile holds, in plain words, with a consent switch, a download of
 * everything stored, and erasure after an explicit confirmation.
 *
 * The profile is read after the first render. Until then the facts list shows skeleton lines of
 * its final shape (always five facts, one line each: a category or viewed line says "none yet"
 * rather than disappear) and the storage line holds the room of its final sentence, so the page
 * does not move when the facts arrive. The one change left is a fact longer than a line (a long
 * list of viewed products on a phone): the list grows by those extra lines once, in the render
 * that shows the facts. A profile that cannot be read drops the skeleton lines, in one step too.
 *
 * @csspart base - The container.
 * @csspart heading - The heading.
 * @csspart intro - The introduction.
 * @csspart facts - The list of what is remembered (skeleton lines while the profile is read).
 * @csspart fact - One line of it.
 * @csspart fact-placeholder - A skeleton line, until the profile is read.
 * @csspart storage - Where it is kept.
 * @csspart consent - The consent switch's label.
 * @csspart switch - The consent switch (`<input type="checkbox" role="switch">`).
 * @csspart actions - The download and erase buttons.
 * @csspart download-button - "Download my data".
 * @csspart erase-button - "Erase my data".
 * @csspart confirm - The erase confirmation (question and buttons).
 * @csspart confirm-button - "Yes, erase".
 * @csspart cancel-button - "Cancel".
 * @csspart status - The polite live region for outcomes ("Your data was erased.").
 */
export class OwMyData extends OwElement {
  static override styles = [theme, styles];
  static override properties = {
    ...OwElement.properties,
    messages: { attribute: false },
    profile: { state: true },
    consentState: { state: true },
    failed: { state: true },
    busy: { state: true },
    confirming: { state: true },
    status: { state: true },
  };

  // The class's type asks for every word; `@type` tells the manifest (and the JSX types made
  // from it) what the element takes.
  /**
   * The words shown (defaults in English); replace the object to translate. A word left out
   * keeps its default.
   * @type {Partial<MyDataMessages>}
   */
  declare messages: MyDataMessages;
  declare private profile: (ProfileSnapshot & { group?: ShopperGroup }) | undefined;
  declare private consentState: Consent | undefined;
  declare private failed: boolean;
  declare private busy: boolean;
  declare private confirming: boolean;
  declare private status: string;

  #ow: Offerwise | undefined;
  readonly #loads = new LoadController(this, () => this.refresh());
  /** Where focus goes after the next render (the confirmation opened or closed). */
  #focusNext: string | undefined;

  constructor() {
    super();
    this.messages = DEFAULT_MY_DATA_MESSAGES;
    this.failed = false;
    this.busy = false;
    this.confirming = false;
    this.status = '';
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('offerwise')) this.#loads.reload();
  }

  protected override updated(): void {
    if (this.#focusNext) {
      this.renderRoot.querySelector<HTMLElement>(this.#focusNext)?.focus();
      this.#focusNext = undefined;
    }
  }

  /** Reads the profile and consent again (e.g. after the shopper did something elsewhere). */
  async refresh(): Promise<void> {
    const token = this.#loads.begin();
    try {
      const ow = await this.instance();
      if (!this.#loads.current(token)) return;
      this.#ow = ow;
      const profile = await ow.profile();
      if (!this.#loads.current(token)) return;
      this.profile = profile;
      this.consentState = ow.consent();
      this.failed = false;
    } catch {
      if (!this.#loads.current(token)) return;
      this.failed = true;
    }
  }

  #text(key: Exclude<keyof MyDataMessages, 'events' | 'purchases' | 'segments'>): string {
    return this.messages?.[key] ?? DEFAULT_MY_DATA_MESSAGES[key];
  }

  #plural(key: 'events' | 'purchases', count: number, language: string | undefined) {
    const forms = this.messages?.[key] ?? DEFAULT_MY_DATA_MESSAGES[key];
    let rule: Intl.LDMLPluralRule = 'other';
    try {
      rule = new Intl.PluralRules(language).select(count);
    } catch {
      // An unknown language: 'other' reads acceptably.
    }
    return (forms[rule] ?? forms.other).replace('{count}', count.toLocaleString(language));
  }

  async #onConsentChange(event: Event): Promise<void> {
    const input = event.target as HTMLInputElement;
    const next: Consent = input.checked ? 'granted' : 'denied';
    const ow = this.#ow;
    if (!ow || this.busy) return;
    this.busy = true;
    try {
      await ow.consent(next);
      this.status = next === 'granted' ? this.#text('consentOn') : this.#text('consentOff');
    } catch {
      this.status = this.#text('failed');
    } finally {
      this.busy = false;
    }
    // The switch shows what is in force, whatever happened.
    input.checked = ow.consent() === 'granted';
    await this.refresh();
  }

  async #onDownload(): Promise<void> {
    const ow = this.#ow;
    if (!ow || this.busy) return;
    this.busy = true;
    try {
      const data = await ow.exportData();
      const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = EXPORT_FILE_NAME;
      link.hidden = true;
      this.renderRoot.appendChild(link);
      try {
        link.click();
      } finally {
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), REVOKE_DELAY_MS);
      }
    } catch {
      this.status = this.#text('failed');
    } finally {
      this.busy = false;
    }
  }

  #onErase(): void {
    this.status = '';
    this.confirming = true;
    // The safe choice gets focus: a second Enter must not erase.
    this.#focusNext = '[part~="cancel-button"]';
  }

  #onCancel(): void {
    this.confirming = false;
    this.#focusNext = '[part~="erase-button"]';
  }

  async #onConfirm(): Promise<void> {
    const ow = this.#ow;
    if (!ow || this.busy) return;
    this.busy = true;
    try {
      await ow.forget();
      this.status = this.#text('erased');
    } catch {
      this.status = this.#text('failed');
    } finally {
      this.busy = false;
      this.confirming = false;
      this.#focusNext = '[part~="erase-button"]';
    }
    await this.refresh();
  }

  /** Lines of plain words; the shop's own names (categories, items) each in a `<bdi>`. */
  #facts(
    profile: ProfileSnapshot & { group?: ShopperGroup },
    language: string | undefined,
  ): (string | IsolatedText)[] {
    const facts: (string | IsolatedText)[] = [];
    const events = Object.values(profile.eventCounts).reduce((s, n) => s + n, 0);
    facts.push(events > 0 ? this.#plural('events', events, language) : this.#text('noEvents'));
    const categories = profile.categories.slice(0, LISTED).map((c) => c.category);
    facts.push(
      categories.length > 0
        ? fillIsolated(this.#text('categories'), { list: isolatedList(categories, language) })
        : this.#text('noCategories'),
    );
    const viewed = profile.recent.viewed.slice(0, RECENT).map((r) => r.name ?? r.id);
    facts.push(
      viewed.length > 0
        ? fillIsolated(this.#text('viewed'), { list: isolatedList(viewed, language) })
        : this.#text('noViewed'),
    );
    const { count, spend } = profile.purchases.d365;
    if (count > 0) {
      const money = profile.currency
        ? formatMoney(spend, profile.currency, language)
        : spend.toLocaleString(language);
      facts.push(this.#plural('purchases', count, language).replace('{spend}', money));
    } else facts.push(this.#text('noPurchases'));
    if (profile.group) {
      // The learned group (the catalog's segments file): its label is the shop's text.
      facts.push(fillIsolated(this.#text('segment'), { segment: profile.group.label }));
    } else {
      const segments = this.messages?.segments ?? DEFAULT_MY_DATA_MESSAGES.segments;
      const segment = segments[profile.segment] ?? profile.segment;
      facts.push(this.#text('segment').replace('{segment}', segment));
    }
    return facts;
  }

  #renderProfile(
    profile: ProfileSnapshot & { group?: ShopperGroup },
    language: string | undefined,
  ): TemplateResult {
    return html`<ul part="facts" class="facts">
        ${this.#facts(profile, language).map((f) => html`<li part="fact" class="fact">${f}</li>`)}
      </ul>
      <p part="storage" class="storage">
        ${
          profile.storage === 'indexeddb'
            ? this.#text('storageIndexeddb')
            : this.#text('storageMemory')
        }
      </p>`;
  }

  /**
   * While the profile is read: skeleton lines in the list's place, and the storage line holding
   * the room of its usual sentence (hidden) under the loading words. A failed read keeps only the
   * storage line, which says so.
   */
  #renderLoading(): TemplateResult {
    if (this.failed) {
      return html`<p part="storage" class="storage">${this.#text('unavailable')}</p>`;
    }
    return html`<ul part="facts" class="facts" aria-hidden="true">
        ${Array.from(
          { length: FACT_LINES },
          () =>
            html`<li part="fact-placeholder" class="fact fact--placeholder">
              <span class="sk-bar"></span>
            </li>`,
        )}
      </ul>
      <p part="storage" class="storage storage--reserved">
        <span>${this.#text('loading')}</span
        ><span class="reserve" aria-hidden="true">${this.#text('storageIndexeddb')}</span>
      </p>`;
  }

  #renderConfirm(): TemplateResult | typeof nothing {
    if (!this.confirming) return nothing;
    return html`<div
      part="confirm"
      class="confirm"
      id="confirm"
      role="group"
      aria-labelledby="confirm-text"
    >
      <p class="confirm-text" id="confirm-text">${this.#text('eraseQuestion')}</p>
      <div class="actions">
        <button
          part="confirm-button"
          class="danger confirm-button"
          type="button"
          ?disabled=${this.busy}
          @click=${this.#onConfirm}
        >
          ${this.#text('eraseConfirm')}
        </button>
        <button
          part="cancel-button"
          class="secondary"
          type="button"
          ?disabled=${this.busy}
          @click=${this.#onCancel}
        >
          ${this.#text('cancel')}
        </button>
      </div>
    </div>`;
  }

  protected override render(): TemplateResult {
    const language = languageOf(this);
    const profile = this.profile;
    const ready = profile !== undefined && this.#ow !== undefined;
    return html`<section part="base" class="base" aria-labelledby="heading">
      <p part="heading" class="heading" id="heading">${this.#text('heading')}</p>
      <p part="intro" class="intro">${this.#text('intro')}</p>
      ${profile ? this.#renderProfile(profile, language) : this.#renderLoading()}
      <label part="consent" class="consent">
        <input
          part="switch"
          class="switch"
          type="checkbox"
          role="switch"
          .checked=${this.consentState === 'granted'}
          ?disabled=${!ready || this.busy}
          @change=${this.#onConsentChange}
        />
        <span>${this.#text('consent')}</span>
      </label>
      <div part="actions" class="actions">
        <button
          part="download-button"
          type="button"
          ?disabled=${!ready || this.busy}
          @click=${this.#onDownload}
        >
          ${this.#text('download')}
        </button>
        <button
          part="erase-button"
          class="danger"
          type="button"
          aria-expanded=${this.confirming}
          aria-controls="confirm"
          ?disabled=${!ready || this.busy || this.confirming}
          @click=${this.#onErase}
        >
          ${this.#text('erase')}
        </button>
      </div>
      ${this.#renderConfirm()}
      <p part="status" class="status" role="status" aria-live="polite">${this.status}</p>
    </section>`;
  }
}
