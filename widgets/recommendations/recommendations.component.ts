import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { RecommendedItem } from '../../src/recommend/recommend.js';
import { isolate } from '../shared/bidi.js';
import { emit, type OwItemEventDetail } from '../shared/events.js';
import { formatMoney, languageOf } from '../shared/format.js';
import { OwElement } from '../shared/ow-element.js';
import { LoadController } from '../shared/load.controller.js';
import { RouteController } from '../shared/route.controller.js';
import { reportOnce, safeUrl } from '../shared/support.js';
import { theme } from '../shared/theme.styles.js';
import styles from './recommendations.styles.js';

/** The element's own words (the explanations come from `recommend()`, see its `messages`). */
export interface RecommendationsMessages {
  /** The strip's visible heading and the list's name. */
  heading: string;
}

export const DEFAULT_RECOMMENDATIONS_MESSAGES: RecommendationsMessages = {
  heading: 'Recommended for you',
};

/** Placeholder cards while loading, when no `limit` says how many. */
const PLACEHOLDERS = 4;
/** Intrinsic size of images (their aspect ratio reserves the space before they load). */
const IMAGE_SIZE = 160;

type Status = 'loading' | 'ready' | 'empty';

/**
 * @tagname ow-recommendations
 * @summary A horizontal, scroll-snapping strip of products ranked for this shopper on the device
 * by `recommend({ placement, limit })`, with the reason ("Because you viewed …") as its subtitle.
 *
 * Placeholder cards of the final size hold the strip's height while it loads, so nothing moves
 * when the products arrive. An empty result (or a failure) renders nothing and sets the `empty`
 * attribute, which hides the element: no space stays reserved. Product names are text, each in
 * its own `<bdi>`. A missing placement or a refused request is reported once through the
 * instance's diagnostics (`ow_recommendations_no_placement`, `ow_recommend_failed`), never thrown.
 *
 * @fires ow-item-click - The shopper followed a product (`{ itemId, placement }`).
 *
 * @csspart base - The strip's container.
 * @csspart header - Heading and subtitle.
 * @csspart heading - The heading ("Recommended for you").
 * @csspart subtitle - The first product's reason ("Because you viewed …").
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
    limit: { type: Number },
    exclude: { attribute: false },
    messages: { attribute: false },
    items: { state: true },
    status: { state: true },
    currency: { state: true },
  };

  /** The placement the products are ranked for (its catalog `items`, if any, are the candidates). */
  declare placement: string;
  /** Products at most; default the placement's `limit`, else 8. */
  declare limit: number | undefined;
  /** Item ids never shown (e.g. the product on this page). */
  declare exclude: string[] | undefined;
  /** The element's words (defaults in English). */
  declare messages: RecommendationsMessages;
  declare private items: RecommendedItem[];
  declare private status: Status;
  declare private currency: string | undefined;

  private readonly loads = new LoadController(this, () => this.load());

  constructor() {
    super();
    this.placement = '';
    this.messages = DEFAULT_RECOMMENDATIONS_MESSAGES;
    this.items = [];
    this.status = 'loading';
  }

  /** A single-page app moved to another page: recommend again (the profile has moved on too). */
  private readonly route = new RouteController(this, () => this.loads.reload());

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (
      changed.has('placement') ||
      changed.has('limit') ||
      changed.has('exclude') ||
      changed.has('offerwise')
    ) {
      this.loads.reload();
    }
  }

  protected override update(changed: PropertyValues<this>): void {
    // After the controllers' hostUpdate: a load started in this update has set its status.
    this.toggleAttribute('empty', this.status === 'empty');
    super.update(changed);
  }

  private async load(): Promise<void> {
    const token = this.loads.begin();
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
    if (!this.loads.current(token)) return;
    try {
      const request: { placement: string; limit?: number; exclude?: string[] } = {
        placement: this.placement,
      };
      if (this.limit !== undefined && Number.isFinite(this.limit)) request.limit = this.limit;
      if (this.exclude?.length) request.exclude = this.exclude;
      const [recommendation, catalog] = await Promise.all([
        ow.recommend(request),
        ow.catalog().catch(() => undefined),
      ]);
      if (!this.loads.current(token)) return;
      this.currency = catalog?.currency;
      this.items = recommendation.items;
      this.status = recommendation.items.length > 0 ? 'ready' : 'empty';
    } catch (error) {
      // recommend() rejects only for a malformed request (e.g. a limit over 50).
      reportOnce(
        ow,
        'ow_recommend_failed',
        `<ow-recommendations placement="${this.placement}">: ${String(error)}`,
      );
      if (!this.loads.current(token)) return;
      this.items = [];
      this.status = 'empty';
    }
  }

  private text(key: keyof RecommendationsMessages): string {
    return this.messages?.[key] ?? DEFAULT_RECOMMENDATIONS_MESSAGES[key];
  }

  private onItemClick(item: RecommendedItem): void {
    emit<OwItemEventDetail>(this, 'ow-item-click', {
      itemId: item.itemId,
      placement: this.placement,
    });
  }

  private renderItem(item: RecommendedItem, index: number, language: string | undefined) {
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
              @click=${() => this.onItemClick(item)}
              >${face}</a
            >`
          : html`<button
              part="link"
              class="link"
              type="button"
              title=${item.explanation}
              aria-describedby=${describedBy}
              @click=${() => this.onItemClick(item)}
            >
              ${face}
            </button>`
      }
      <span part="description" class="visually-hidden" id=${describedBy}>${item.explanation}</span>
    </li>`;
  }

  private renderPlaceholders(): TemplateResult {
    const count = Math.max(1, Math.min(this.limit ?? PLACEHOLDERS, PLACEHOLDERS));
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
    return html`<section part="base" class="base" aria-labelledby="heading" aria-busy=${loading}>
      <div part="header" class="header">
        <p part="heading" class="heading" id="heading">${this.text('heading')}</p>
        <p part="subtitle" class="subtitle">${loading ? '' : this.items[0]?.explanation}</p>
      </div>
      <ul part="list" class="list" role="list" tabindex="0" aria-labelledby="heading">
        ${
          loading
            ? this.renderPlaceholders()
            : this.items.map((item, i) => this.renderItem(item, i, language))
        }
      </ul>
    </section>`;
  }
}
