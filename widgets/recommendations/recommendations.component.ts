import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import {
  RECOMMEND_MODES,
  type RecommendedItem,
  type RecommendMode,
  type RecommendRequest,
} from '../../src/recommend/recommend.js';
import type { Offerwise } from '../../src/offerwise.js';
import { describeValue } from '../../src/util/errors.js';
import { isolate } from '../shared/bidi.js';
import { emit, type OwItemEventDetail } from '../shared/events.js';
import { formatMoney, languageOf } from '../shared/format.js';
import { OwElement } from '../shared/ow-element.js';
import { LoadController } from '../shared/load.controller.js';
import { RouteController } from '../shared/route.controller.js';
import { reportOnce, safeUrl } from '../shared/support.js';
import { RECOMMENDATIONS_LIMIT, readNumber, reportNumber } from '../shared/numbers.js';
import { theme } from '../shared/theme.styles.js';
import styles from './recommendations.styles.js';

/** The element's own words (the explanations come from `recommend()`, see its `messages`). */
export interface RecommendationsMessages {
  /** The strip's visible heading and the list's name in `for-you` mode (the default). */
  heading: string;
  /** The heading in `discover` mode. */
  headingDiscover: string;
  /** The heading in `recently-viewed` mode. */
  headingRecentlyViewed: string;
}

export const DEFAULT_RECOMMENDATIONS_MESSAGES: RecommendationsMessages = {
  heading: 'Recommended for you',
  headingDiscover: 'Discover something new',
  headingRecentlyViewed: 'Recently viewed',
};

const HEADINGS: Record<RecommendMode, keyof RecommendationsMessages> = {
  'for-you': 'heading',
  discover: 'headingDiscover',
  'recently-viewed': 'headingRecentlyViewed',
};

/** Placeholder cards while loading, when no `limit` says how many. */
const PLACEHOLDERS = 4;
/** Intrinsic size of images (their aspect ratio reserves the space before they load). */
const IMAGE_SIZE = 160;

type Status = 'loading' | 'ready' | 'empty';

/**
 * @tagname ow-recommendations
 * @summary A horizontal, scroll-snapping strip of products ranked for this shopper on the device
 * by `recommend({ placement, limit, exclude, mode })`, with the reason ("Because you viewed …")
 * as its subtitle; `mode` picks the list: `for-you` (default, "Recommended for you"), `discover`
 * (only products the shopper has not viewed, "Discover something new") or `recently-viewed` (the
 * viewed products themselves, newest first, "Recently viewed").
 *
 * Placeholder cards of the final size hold the strip's height while it loads, so nothing moves
 * when the products arrive. An empty result (or a failure) renders nothing and sets the `empty`
 * attribute, which hides the element: no space stays reserved. Product names are text, each in
 * its own `<bdi>`. A `recently-viewed` strip has no subtitle: every reason would be "You viewed
 * this recently", which its heading already says. A missing placement, an unknown mode (the strip
 * shows `for-you`) or a refused request is reported once through the instance's diagnostics
 * (`ow_recommendations_no_placement`, `ow_recommendations_invalid_mode`, `ow_recommend_failed`),
 * never thrown.
 *
 * @fires {CustomEvent<OwItemEventDetail>} ow-item-click - The shopper followed a product (`{ itemId, placement }`).
 *
 * @csspart base - The strip's container.
 * @csspart header - Heading and subtitle.
 * @csspart heading - The heading ("Recommended for you", "Discover something new" or "Recently viewed", by mode).
 * @csspart subtitle - The first product's reason ("Because you viewed …"); empty in `recently-viewed` mode.
 * @csspart list - The scrolling list (focusable, so the keyboard scrolls it).
 * @csspart item - One product card.
 * @csspart link - The product's link (a button when the product has no url).
 * @csspart image - The product image.
 * @csspart name - The product name.
 * @csspart price - The price, in the catalog currency and the page's language.
 * @csspart description - The card's own reason (visually hidden; its link's description and title).
 * @csspart placeholder - A card shown while loading.
 *
 * @cssproperty --ow-recommendations-card-width - Width of a card (default 160px).
 */
export class OwRecommendations extends OwElement {
  static override styles = [theme, styles];
  static override properties = {
    ...OwElement.properties,
    placement: { reflect: true },
    mode: { reflect: true },
    limit: { type: Number },
    exclude: { attribute: false },
    messages: { attribute: false },
    items: { state: true },
    status: { state: true },
    currency: { state: true },
    itemsMode: { state: true },
  };

  /** The placement the products are ranked for (its catalog `items`, if any, are the candidates). */
  declare placement: string;
  /**
   * What the strip shows: `for-you` (default), `discover` or `recently-viewed` (see
   * `RecommendMode`); any other value is reported and shows `for-you`.
   */
  declare mode: RecommendMode;
  /** Products at most (1 to 50; a numeric string counts); default the placement's `limit`, else 8. */
  declare limit: number | `${number}` | undefined;
  /** Item ids never shown (e.g. the product on this page). */
  declare exclude: string[] | undefined;
  // The class's type asks for every word; `@type` tells the manifest (and the JSX types made
  // from it) what the element takes.
  /**
   * The element's words (defaults in English); a word left out keeps its default.
   * @type {Partial<RecommendationsMessages>}
   */
  declare messages: RecommendationsMessages;
  declare private items: RecommendedItem[];
  declare private status: Status;
  declare private currency: string | undefined;
  /** The mode `items` were ranked in: the heading stays theirs while another mode loads. */
  declare private itemsMode: RecommendMode | undefined;

  readonly #loads = new LoadController(this, () => this.#load());

  constructor() {
    super();
    this.placement = '';
    this.mode = 'for-you';
    this.messages = DEFAULT_RECOMMENDATIONS_MESSAGES;
    this.items = [];
    this.status = 'loading';
  }

  /** A single-page app moved to another page: recommend again (the profile has moved on too). */
  readonly #route = new RouteController(this, () => this.#loads.reload());

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (
      changed.has('placement') ||
      changed.has('mode') ||
      changed.has('limit') ||
      changed.has('exclude') ||
      changed.has('offerwise')
    ) {
      this.#loads.reload();
    }
  }

  protected override update(changed: PropertyValues<this>): void {
    // After the controllers' hostUpdate: a load started in this update has set its status.
    this.toggleAttribute('empty', this.status === 'empty');
    super.update(changed);
  }

  async #load(): Promise<void> {
    const token = this.#loads.begin();
    if (!this.placement) {
      this.items = [];
      this.status = 'empty';
      void this.instance().then((ow) =>
        reportOnce(
          ow,
          'ow_recommendations_no_placement',
          '<ow-recommendations> needs a placement attribute; showing nothing',
        ),
      );
      return;
    }
    // The products shown stay until the new ones arrive; only a first load shows placeholders.
    if (this.status === 'empty') this.status = 'loading';
    const ow = await this.instance();
    if (!this.#loads.current(token)) return;
    try {
      const mode = this.#shownMode(ow);
      const request: RecommendRequest = { placement: this.placement, mode };
      const limit = readNumber(this.limit, RECOMMENDATIONS_LIMIT, this.getAttribute('limit'));
      reportNumber(
        ow,
        `<ow-recommendations placement="${this.placement}">`,
        'limit',
        limit,
        "using the placement's limit",
      );
      if (limit.value !== undefined) request.limit = limit.value;
      if (this.exclude?.length) request.exclude = this.exclude;
      const [recommendation, catalog] = await Promise.all([
        ow.recommend(request),
        ow.catalog().catch(() => undefined),
      ]);
      if (!this.#loads.current(token)) return;
      this.currency = catalog?.currency;
      this.items = recommendation.items;
      this.itemsMode = mode;
      this.status = recommendation.items.length > 0 ? 'ready' : 'empty';
    } catch (error) {
      // recommend() rejects only for a malformed request (e.g. a limit over 50).
      reportOnce(
        ow,
        'ow_recommend_failed',
        `<ow-recommendations placement="${this.placement}">: ${String(error)}`,
      );
      if (!this.#loads.current(token)) return;
      this.items = [];
      this.status = 'empty';
    }
  }

  /**
   * The mode asked of `recommend()`. An unknown one would make it reject and the strip collapse;
   * the page asked for a strip, so it gets the default one and the mistake goes to diagnostics.
   */
  #shownMode(ow?: Offerwise): RecommendMode {
    const mode: unknown = this.mode;
    // A removed attribute leaves null: the default, nothing to report.
    if (mode === null || mode === undefined) return 'for-you';
    if (RECOMMEND_MODES.includes(mode as RecommendMode)) return mode as RecommendMode;
    if (ow) {
      reportOnce(
        ow,
        'ow_recommendations_invalid_mode',
        `<ow-recommendations placement="${this.placement}"> mode: got ${describeValue(mode)}, expected ${RECOMMEND_MODES.map((m) => `"${m}"`).join(', ')}; showing "for-you"`,
      );
    }
    return 'for-you';
  }

  #text(key: keyof RecommendationsMessages): string {
    return this.messages?.[key] ?? DEFAULT_RECOMMENDATIONS_MESSAGES[key];
  }

  #onItemClick(item: RecommendedItem): void {
    emit<OwItemEventDetail>(this, 'ow-item-click', {
      itemId: item.itemId,
      placement: this.placement,
    });
  }

  #renderItem(item: RecommendedItem, index: number, language: string | undefined) {
    const href = safeUrl(item.url);
    const src = safeUrl(item.image);
    const name = item.name ?? item.itemId;
    const price =
      item.price !== undefined && this.currency
        ? formatMoney(item.price, this.currency, language)
        : '';
    const describedBy = `why-${index}`;
    // The name follows the image inside the same link: an empty alt keeps it from being read twice.
    const face = html`${
        src
          ? html`<img
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
          : html`<div class="image" aria-hidden="true"></div>`
      }
      <span part="name" class="name">${isolate(name)}</span>
      <span part="price" class="price">${price}</span>`;
    return html`<li part="item" class="item" role="listitem">
      ${
        href
          ? html`<a
              part="link"
              class="link"
              href=${href}
              title=${item.explanation}
              aria-describedby=${describedBy}
              @click=${() => this.#onItemClick(item)}
              >${face}</a
            >`
          : html`<button
              part="link"
              class="link"
              type="button"
              title=${item.explanation}
              aria-describedby=${describedBy}
              @click=${() => this.#onItemClick(item)}
            >
              ${face}
            </button>`
      }
      <span part="description" class="visually-hidden" id=${describedBy}>${item.explanation}</span>
    </li>`;
  }

  #renderPlaceholders(): TemplateResult {
    const count = Math.max(
      1,
      Math.min(readNumber(this.limit, RECOMMENDATIONS_LIMIT).value ?? PLACEHOLDERS, PLACEHOLDERS),
    );
    return html`${Array.from(
      { length: count },
      () =>
        html`<li part="placeholder" class="item skeleton" aria-hidden="true">
          <div class="link">
            <div class="image"></div>
            <span class="name"></span>
            <span class="price"></span>
          </div>
        </li>`,
    )}`;
  }

  protected override render(): TemplateResult | typeof nothing {
    if (this.status === 'empty') return nothing;
    const loading = this.status === 'loading';
    const language = languageOf(this);
    const mode = (!loading && this.itemsMode) || this.#shownMode();
    const subtitle = loading || mode === 'recently-viewed' ? '' : this.items[0]?.explanation;
    return html`<section part="base" class="base" aria-labelledby="heading" aria-busy=${loading}>
      <div part="header" class="header">
        <p part="heading" class="heading" id="heading">${this.#text(HEADINGS[mode])}</p>
        <p part="subtitle" class="subtitle">${subtitle}</p>
      </div>
      <ul part="list" class="list" role="list" tabindex="0" aria-labelledby="heading">
        ${
          loading
            ? this.#renderPlaceholders()
            : this.items.map((item, i) => this.#renderItem(item, i, language))
        }
      </ul>
    </section>`;
  }
}
