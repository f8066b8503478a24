import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { keyed } from 'lit/directives/keyed.js';
import type { FeatureContext } from '../../src/features/spec.js';
import type { Catalog, DecidedOffer, Decision, Offer } from '../../src/decide/types.js';
import type { Offerwise } from '../../src/offerwise.js';
import type { CouponMessages } from '../coupon/coupon.component.js';
import type { MemberDealMessages } from '../member-deal/member-deal.component.js';
import { OwElement } from '../shared/ow-element.js';
import { theme } from '../shared/theme.styles.js';
import { emit, type OwDecisionEventDetail } from '../shared/events.js';
import { RouteController } from '../shared/route.controller.js';
import { OnScreenController } from './on-screen.controller.js';
import { offersStyles } from './offers.styles.js';
import { describeValue } from '../../src/util/errors.js';
import { reportOnce } from '../shared/support.js';
import { OFFERS_LIMIT, readNumber, reportNumber } from '../shared/numbers.js';
import { OFFER_TYPES, parseTypes, reservePlan, type ReservePlan } from './reserve.js';

/** What is rendered: a decision and the catalog's offers for it. */
interface View {
  /** The load that produced it (a placement or limit change starts a new one). */
  run: number;
  decision: Decision;
  offers: { decided: DecidedOffer; offer: Offer }[];
  currency: string;
  /** Server clock minus local clock, ms (the catalog's `server_time - received_at`). */
  serverOffset: number;
}

/** Words for the offer elements, by type (each falls back to its element's English defaults). */
export interface OffersMessages {
  coupon?: Partial<CouponMessages>;
  memberDeal?: Partial<MemberDealMessages>;
  /** Passed to `<ow-flash-sale>` as its `messages` (see `FlashSaleMessages`). */
  flashSale?: object;
}

const TYPES = new Set(['coupon', 'member_deal', 'flash_sale']);

/** Flash sales first (each a full-width band), then the others in the decision's order. */
function bandsFirst(offers: View['offers']): View['offers'] {
  const bands = offers.filter(({ offer }) => offer.type === 'flash_sale');
  return bands.length === 0 ? offers : [...bands, ...offers.filter((o) => !bands.includes(o))];
}

const skeletonBand = html`<div class="skeleton skeleton--band">
  <div class="ow-band">
    <div class="sk-header">
      <span class="sk-bar sk-title"></span><span class="sk-bar sk-pill"></span>
    </div>
    <div class="ow-band-items">
      ${[0, 1, 2, 3, 4, 5, 6].map(
        () =>
          html`<div class="ow-band-item">
            <span class="sk-bar"></span><span class="sk-bar sk-name"></span
            ><span class="sk-bar sk-price"></span><span class="sk-bar sk-stock"></span>
          </div>`,
      )}
    </div>
  </div>
</div>`;

const skeletonCard = html`<div class="skeleton skeleton--card">
  <span class="sk-bar sk-title"></span><span class="sk-bar sk-value"></span
  ><span class="sk-bar sk-line"></span><span class="sk-bar sk-button"></span>
</div>`;

/** `"200"` → `"200px"`; any other CSS length is passed as written. */
function cssLength(value: string): string {
  return /^\d+(\.\d+)?$/.test(value.trim()) ? `${value.trim()}px` : value;
}

/**
 * @tagname ow-offers
 * @summary The offers decided for a placement, each rendered by the element of its type
 * (`<ow-coupon>`, `<ow-member-deal>`, `<ow-flash-sale>`).
 *
 * Before its decision arrives it shows skeletons of the final shape in the grid the offers will
 * use, so the page does not move when they come: a full-width flash-sale band (398 px; 416 px at
 * 420 px wide or less) if a flash sale is possible, and a card (`--ow-offers-card-height`, 272 px)
 * per other offer, `limit` in all (see `reservePlan()` in reserve.ts). The types are the `types`
 * attribute's, else those the catalog's placement allows and has offers of once the catalog is
 * known (set `limit` and `types` so the first skeletons are already the right ones). The
 * `min-height` attribute, else `--ow-offers-min-height`, sets a floor of the shop's own. Flash
 * sales are rendered first, each as a full-width band, the coupons and member deals after them
 * as cards of at least the card height. When fewer offers arrive than were reserved the space
 * shrinks in one step (skeletons out, offers in, one render). On connect it renders the placement's
 * cached decision at once (if any), then asks `decide()`; the fresh decision replaces the cached
 * one only while the cached one is not on screen (no visible swap). The reserved space collapses
 * (the `empty` attribute is set) only once a decision with no offers arrives, or the decision
 * fails, or every offer was dismissed. A change of `placement`, `limit` or `member` decides again.
 * Failures never throw into the page: they are reported once per code through the instance's
 * diagnostics (`ow_offers_no_placement`, `ow_decide_failed`, and `ow_offers_invalid_types` for a
 * `types` value that is not a list of offer types; see docs/diagnostics.md).
 *
 * Impressions: each offer element owns its own `ImpressionController` and reports its impression
 * once per decision and offer; this element reports none. Offers are keyed by decision and offer,
 * so re-renders keep the same child element (and its once-only impression).
 *
 * After a dismissal the focus moves to the region (the dismissed card's button is gone). Words
 * for the offer elements come from `messages` (by type); the region's name from `label`.
 *
 * `<ow-flash-sale>` is rendered but not imported here; load it (the `widgets/index.ts` barrel
 * does) to show flash sales.
 *
 * @fires {CustomEvent<OwDecisionEventDetail>} ow-decision - A decision is on screen. `detail: { decisionId, placement, source, offerIds }`
 *   (for QA tools: `offerwise.inspect(decisionId)`).
 * @fires {CustomEvent<OwOfferEventDetail>} ow-impression - From the offer elements. `detail: { decisionId, offerId }`.
 * @fires {CustomEvent<OwClaimEventDetail>} ow-claim - From the offer elements. `detail: { decisionId, offerId, code, copied }`.
 * @fires {CustomEvent<OwOfferEventDetail>} ow-dismiss - From the offer elements. `detail: { decisionId, offerId }`.
 * @fires {CustomEvent<OwOfferEventDetail>} ow-click - From the offer elements. `detail: { decisionId, offerId }`.
 * @fires {CustomEvent<OwInterestEventDetail>} ow-interest-off - From the offer elements' "Why am I seeing this?". `detail: { category }`.
 *
 * @csspart base - The `<section>` region holding the offers (named by `label`).
 * @csspart offer - Every offer element.
 * @csspart coupon - An `<ow-coupon>`.
 * @csspart member-deal - An `<ow-member-deal>`.
 * @csspart flash-sale - An `<ow-flash-sale>`.
 *
 * @cssproperty --ow-offers-min-height - A floor under the offers' height (the skeletons reserve the space). Default none.
 * @cssproperty --ow-offers-card-height - A coupon's or member deal's reserved (and least) height. Default `272px`.
 * @cssproperty --ow-offers-gap - The gap between offers. Default `var(--ow-space, 12px)`.
 * @cssproperty --ow-offers-column - The narrowest column of the grid. Default `260px`.
 */
export class OwOffers extends OwElement {
  static override styles = [theme, offersStyles];
  static override properties = {
    ...OwElement.properties,
    placement: {},
    limit: { type: Number },
    minHeight: { attribute: 'min-height' },
    types: {},
    member: { type: Boolean },
    signInUrl: { attribute: 'sign-in-url' },
    label: {},
    messages: { attribute: false },
    empty: { type: Boolean, reflect: true },
    view: { state: true },
    catalog: { state: true },
  };

  /** The placement to decide for (the catalog's `placements` key). */
  declare placement: string;
  /** Offers to show at most (1 to 20; a numeric string counts); default the placement's `limit`. */
  declare limit: number | `${number}` | undefined;
  /** A floor under its height, reserved before a decision (a CSS length; a bare number is px). */
  declare minHeight: string;
  /**
   * The offer types this placement can show (`"coupon member_deal flash_sale"`, spaces or
   * commas), for the skeletons only; default the catalog placement's. Unknown words are reported
   * once (`ow_offers_invalid_types`) and ignored: the skeletons follow the known ones, or the
   * default when there are none.
   */
  declare types: string;
  /** The shopper is a signed-in member: decides with `context.member` and lets members claim. */
  declare member: boolean;
  /** Where a non-member signs in, for member deals. */
  declare signInUrl: string;
  /** The accessible name of the region. Default "Offers for you". */
  declare label: string;
  /** Words for the offer elements, by type. */
  declare messages: OffersMessages;
  /**
   * Set (and reflected) once a decision brought nothing to show: the reserved space collapses.
   * Set by the element: read it, or style `ow-offers[empty]`.
   * @readonly
   */
  declare empty: boolean;
  declare private view: View | undefined;
  /** The catalog, once known: the skeletons follow its placement when no `types` is set. */
  declare private catalog: Catalog | undefined;

  readonly #screen = new OnScreenController(this);
  /** A single-page app moved to another page: decide again and show the fresh decision. */
  readonly #route = new RouteController(this, () => void this.#load(true));
  #runs = 0;

  constructor() {
    super();
    this.placement = '';
    this.limit = undefined;
    this.minHeight = '';
    this.types = '';
    this.member = false;
    this.signInUrl = '';
    this.label = 'Offers for you';
    this.messages = {};
    this.empty = false;
    this.view = undefined;
    this.catalog = undefined;
  }

  /** The skeletons shown until the first decision (see `reservePlan()`). */
  get reserve(): ReservePlan {
    return reservePlan({
      placement: this.placement,
      limit: readNumber(this.limit, OFFERS_LIMIT).value,
      types: parseTypes(this.types).types,
      catalog: this.catalog,
    });
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('minHeight') || changed.has('empty')) {
      // The attribute becomes an inline style, which must also give way once the space collapses.
      this.style.minHeight = !this.minHeight ? '' : this.empty ? '0px' : cssLength(this.minHeight);
    }
    if (changed.has('placement') || changed.has('limit') || changed.has('member')) {
      void this.#load();
    }
    if (changed.has('types')) void this.#checkTypes();
  }

  /** A `types` value that is not a list of offer types is the page's mistake: say so, once. */
  async #checkTypes(): Promise<void> {
    const value: unknown = this.types;
    const { types, unknown, invalid } = parseTypes(value);
    if (!invalid) return;
    const ow = await this.instance();
    // A newer value has its own check.
    if (this.types !== value) return;
    const expected = OFFER_TYPES.map((type) => `"${type}"`).join(', ');
    const ignored = unknown.length > 0 ? `ignoring ${unknown.map(describeValue).join(', ')}; ` : '';
    const using = types
      ? `reserving space for ${types.map((type) => `"${type}"`).join(', ')}`
      : "reserving space for the placement's types";
    reportOnce(
      ow,
      'ow_offers_invalid_types',
      `<ow-offers placement="${this.placement}"> types: got ${describeValue(value)}, expected a space- or comma-separated list of ${expected}; ${ignored}${using}`,
    );
  }

  #context(): FeatureContext | undefined {
    return this.member ? { member: true } : undefined;
  }

  /**
   * Renders the cached decision at once, then the fresh one unless the cached one is seen. After
   * a route change (`navigated`) the decision on screen belongs to the previous page: the fresh
   * one replaces it.
   */
  async #load(navigated = false): Promise<void> {
    const run = ++this.#runs;
    const placement = this.placement;
    const ow = await this.instance();
    if (run !== this.#runs) return;
    if (!this.view) {
      // Only for the skeletons: the decision does not wait for it.
      void ow.catalog().then((catalog) => {
        if (run === this.#runs && !this.view) this.catalog = catalog;
      });
    }
    if (!placement) {
      reportOnce(
        ow,
        'ow_offers_no_placement',
        '<ow-offers> needs a placement attribute; showing nothing',
      );
      return;
    }
    try {
      const context = this.#context();
      const cached = navigated ? undefined : await ow.cachedDecision(placement, context);
      if (run !== this.#runs) return;
      if (cached && cached.offers.length > 0) await this.#show(ow, cached, run);
      if (run !== this.#runs) return;
      const read = readNumber(this.limit, OFFERS_LIMIT, this.getAttribute('limit'));
      reportNumber(
        ow,
        `<ow-offers placement="${placement}">`,
        'limit',
        read,
        "using the placement's limit",
      );
      const limit = read.value;
      const fresh = await ow.decide({
        placement,
        ...(limit !== undefined ? { limit } : {}),
        ...(context ? { context } : {}),
      });
      if (run !== this.#runs) return;
      const current = this.view;
      if (current?.run === run && current.decision.source === 'cache' && this.#cachedSeen()) return;
      await this.#show(ow, fresh, run);
    } catch (error) {
      reportOnce(ow, 'ow_decide_failed', `<ow-offers placement="${placement}">: ${String(error)}`);
      if (run === this.#runs && this.view?.run !== run) {
        this.view = undefined;
        this.empty = true;
      }
    }
  }

  /** Whether the cached decision has been on screen: then it stays (no visible swap). */
  #cachedSeen(): boolean {
    return this.#screen.onScreen;
  }

  async #show(ow: Offerwise, decision: Decision, run: number): Promise<void> {
    const catalog = await ow.catalog();
    if (run !== this.#runs) return;
    const byId = new Map((catalog?.offers ?? []).map((offer) => [offer.id, offer]));
    const offers: View['offers'] = [];
    for (const decided of decision.offers) {
      const offer = byId.get(decided.offerId);
      if (offer && TYPES.has(offer.type)) offers.push({ decided, offer });
    }
    this.view = {
      run,
      decision,
      offers: bandsFirst(offers),
      currency: catalog?.currency ?? '',
      serverOffset: catalog ? catalog.server_time - catalog.received_at : 0,
    };
    this.empty = offers.length === 0;
    await this.updateComplete;
    if (run !== this.#runs) return;
    emit<OwDecisionEventDetail>(this, 'ow-decision', {
      decisionId: decision.decisionId,
      placement: decision.placement,
      source: decision.source,
      offerIds: offers.map((o) => o.offer.id),
    });
  }

  #onDismiss(): void {
    // Once every offer is dismissed, give the space back (the shopper asked for it).
    const children = [...this.renderRoot.querySelectorAll<HTMLElement>('[part~="offer"]')];
    if (children.length > 0 && children.every((child) => child.hidden)) this.empty = true;
    // The dismiss button had the focus and is gone: keep the keyboard user's place here.
    this.renderRoot.querySelector<HTMLElement>('[part="base"]')?.focus({ preventScroll: true });
  }

  #renderOffer(view: View, decided: DecidedOffer, offer: Offer): TemplateResult {
    const decisionId = view.decision.decisionId;
    switch (offer.type) {
      case 'member_deal':
        return html`<ow-member-deal
          part="offer member-deal"
          .offerwise=${this.offerwise}
          .offer=${offer}
          .decisionId=${decisionId}
          .currency=${view.currency}
          .explanation=${decided.explanation}
          .member=${this.member}
          .signInUrl=${this.signInUrl}
          .messages=${this.messages?.memberDeal ?? {}}
        ></ow-member-deal>`;
      case 'flash_sale':
        // The flash sale keeps its own default words unless the shop gave some.
        return this.messages?.flashSale
          ? html`<ow-flash-sale
              part="offer flash-sale"
              .offerwise=${this.offerwise}
              .offer=${offer}
              .decisionId=${decisionId}
              .currency=${view.currency}
              .explanation=${decided.explanation}
              .serverOffset=${view.serverOffset}
              .messages=${this.messages.flashSale}
            ></ow-flash-sale>`
          : html`<ow-flash-sale
              part="offer flash-sale"
              .offerwise=${this.offerwise}
              .offer=${offer}
              .decisionId=${decisionId}
              .currency=${view.currency}
              .explanation=${decided.explanation}
              .serverOffset=${view.serverOffset}
            ></ow-flash-sale>`;
      default:
        return html`<ow-coupon
          part="offer coupon"
          .offerwise=${this.offerwise}
          .offer=${offer}
          .decisionId=${decisionId}
          .currency=${view.currency}
          .explanation=${decided.explanation}
          .messages=${this.messages?.coupon ?? {}}
        ></ow-coupon>`;
    }
  }

  protected override render() {
    const view = this.view;
    if (!view) {
      if (this.empty) return nothing;
      const { bands, cards } = this.reserve;
      return html`<div class="grid" aria-hidden="true">
        ${Array.from({ length: bands }, () => skeletonBand)}${Array.from(
          { length: cards },
          () => skeletonCard,
        )}
      </div>`;
    }
    if (view.offers.length === 0) return nothing;
    return html`<section
      part="base"
      class="base grid"
      aria-label=${this.label}
      tabindex="-1"
      @ow-dismiss=${this.#onDismiss}
    >
      ${keyed(
        `${view.decision.decisionId}|${view.offers.map(({ offer }) => offer.id).join('|')}`,
        view.offers.map(({ decided, offer }) => this.#renderOffer(view, decided, offer)),
      )}
    </section>`;
  }
}
