import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { Catalog, Offer, SaleItem } from '../../src/decide/types.js';
import { fillIsolated, isolate, type IsolatedText } from '../shared/bidi.js';
import { emit, type OwOfferEventDetail } from '../shared/events.js';
import { formatMoney, languageOf } from '../shared/format.js';
import { LoadController } from '../shared/load.controller.js';
import { OfferFeedbackController } from '../shared/offer-feedback.controller.js';
import { OwElement } from '../shared/ow-element.js';
import { cssProps } from '../shared/css-props.js';
import { safeUrl } from '../shared/support.js';
import { theme } from '../shared/theme.styles.js';
import { CountdownController, type CountdownState } from './countdown.controller.js';
import { formatDuration } from './duration.js';
import styles from './flash-sale.styles.js';
import {
  ENDING_SOON_MINUTES,
  readNumber,
  reportNumber,
  SERVER_OFFSET,
  type NumberRead,
} from '../shared/numbers.js';

/** The element's words; `{count}` and `{title}` are filled in. */
export interface FlashSaleMessages {
  startsIn: string;
  endsIn: string;
  endingSoon: string;
  ended: string;
  /** Announced once, politely, when the sale ends while on screen. */
  endedAnnouncement: string;
  /** Read before the struck-through price. */
  was: string;
  /** Read before the sale price. */
  now: string;
  left: string;
  onlyLeft: string;
  soldOut: string;
  /** The stock meter's name. */
  stock: string;
  /** Days in front of `hh:mm:ss` past 24 hours. */
  days: string;
}

export const DEFAULT_FLASH_SALE_MESSAGES: FlashSaleMessages = {
  startsIn: 'Starts in',
  endsIn: 'Ends in',
  endingSoon: 'Ending soon',
  ended: 'This sale has ended',
  endedAnnouncement: 'The sale "{title}" has ended.',
  was: 'was',
  now: 'now',
  left: '{count} left',
  onlyLeft: 'Only {count} left',
  soldOut: 'Sold out',
  stock: 'Stock',
  days: '{count}d',
};

/** At or below this many units an item reads "Only n left". */
export const LOW_STOCK = 5;

/** Intrinsic size of item images (their aspect ratio reserves the space before they load). */
const IMAGE_SIZE = 160;

/**
 * @tagname ow-flash-sale
 * @summary A flash sale: its items with sale and former prices, stock, and a countdown on the
 * server-corrected clock (upcoming, live, ending soon, ended). The title and item names are text,
 * each in its own `<bdi>`.
 *
 * A wide band: the header (title, countdown, "Why?") on one row, the items in one row that scrolls
 * sideways (scroll snap) when they do not fit. Its height is fixed by construction (a square image
 * box, names clamped to two lines, the sale price over the struck former price, a fixed stock
 * row): 398 px while wider than 420 px, 416 px at 420 px or less (its own width; 16 px root font,
 * default `--ow-space`); see `band.ts`.
 *
 * @fires {CustomEvent<OwOfferEventDetail>} ow-click - The shopper followed an item's link (`{ decisionId, offerId }`); also reported as `click`.
 * @fires {CustomEvent<OwOfferEventDetail>} ow-impression - Half the sale (30% of a sale of 242,500 px² or more) was visible for a second (`{ decisionId, offerId }`); also reported.
 * @fires {CustomEvent<OwInterestEventDetail>} ow-interest-off - From the inner `<ow-why>` (`{ category }`).
 *
 * @csspart base - The sale's container; has the class `base--<state>`.
 * @csspart header - Title, countdown and explanation.
 * @csspart title - The sale's title.
 * @csspart timer - The countdown (`role="timer"`).
 * @csspart timer-label - "Starts in", "Ends in", "Ending soon", or the ended text.
 * @csspart timer-value - The time left, `hh:mm:ss`.
 * @csspart why - The `<ow-why>` element.
 * @csspart items - The row of items, scrolling sideways (focusable, so the keyboard scrolls it).
 * @csspart item - One item.
 * @csspart link - The item's link (image and name).
 * @csspart image - The item's image.
 * @csspart name - The item's name.
 * @csspart price - Sale and former price.
 * @csspart sale-price - The sale price.
 * @csspart was-price - The former, struck-through price.
 * @csspart stock - The stock meter (`role="meter"`).
 * @csspart stock-track - The meter's track.
 * @csspart stock-fill - The meter's filled part.
 * @csspart stock-label - "Only 3 left", "12 left", "Sold out".
 * @csspart announcer - The polite live region (visually hidden).
 *
 * @cssproperty --ow-flash-sale-image-size - Item and image width (default 160px; 80% of it while the sale is at most 420px wide). Set it on `<ow-offers>` or an ancestor so the reserved space matches.
 * @cssproperty --ow-color-sale - Sale price, live countdown and stock colour (theme token).
 */
export class OwFlashSale extends OwElement {
  static override styles = [theme, styles];
  static override properties = {
    ...OwElement.properties,
    offer: { attribute: false },
    decisionId: { attribute: 'decision-id' },
    currency: {},
    explanation: {},
    serverOffset: { attribute: 'server-offset', type: Number },
    endingSoonMinutes: { attribute: 'ending-soon-minutes', type: Number },
    messages: { attribute: false },
    announcement: { state: true },
    order: { state: true },
    catalog: { state: true },
  };

  /** The flash-sale offer (type `flash_sale`, with `items`, `starts_at` and `ends_at`). */
  declare offer: Offer | undefined;
  /** The decision that showed it; clicks and impressions are reported against it. */
  declare decisionId: string | undefined;
  /** ISO 4217 code of the prices; default the catalog's. */
  declare currency: string | undefined;
  /** Why the shopper sees this offer, shown by `<ow-why>`. */
  declare explanation: string | undefined;
  /** Server clock minus local clock, ms; default the catalog's `server_time - received_at`, else 0. */
  declare serverOffset: number | `${number}` | undefined;
  /** Minutes left from which the sale reads "Ending soon" (default 10). */
  declare endingSoonMinutes: number | `${number}`;
  // The class's type asks for every word; `@type` tells the manifest (and the JSX types made
  // from it) what the element takes.
  /**
   * The words shown and announced (defaults in English); a word left out keeps its default.
   * @type {Partial<FlashSaleMessages>}
   */
  declare messages: FlashSaleMessages;
  /** The live region's message, with the sale's title isolated. */
  declare private announcement: IsolatedText | string;
  /** Item ids in the order `recommend()` gave; undefined keeps the catalog's order. */
  declare private order: string[] | undefined;
  declare private catalog: Catalog | undefined;

  /** The instance, catalog and ranking, (re)loaded on connect and when offer or instance change. */
  readonly #loads = new LoadController(this, () => this.#load());
  readonly #countdown: CountdownController;
  readonly #feedback = new OfferFeedbackController(this, () => this.instance());
  constructor() {
    super();
    this.endingSoonMinutes = 10;
    this.messages = DEFAULT_FLASH_SALE_MESSAGES;
    this.announcement = '';
    this.#countdown = new CountdownController(this, {
      startsAt: () => this.offer?.starts_at,
      endsAt: () => this.offer?.ends_at,
      offset: () => this.offset(),
      endingSoonMs: () => this.#endingSoon().value * 60_000,
      onStateChange: (state) => {
        // Once, on the change itself: a sale that was already over when shown is not announced.
        if (state === 'ended') {
          this.announcement = fillIsolated(this.#text('endedAnnouncement'), {
            title: this.offer?.title ?? '',
          });
        }
      },
    });
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('offer')) {
      this.order = undefined;
      this.announcement = '';
    }
    if (changed.has('offer') || changed.has('offerwise')) this.#loads.reload();
    if (changed.has('serverOffset') || changed.has('endingSoonMinutes')) void this.#checkNumbers();
  }

  /** A numeric attribute that is not a number in its range is the page's mistake: say so, once. */
  async #checkNumbers(): Promise<void> {
    const offset = this.#serverOffsetRead();
    const soon = this.#endingSoon();
    if (!offset.problem && !soon.read.problem) return;
    const ow = await this.instance();
    reportNumber(ow, '<ow-flash-sale>', 'server-offset', offset, "using the catalog's clock");
    reportNumber(ow, '<ow-flash-sale>', 'ending-soon-minutes', soon.read, 'using 10');
  }

  #serverOffsetRead(): NumberRead {
    return readNumber(this.serverOffset, SERVER_OFFSET, this.getAttribute('server-offset'));
  }

  /** `ending-soon-minutes` as read, and the minutes it means (10 when unset or refused). */
  #endingSoon(): { value: number; read: NumberRead } {
    const read = readNumber(
      this.endingSoonMinutes,
      ENDING_SOON_MINUTES,
      this.getAttribute('ending-soon-minutes'),
    );
    return { value: read.value ?? 10, read };
  }

  /** Finds the instance, then the catalog (currency, clock offset) and this shopper's order. */
  async #load(): Promise<void> {
    const token = this.#loads.begin();
    try {
      const ow = await this.instance();
      if (!this.#loads.current(token)) return;
      const catalog = await ow.catalog();
      if (!this.#loads.current(token)) return;
      this.catalog = catalog;
      const items = this.#saleItems();
      if (items.length < 2) return;
      const { items: ranked } = await ow.recommend({
        placement: 'flash-sale',
        candidates: items.map((i) => i.item_id),
        limit: items.length,
      });
      if (!this.#loads.current(token)) return;
      this.order = ranked.map((r) => r.itemId);
    } catch {
      // Without a ranking the catalog's order stands.
    }
  }

  private offset(): number {
    const offset = this.#serverOffsetRead().value;
    if (offset !== undefined) return offset;
    const catalog = this.catalog;
    return catalog ? catalog.server_time - catalog.received_at : 0;
  }

  #text(key: keyof FlashSaleMessages): string {
    return this.messages?.[key] ?? DEFAULT_FLASH_SALE_MESSAGES[key];
  }

  #saleItems(): SaleItem[] {
    const offer = this.offer;
    if (!offer || offer.type !== 'flash_sale' || !Array.isArray(offer.items)) return [];
    return offer.items;
  }

  /** Ranked items first (in the ranking's order), then the others in the catalog's order. */
  #orderedItems(): SaleItem[] {
    const items = this.#saleItems();
    if (!this.order) return items;
    const rank = new Map(this.order.map((id, i) => [id, i]));
    return items
      .map((item, i) => ({ item, key: rank.get(item.item_id) ?? this.order!.length + i }))
      .sort((a, b) => a.key - b.key)
      .map((e) => e.item);
  }

  #onLinkClick(): void {
    this.#feedback.report('click');
    emit<OwOfferEventDetail>(this, 'ow-click', this.#feedback.detail());
  }

  #money(amount: number, language: string | undefined): string {
    const currency = this.currency || this.catalog?.currency;
    if (currency) return formatMoney(amount, currency, language);
    try {
      return new Intl.NumberFormat(language, { minimumFractionDigits: 2 }).format(amount);
    } catch {
      return amount.toFixed(2);
    }
  }

  #renderTimer(state: CountdownState): TemplateResult {
    const remaining = this.#countdown.remaining;
    const label =
      state === 'upcoming'
        ? this.#text('startsIn')
        : state === 'ending-soon'
          ? this.#text('endingSoon')
          : state === 'live'
            ? this.#text('endsIn')
            : this.#text('ended');
    const value = state === 'ended' ? '' : formatDuration(remaining, this.#text('days'));
    return html`<div part="timer" class="timer" role="timer">
      <span part="timer-label" class="timer-label">${label}</span>
      ${value ? html`<span part="timer-value" class="timer-value">${value}</span>` : nothing}
    </div>`;
  }

  #renderStock(item: SaleItem, max: number): TemplateResult | typeof nothing {
    if (item.stock === undefined || !Number.isFinite(item.stock)) return nothing;
    const stock = Math.max(0, Math.floor(item.stock));
    const low = stock <= LOW_STOCK;
    const label =
      stock === 0
        ? this.#text('soldOut')
        : (low ? this.#text('onlyLeft') : this.#text('left')).replace('{count}', String(stock));
    const fill = max > 0 ? Math.min(100, (stock / max) * 100) : 0;
    return html`<div
      part="stock"
      class="stock ${low ? 'stock--low' : ''}"
      role="meter"
      aria-label=${this.#text('stock')}
      aria-valuemin="0"
      aria-valuemax=${max}
      aria-valuenow=${stock}
      aria-valuetext=${label}
    >
      <div part="stock-track" class="stock-track">
        <div part="stock-fill" class="stock-fill" ${cssProps({ '--_fill': `${fill}%` })}></div>
      </div>
      <span part="stock-label" class="stock-label">${label}</span>
    </div>`;
  }

  #renderItem(item: SaleItem, language: string | undefined, max: number): TemplateResult {
    const href = safeUrl(item.url);
    const src = safeUrl(item.image);
    const face = html`${
        src
          ? // Decorative: the name is the link's text right beside it (axe image-redundant-alt).
            html`<img
              part="image"
              class="image"
              src=${src}
              alt=""
              loading="lazy"
              decoding="async"
              referrerpolicy="no-referrer"
              width=${IMAGE_SIZE}
              height=${IMAGE_SIZE}
            />`
          : html`<span class="image"></span>`
      }<span part="name" class="name">${isolate(item.item_name)}</span>`;
    return html`<li part="item" class="item ow-band-item" role="listitem">
      ${
        href
          ? html`<a part="link" class="link" href=${href} @click=${this.#onLinkClick}>${face}</a>`
          : html`<div class="link">${face}</div>`
      }
      <p part="price" class="price">
        <span part="sale-price" class="sale-price"
          ><span class="visually-hidden">${this.#text('now')} </span>${this.#money(
            item.sale_price,
            language,
          )}</span
        >
        ${
          item.price > item.sale_price
            ? html`<s part="was-price" class="was-price"
                ><span class="visually-hidden">${this.#text('was')} </span>${this.#money(
                  item.price,
                  language,
                )}</s
              >`
            : nothing
        }
      </p>
      ${this.#renderStock(item, max)}
    </li>`;
  }

  protected override render(): TemplateResult | typeof nothing {
    const offer = this.offer;
    const items = this.#orderedItems();
    if (!offer || items.length === 0) return nothing;
    const state = this.#countdown.state;
    const language = languageOf(this);
    // The bar shows each item's stock against the best-stocked item of the sale (at least 10).
    const max = items.reduce((m, i) => Math.max(m, i.stock ?? 0), 10);
    return html`<section part="base" class="base ow-band base--${state}" aria-labelledby="title">
      <div part="header" class="header">
        <p part="title" class="title" id="title">${isolate(offer.title)}</p>
        ${this.#renderTimer(state)}
        ${
          this.explanation
            ? html`<ow-why
                part="why"
                .explanation=${this.explanation}
                .category=${offer.category}
              ></ow-why>`
            : nothing
        }
      </div>
      <ul part="items" class="items ow-band-items" role="list" tabindex="0">
        ${items.map((item) => this.#renderItem(item, language, max))}
      </ul>
      <div part="announcer" class="visually-hidden" role="status" aria-live="polite">
        ${this.announcement}
      </div>
    </section>`;
  }
}
