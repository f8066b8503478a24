// The demo shop's one script (no framework, no build step). It runs deferred, before the
// offerwise script tag: it renders the page from window.SHOP (shop-data.js), keeps the cart in
// localStorage, pushes the GA4 ecommerce events a shop's tagging would push to window.dataLayer,
// attributes orders to decisions (only with consent), and adds the QA panel. Every text is set
// with textContent, never innerHTML.
(function () {
  'use strict';

  const SHOP = window.SHOP;
  const page = document.body.dataset.page;
  const products = new Map(SHOP.products.map((p) => [p.item_id, p]));
  const categories = new Map(SHOP.categories.map((c) => [c.id, c]));
  const money = new Intl.NumberFormat('en-IE', { style: 'currency', currency: SHOP.currency });
  const dataLayer = (window.dataLayer = window.dataLayer || []);
  // The documented snippet: calls made before offerwise loads are queued and replayed.
  window.offerwise = window.offerwise || [];
  /** Calls `fn(instance)` once offerwise has loaded (at once if it has). */
  const withOfferwise = (fn) => window.offerwise.push(fn);

  // ---------------------------------------------------------------- small helpers

  /** JSON values under `demo.<key>` in `localStorage` or `sessionStorage`. */
  const storageOf = (name) => ({
    get(key, fallback) {
      try {
        const raw = window[name].getItem(`demo.${key}`);
        return raw === null ? fallback : JSON.parse(raw);
      } catch {
        return fallback;
      }
    },
    set(key, value) {
      try {
        window[name].setItem(`demo.${key}`, JSON.stringify(value));
      } catch {
        // private mode: the demo keeps working for this page
      }
    },
    remove(key) {
      try {
        window[name].removeItem(`demo.${key}`);
      } catch {
        // nothing stored, then
      }
    },
  });
  const store = storageOf('localStorage');
  const session = storageOf('sessionStorage');

  /** Creates an element with attributes (`text` sets textContent) and children. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'text') node.textContent = String(value);
      else if (key === 'dataset') Object.assign(node.dataset, value);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  const round2 = (n) => Math.round(n * 100) / 100;
  const categoryName = (id) => categories.get(id)?.name ?? id;
  const param = (name) => new URLSearchParams(location.search).get(name);

  /** A product as a GA4 item. */
  function ga4Item(product, extra) {
    return {
      item_id: product.item_id,
      item_name: product.item_name,
      item_category: product.item_category,
      price: product.price,
      ...extra,
    };
  }

  /** Pushes one GA4 ecommerce event, clearing the previous ecommerce object first (as GTM wants). */
  function ga4(event, ecommerce, extra) {
    dataLayer.push({ ecommerce: null });
    dataLayer.push({ event, ...extra, ecommerce: { currency: SHOP.currency, ...ecommerce } });
  }

  // ---------------------------------------------------------------- cart

  /** Cart lines `[{ item_id, quantity }]` of known products. */
  function cartLines() {
    const lines = store.get('cart', []);
    return Array.isArray(lines)
      ? lines.filter((l) => products.has(l?.item_id) && Number.isInteger(l.quantity))
      : [];
  }

  function saveCart(lines) {
    store.set(
      'cart',
      lines.filter((l) => l.quantity > 0),
    );
    renderCartCount();
  }

  const cartValue = (lines) =>
    round2(lines.reduce((s, l) => s + products.get(l.item_id).price * l.quantity, 0));
  const cartItems = (lines) =>
    lines.map((l) => ga4Item(products.get(l.item_id), { quantity: l.quantity }));

  function addToCart(id, quantity = 1) {
    const product = products.get(id);
    const lines = cartLines();
    const line = lines.find((l) => l.item_id === id);
    if (line) line.quantity = Math.min(99, line.quantity + quantity);
    else lines.push({ item_id: id, quantity });
    saveCart(lines);
    ga4('add_to_cart', {
      value: round2(product.price * quantity),
      items: [ga4Item(product, { quantity })],
    });
  }

  function removeFromCart(id, quantity) {
    const product = products.get(id);
    const lines = cartLines();
    const line = lines.find((l) => l.item_id === id);
    if (!line) return;
    const removed = Math.min(quantity ?? line.quantity, line.quantity);
    line.quantity -= removed;
    saveCart(lines);
    ga4('remove_from_cart', {
      value: round2(product.price * removed),
      items: [ga4Item(product, { quantity: removed })],
    });
  }

  function renderCartCount() {
    const count = cartLines().reduce((s, l) => s + l.quantity, 0);
    const badge = document.getElementById('cart-count');
    if (badge) badge.textContent = String(count);
  }

  // ---------------------------------------------------------------- order attribution

  // As a shop would: an order is attributed to the decision whose coupon it used, else to the
  // last decision shown in the last day. The attribution goes to the collector (/api/orders), the
  // --orders input of `npm run report`, `ope` and `optimize`. Offer-level ids only.
  // An attributed order ties a decision's events to a purchase, so the decision ids it needs are
  // kept only while the SDK's consent is `granted`, in sessionStorage (none outlives the browser
  // session, as the SDK's own ids do not), and erased by forget() and by any withdrawal.
  const DAY_MS = 24 * 60 * 60 * 1000;
  const TRACES = ['lastDecision', 'claims'];
  /** Decisions the QA panel lists (this page's memory: a trace too). */
  const panelDecisions = new Map();

  /** The SDK's consent is `granted` (false before it has loaded: nothing is known yet). */
  function consented() {
    const ow = window.offerwise;
    return (
      !!ow && !Array.isArray(ow) && typeof ow.consent === 'function' && ow.consent() === 'granted'
    );
  }

  function eraseTraces() {
    for (const key of TRACES) {
      session.remove(key);
      // Where earlier versions of the demo kept them.
      store.remove(key);
    }
    panelDecisions.clear();
  }

  /**
   * The SDK announces neither forget() nor a change of consent, and the privacy page's
   * <ow-my-data> calls both on this same instance: wrapping them is how every path (that widget,
   * the QA panel, a console) also erases the shop's traces. A consent change is also recorded as
   * the shopper's choice, which the next page renders into the script tag.
   */
  function guardTraces(ow) {
    const forget = ow.forget.bind(ow);
    const consent = ow.consent.bind(ow);
    ow.forget = () => {
      eraseTraces();
      return forget().finally(eraseTraces);
    };
    ow.consent = (next) => {
      if (next === undefined) return consent();
      if (next !== 'granted') eraseTraces();
      if (['granted', 'denied', 'pending'].includes(next)) store.set('consent', next);
      return consent(next);
    };
    // Denied on this page (Global Privacy Control, a stored refusal): nothing from before stays.
    if (ow.consent() !== 'granted') eraseTraces();
  }
  withOfferwise(guardTraces);

  document.addEventListener('ow-decision', (event) => {
    const { decisionId, offerIds } = event.detail ?? {};
    if (decisionId && offerIds?.length && consented())
      session.set('lastDecision', { decisionId, at: Date.now() });
  });
  document.addEventListener('ow-claim', (event) => {
    const { decisionId, offerId, code } = event.detail ?? {};
    if (!decisionId || !code || !consented()) return;
    const claims = session.get('claims', {});
    claims[code.toUpperCase()] = { decisionId, offerId, at: Date.now() };
    session.set('claims', claims);
  });
  function reportOrder(orderId, value, discount, coupon) {
    if (!consented()) return;
    const claimed = coupon ? session.get('claims', {})[coupon.toUpperCase()] : undefined;
    const last = session.get('lastDecision', undefined);
    const from =
      claimed ?? (last && Date.now() - last.at < DAY_MS ? { decisionId: last.decisionId } : null);
    if (!from) return;
    const order = {
      orderId,
      decisionId: from.decisionId,
      revenue: value,
      discount,
      ...(from.offerId ? { offerId: from.offerId } : {}),
    };
    fetch('/api/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(order),
      keepalive: true,
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    }).catch(() => undefined);
  }

  // ---------------------------------------------------------------- pages

  function renderChrome() {
    const nav = document.getElementById('nav');
    for (const c of SHOP.categories) {
      const link = el('a', { href: `/category.html?c=${encodeURIComponent(c.id)}`, text: c.name });
      if (page === 'category' && param('c') === c.id) link.setAttribute('aria-current', 'page');
      nav.append(el('li', {}, link));
    }
    const search = document.querySelector('.search input');
    if (search && page === 'search') search.value = param('q') ?? '';
    renderCartCount();
  }

  /** A product card; `list` names the GA4 list it is shown in. */
  function productCard(product, list, index) {
    const link = el(
      'a',
      { href: product.url, class: 'card-link' },
      el('img', { src: product.image, alt: '', width: 320, height: 240, loading: 'lazy' }),
      el('span', { class: 'card-name', text: product.item_name }),
    );
    link.addEventListener('click', () =>
      ga4('select_item', {
        item_list_name: list,
        items: [ga4Item(product, { index, item_list_name: list })],
      }),
    );
    // The accessible name starts with the visible words (a voice user says "click Add to cart")
    // and goes on with the product, hidden from sight, so each button of the grid is told apart.
    const said = document.createTextNode('Add to cart');
    const add = el(
      'button',
      { type: 'button', class: 'add' },
      said,
      el('span', { class: 'visually-hidden', text: ` ${product.item_name}` }),
    );
    add.addEventListener('click', () => {
      addToCart(product.item_id);
      said.data = 'Added ✓';
    });
    return el(
      'li',
      { class: 'card', dataset: { itemId: product.item_id, category: product.category } },
      link,
      el('span', { class: 'card-meta', text: categoryName(product.category) }),
      el('span', { class: 'price', text: money.format(product.price) }),
      add,
    );
  }

  function renderList(list, listName) {
    const target = document.getElementById('product-list');
    list.forEach((p, i) => target.append(productCard(p, listName, i)));
    if (list.length > 0) {
      ga4('view_item_list', {
        item_list_name: listName,
        items: list.map((p, i) => ga4Item(p, { index: i, item_list_name: listName })),
      });
    }
  }

  function renderHome() {
    const tiles = document.getElementById('category-tiles');
    for (const c of SHOP.categories) {
      tiles.append(
        el(
          'li',
          {},
          el(
            'a',
            { href: `/category.html?c=${encodeURIComponent(c.id)}` },
            el('strong', { text: c.name }),
            el('span', { text: c.blurb }),
          ),
        ),
      );
    }
    // Two of each category, as a "popular" shelf.
    const popular = SHOP.categories.flatMap((c) =>
      SHOP.products.filter((p) => p.category === c.id).slice(0, 2),
    );
    renderList(popular, 'Popular right now');
  }

  function renderCategory() {
    const category = categories.get(param('c')) ?? SHOP.categories[0];
    document.title = `${category.name} · Kestrel & Co. (offerwise demo shop)`;
    document.getElementById('page-title').textContent = category.name;
    document.getElementById('page-blurb').textContent = category.blurb;
    renderList(
      SHOP.products.filter((p) => p.category === category.id),
      category.name,
    );
  }

  function renderSearch() {
    const term = (param('q') ?? '').trim();
    const words = term.toLowerCase().split(/\s+/).filter(Boolean);
    const found = SHOP.products.filter((p) => {
      const text = `${p.item_name} ${categoryName(p.category)} ${p.category}`.toLowerCase();
      return words.length > 0 && words.every((w) => text.includes(w));
    });
    document.getElementById('page-title').textContent = term ? `Search: ${term}` : 'Search';
    document.getElementById('page-blurb').textContent = term
      ? `${found.length} product${found.length === 1 ? '' : 's'} found.`
      : 'Type what you are looking for in the search box.';
    if (term) {
      dataLayer.push({ ecommerce: null });
      dataLayer.push({ event: 'search', search_term: term.slice(0, 100) });
    }
    renderList(found, 'Search results');
  }

  function renderProduct() {
    const product = products.get(param('id')) ?? SHOP.products[0];
    document.title = `${product.item_name} · Kestrel & Co. (offerwise demo shop)`;
    const add = el('button', { type: 'button', class: 'primary', text: 'Add to cart' });
    const note = el('p', { role: 'status', class: 'note' });
    add.addEventListener('click', () => {
      addToCart(product.item_id);
      note.textContent = `${product.item_name} is in your cart.`;
    });
    document.getElementById('product').append(
      el('img', { src: product.image, alt: product.item_name, width: 480, height: 360 }),
      el(
        'div',
        {},
        el(
          'p',
          {},
          el('a', {
            href: `/category.html?c=${encodeURIComponent(product.category)}`,
            text: categoryName(product.category),
          }),
        ),
        el('h1', { text: product.item_name }),
        el('p', { class: 'price big', text: money.format(product.price) }),
        el('p', { text: 'Free returns for 60 days. Ships in 1–2 working days.' }),
        add,
        note,
      ),
    );
    // The strip must not propose the product on screen: pass it in `exclude`.
    for (const strip of document.querySelectorAll('ow-recommendations')) {
      strip.exclude = [product.item_id];
    }
    ga4('view_item', { value: product.price, items: [ga4Item(product)] });
  }

  function renderCart() {
    const target = document.getElementById('cart');
    const draw = () => {
      const lines = cartLines();
      target.replaceChildren();
      if (lines.length === 0) {
        target.append(
          el('p', { text: 'Your cart is empty.' }),
          el('p', {}, el('a', { href: '/', text: 'Continue shopping' })),
        );
        return;
      }
      const rows = lines.map((line) => {
        const p = products.get(line.item_id);
        const less = el('button', {
          type: 'button',
          text: '−',
          'aria-label': `One ${p.item_name} less`,
        });
        const more = el('button', {
          type: 'button',
          text: '+',
          'aria-label': `One ${p.item_name} more`,
        });
        const remove = el('button', {
          type: 'button',
          text: 'Remove',
          'aria-label': `Remove ${p.item_name}`,
        });
        less.addEventListener('click', () => {
          removeFromCart(p.item_id, 1);
          draw();
        });
        more.addEventListener('click', () => {
          addToCart(p.item_id, 1);
          draw();
        });
        remove.addEventListener('click', () => {
          removeFromCart(p.item_id);
          draw();
        });
        return el(
          'tr',
          { dataset: { itemId: p.item_id } },
          el('td', {}, el('a', { href: p.url, text: p.item_name })),
          el('td', { text: money.format(p.price) }),
          el('td', { class: 'qty' }, less, el('span', { text: String(line.quantity) }), more),
          el('td', { text: money.format(p.price * line.quantity) }),
          el('td', {}, remove),
        );
      });
      target.append(
        el(
          'table',
          { class: 'cart-table' },
          el(
            'thead',
            {},
            el(
              'tr',
              {},
              ...['Product', 'Price', 'Quantity', 'Total'].map((h) =>
                el('th', { scope: 'col', text: h }),
              ),
              // The remove buttons' column: named for screen readers, blank on screen.
              el('th', { scope: 'col' }, el('span', { class: 'visually-hidden', text: 'Remove' })),
            ),
          ),
          el('tbody', {}, ...rows),
        ),
        el('p', { class: 'price big', text: `Total ${money.format(cartValue(lines))}` }),
        el('p', {}, el('a', { class: 'button primary', href: '/checkout.html', text: 'Checkout' })),
      );
    };
    draw();
    const lines = cartLines();
    ga4('view_cart', { value: cartValue(lines), items: cartItems(lines) });
  }

  /** The coupons of the campaign catalog, by code (to apply a claimed code at checkout). */
  async function couponByCode(code) {
    const response = await fetch('/api/catalog', { cache: 'no-store' });
    const catalog = await response.json();
    return catalog.offers.find(
      (o) => typeof o.code === 'string' && o.code.toUpperCase() === code.trim().toUpperCase(),
    );
  }

  function renderCheckout() {
    const target = document.getElementById('checkout');
    const confirmation = document.getElementById('confirmation');
    const lines = cartLines();
    if (lines.length === 0) {
      target.append(
        el('p', { text: 'Your cart is empty.' }),
        el('p', {}, el('a', { href: '/', text: 'Continue shopping' })),
      );
      return;
    }
    ga4('begin_checkout', { value: cartValue(lines), items: cartItems(lines) });
    let applied;
    const summary = el('ul', { class: 'summary' });
    const total = el('p', { class: 'price big' });
    const draw = () => {
      summary.replaceChildren(
        ...lines.map((l) => {
          const p = products.get(l.item_id);
          return el('li', {
            text: `${l.quantity} × ${p.item_name} — ${money.format(p.price * l.quantity)}`,
          });
        }),
      );
      const { value, discount } = orderTotal(lines, applied);
      total.textContent = discount
        ? `Total ${money.format(value)} (you save ${money.format(discount)})`
        : `Total ${money.format(value)}`;
    };
    const code = el('input', { id: 'coupon-code', name: 'coupon', autocomplete: 'off' });
    const apply = el('button', { type: 'button', text: 'Apply' });
    const couponNote = el('p', { role: 'status', class: 'note' });
    apply.addEventListener('click', async () => {
      const offer = code.value.trim()
        ? await couponByCode(code.value).catch(() => undefined)
        : undefined;
      if (!offer) {
        applied = undefined;
        couponNote.textContent = 'That code is not valid.';
      } else {
        applied = offer;
        couponNote.textContent = `${offer.title} applied.`;
      }
      draw();
    });
    const place = el('button', { type: 'button', class: 'primary', text: 'Place order' });
    place.addEventListener('click', () => {
      const { value, discount, perItem } = orderTotal(lines, applied);
      const transactionId = `ORD-${Date.now().toString(36).toUpperCase()}-${Math.floor(Math.random() * 1e6)}`;
      ga4('purchase', {
        transaction_id: transactionId,
        value,
        ...(applied ? { coupon: applied.code } : {}),
        items: lines.map((l) => {
          const p = products.get(l.item_id);
          const discount = perItem.get(l.item_id) ?? 0;
          return ga4Item(p, {
            quantity: l.quantity,
            ...(discount > 0 ? { discount, coupon: applied.code } : {}),
          });
        }),
      });
      reportOrder(transactionId, value, discount, applied?.code);
      saveCart([]);
      target.replaceChildren();
      confirmation.replaceChildren(
        el('h2', { text: 'Thank you! Your order is placed.' }),
        el('p', { text: `Order number ${transactionId}, total ${money.format(value)}.` }),
        el('p', {}, el('a', { href: '/', text: 'Back to the shop' })),
      );
      confirmation.dataset.transactionId = transactionId;
    });
    target.append(
      summary,
      el('p', {}, el('label', { for: 'coupon-code', text: 'Coupon code ' }), code, apply),
      couponNote,
      total,
      place,
    );
    draw();
  }

  /** The order's total with a coupon applied (per unit discount for the coupon's category). */
  function orderTotal(lines, offer) {
    const perItem = new Map();
    let discount = 0;
    if (offer?.discount) {
      const eligible = lines.filter((l) => {
        const p = products.get(l.item_id);
        return !offer.category || offer.category === 'any' || offer.category === p.category;
      });
      const base = cartValue(eligible);
      if (!(offer.min_spend > base)) {
        for (const l of eligible) {
          const p = products.get(l.item_id);
          const unit =
            offer.discount.percent !== undefined
              ? round2((p.price * offer.discount.percent) / 100)
              : round2(Math.min(p.price, offer.discount.amount / l.quantity / eligible.length));
          perItem.set(l.item_id, unit);
          discount += unit * l.quantity;
        }
      }
    }
    discount = round2(discount);
    return { value: round2(cartValue(lines) - discount), discount, perItem };
  }

  function renderPrivacy() {
    const box = document.getElementById('member-switch');
    box.checked = store.get('member', false) === true;
    box.addEventListener('change', () => setMember(box.checked));
  }

  // ---------------------------------------------------------------- member, consent, re-decide

  function setMember(on) {
    store.set('member', on);
    for (const offers of document.querySelectorAll('ow-offers')) offers.member = on;
    const box = document.getElementById('member-switch');
    if (box) box.checked = on;
    const qa = document.getElementById('qa-member');
    if (qa) qa.checked = on;
  }

  /** Replaces every ow- element with a fresh copy, so it decides (or ranks) again. */
  function redecide() {
    for (const old of document.querySelectorAll('ow-offers, ow-recommendations')) {
      const fresh = old.cloneNode(false);
      if (old.localName === 'ow-offers') fresh.member = store.get('member', false) === true;
      if (old.exclude) fresh.exclude = old.exclude;
      old.replaceWith(fresh);
    }
  }

  // Before offerwise runs (this script is deferred before its tag): a shop renders the
  // shopper's stored choices into the page, here consent into the tag and membership into the
  // offers elements, so that the first decision already uses them.
  const consent = store.get('consent', 'granted');
  const tag = document.querySelector('script[src$="offerwise.iife.js"]');
  if (tag && ['granted', 'denied', 'pending'].includes(consent)) tag.dataset.consent = consent;
  if (page === 'category') {
    const id = categories.has(param('c')) ? param('c') : SHOP.categories[0].id;
    document.querySelector('ow-offers')?.setAttribute('placement', `category-${id}`);
  }
  if (store.get('member', false) === true) {
    for (const offers of document.querySelectorAll('ow-offers')) offers.setAttribute('member', '');
  }

  // ---------------------------------------------------------------- personas

  const DAY = 86_400_000;
  const pick = (category, ...indexes) => {
    const list = SHOP.products.filter((p) => p.category === category);
    return indexes.map((i) => list[i % list.length]);
  };

  /**
   * Realistic histories: `[daysAgo, event]`. Purchases carry unique transaction ids (a
   * purchase id is remembered, so a replay must not reuse them).
   */
  function personaHistory(name) {
    const run = Date.now().toString(36);
    let n = 0;
    const view = (p) => ({
      event: 'view_item',
      ecommerce: { currency: 'EUR', value: p.price, items: [ga4Item(p)] },
    });
    const list = (category) => ({
      event: 'view_item_list',
      ecommerce: { items: pick(category, 0, 1, 2, 3).map((p) => ga4Item(p)) },
    });
    const cart = (p) => ({
      event: 'add_to_cart',
      ecommerce: { currency: 'EUR', value: p.price, items: [ga4Item(p, { quantity: 1 })] },
    });
    const buy = (items, coupon) => {
      const discounted = items.map((p) =>
        ga4Item(p, {
          quantity: 1,
          ...(coupon ? { discount: round2(p.price * 0.15), coupon } : {}),
        }),
      );
      const value = round2(discounted.reduce((s, i) => s + i.price - (i.discount ?? 0), 0));
      return {
        event: 'purchase',
        ecommerce: {
          transaction_id: `QA-${name}-${run}-${++n}`,
          currency: 'EUR',
          value,
          ...(coupon ? { coupon } : {}),
          items: discounted,
        },
      };
    };
    switch (name) {
      case 'womens-loyal': {
        const [dress, jumper, jeans, blouse, coat, skirt, top, scarf] = pick(
          'womens',
          0,
          1,
          2,
          3,
          4,
          5,
          6,
          7,
        );
        const [tote] = pick('accessories', 0);
        return [
          [320, view(dress)],
          [320, buy([dress])],
          [240, list('womens')],
          [240, buy([jumper, scarf])],
          [150, view(jeans)],
          [150, buy([jeans, tote])],
          [75, buy([blouse])],
          [21, list('womens')],
          [21, view(skirt)],
          [21, buy([skirt, top])],
          [2, view(coat)],
          [1, view(coat)],
          [0, list('womens')],
          [0, view(coat)],
          [0, cart(coat)],
        ];
      }
      case 'mens-lapsed': {
        const [shirt, chinos, vneck, jeans, jacket] = pick('mens', 0, 1, 2, 3, 4);
        const [boot] = pick('shoes', 0);
        return [
          [400, view(shirt)],
          [400, buy([shirt, chinos])],
          [300, buy([vneck])],
          [230, view(jacket)],
          [230, buy([jacket, boot])],
          [200, view(jeans)],
          [200, buy([jeans])],
          [0, list('mens')],
          [0, view(shirt)],
        ];
      }
      case 'bargain-hunter': {
        const cheap = [
          ...pick('accessories', 0, 2, 3, 5),
          ...pick('womens', 6, 5),
          ...pick('mens', 5, 0),
          ...pick('shoes', 1, 6),
          ...pick('outdoor', 4, 3),
        ];
        const views = [];
        cheap.forEach((p, i) => {
          views.push([13 - (i % 14), view(p)]);
          views.push([6 - (i % 7), view(p)]);
        });
        return [
          [90, buy(cheap.slice(0, 2), 'ACCES12')],
          [60, buy([cheap[4]], 'WOMEN10')],
          [35, buy([cheap[8]], 'SHOES15')],
          [12, buy([cheap[6], cheap[7]], 'MENS10')],
          ...views,
          [0, list('accessories')],
          [0, cart(cheap[10])],
        ];
      }
      case 'high-spender': {
        const [coat, scarf] = pick('womens', 4, 7);
        const [peacoat, jacket, jeans] = pick('mens', 7, 4, 3);
        const [chelsea, hiking, loafer] = pick('shoes', 0, 5, 3);
        const [duffel, backpack] = pick('accessories', 6, 4);
        const [rain, vest] = pick('outdoor', 0, 2);
        return [
          [330, buy([peacoat, chelsea])],
          [260, buy([coat, scarf, duffel])],
          [180, buy([jacket, hiking, rain])],
          [95, buy([jeans, loafer, backpack])],
          [40, buy([vest, coat])],
          [12, buy([peacoat, chelsea, duffel])],
          [1, view(rain)],
          [0, view(coat)],
          [0, view(hiking)],
          [0, cart(hiking)],
        ];
      }
      default:
        return [];
    }
  }

  const PERSONAS = [
    ['new', 'New visitor', 'No history at all.'],
    ['womens-loyal', "Women's loyal", "Five women's orders this year, browsing a coat today."],
    ['mens-lapsed', "Men's lapsed", "Four men's orders, the last 200 days ago; back today."],
    ['bargain-hunter', 'Bargain hunter', 'Cheap items, many views, every order with a coupon.'],
    ['high-spender', 'High spender', 'Six premium orders this year, €300–600 each.'],
  ];

  /**
   * Forgets the shopper, then replays the persona's history. Past events are tracked through a
   * second, short-lived instance on the same profile database whose clock is set back to each
   * event's day (`createOffers({ now })`), so that recency, decay, the 30/90/365-day windows and
   * the segment are what that history would give. Without consent (nothing is written to the
   * database then) the events go through the page's instance, stamped now: an approximation.
   */
  async function applyPersona(ow, name) {
    await ow.forget();
    const history = personaHistory(name);
    let approximated = false;
    if (history.length > 0) {
      let clock = Date.now();
      let helper;
      if (ow.consent() === 'granted' && window.Offerwise?.createOffers) {
        try {
          helper = await window.Offerwise.createOffers({
            consent: 'granted',
            now: () => clock,
          });
        } catch {
          helper = undefined;
        }
      }
      for (const [daysAgo, event] of history) {
        clock = Date.now() - daysAgo * DAY;
        if (helper && daysAgo > 0) await helper.track(event);
        else {
          if (daysAgo > 0) approximated = true;
          await ow.track(event);
        }
      }
      await helper?.destroy();
    }
    store.set('persona', name);
    redecide();
    return { approximated, events: history.length };
  }

  // ---------------------------------------------------------------- QA panel

  const QA_OPEN = 'demo.qa-open';

  // The collector's QA routes (received events, faults) need the token `npm run demo` prints in
  // its QA link (`/#qa=<token>`). The page moves it from the address bar into this tab's
  // sessionStorage, which a page of another site cannot read, and sends it in a header, which a
  // cross-site request cannot carry without the server's leave (it gives none).
  const QA_TOKEN = /^[A-Za-z0-9_-]{16,128}$/;
  const QA_LOCKED =
    "The collector's controls need the QA token: open the QA link `npm run demo` printed (it ends in #qa=…) in this tab.";
  {
    const fragment = new URLSearchParams(location.hash.slice(1));
    const token = fragment.get('qa');
    if (token !== null && QA_TOKEN.test(token)) {
      session.set('qa-token', token);
      fragment.delete('qa');
      const rest = fragment.toString();
      history.replaceState(
        history.state,
        '',
        location.pathname + location.search + (rest ? `#${rest}` : ''),
      );
    }
  }

  /** A QA request with the token; undefined when there is none, or the server refused it. */
  async function qaFetch(url, init = {}) {
    const token = session.get('qa-token', null);
    if (typeof token !== 'string') return undefined;
    const response = await fetch(url, {
      ...init,
      cache: 'no-store',
      headers: { ...init.headers, 'x-qa-token': token },
    });
    // A token of an earlier run of the server: forget it, the panel says how to get the new one.
    if (response.status === 401 || response.status === 403) {
      session.remove('qa-token');
      return undefined;
    }
    return response;
  }

  function qaPanel() {
    const toggle = el('button', {
      type: 'button',
      class: 'qa-toggle',
      'aria-expanded': 'false',
      'aria-controls': 'qa-panel',
      text: 'QA panel',
    });
    const panel = el('aside', {
      id: 'qa-panel',
      class: 'qa-panel',
      'aria-label': 'QA panel',
      hidden: true,
    });
    document.body.append(toggle, panel);

    const status = el('p', { role: 'status', class: 'qa-status', id: 'qa-status' });
    const say = (text) => (status.textContent = text);

    // Personas
    const personas = el('div', { class: 'qa-buttons' });
    for (const [name, label, title] of PERSONAS) {
      const button = el('button', {
        type: 'button',
        dataset: { persona: name },
        title,
        text: label,
      });
      personas.append(button);
    }

    // Shopper switches
    const consentSelect = el(
      'select',
      { id: 'qa-consent' },
      ...['granted', 'pending', 'denied'].map((s) => el('option', { value: s, text: s })),
    );
    const memberBox = el('input', { type: 'checkbox', id: 'qa-member' });
    memberBox.checked = store.get('member', false) === true;
    const forget = el('button', { type: 'button', id: 'qa-forget', text: 'Forget me' });
    const again = el('button', { type: 'button', id: 'qa-redecide', text: 'Decide again' });

    // Profile, decisions, outbox, faults
    const profileBox = el('dl', { class: 'qa-dl', id: 'qa-profile' });
    const rawProfile = el('pre', { class: 'qa-pre' });
    const decisionsBox = el('div', { id: 'qa-decisions' });
    const outboxBox = el('dl', { class: 'qa-dl', id: 'qa-outbox' });
    const flush = el('button', { type: 'button', id: 'qa-flush', text: 'Flush now' });
    const faultInputs = {
      errorRate: el(
        'select',
        { id: 'qa-error-rate' },
        ...[0, 0.25, 0.5, 1].map((v) => el('option', { value: v, text: `${v * 100}%` })),
      ),
      latencyMs: el(
        'select',
        { id: 'qa-latency' },
        ...[0, 500, 2000, 10000].map((v) => el('option', { value: v, text: `${v} ms` })),
      ),
      dropAfterCommit: el('input', { type: 'checkbox', id: 'qa-drop' }),
      offline: el('input', { type: 'checkbox', id: 'qa-offline' }),
    };
    const faultCounts = el('p', { class: 'qa-small', id: 'qa-fault-counts' });
    // The learning loop: runs the offline learner on the collector's logs (demo/learning.mjs).
    const learnButton = el('button', {
      type: 'button',
      id: 'qa-learn',
      text: 'Learn from the logs',
    });
    // A week of simulated shoppers (demo/learning.mjs): group effects without dozens of visits.
    const simulateButton = el('button', {
      type: 'button',
      id: 'qa-simulate',
      text: 'Simulate 1,000 shoppers',
    });
    const learnResult = el('p', { class: 'qa-small', id: 'qa-learn-result', role: 'status' });
    const qaLocked = el('p', { class: 'qa-small', id: 'qa-locked', hidden: true, text: QA_LOCKED });
    /** Shows the collector's controls, or says how to unlock them. */
    const unlocked = (yes) => {
      qaLocked.hidden = yes;
      for (const input of Object.values(faultInputs)) input.disabled = !yes;
      learnButton.disabled = !yes;
      simulateButton.disabled = !yes;
      return yes;
    };
    unlocked(typeof session.get('qa-token', null) === 'string');

    const section = (title, ...children) =>
      el('section', {}, el('h2', { text: title }), ...children);
    const row = (label, input) =>
      el('p', { class: 'qa-row' }, el('label', { for: input.id, text: label }), input);
    panel.append(
      el('h1', { text: 'QA panel' }),
      status,
      section(
        'Personas',
        el('p', { class: 'qa-small', text: 'Forget, replay a history, decide again.' }),
        personas,
      ),
      section(
        'Shopper',
        row('Consent ', consentSelect),
        row('Signed-in member ', memberBox),
        el('div', { class: 'qa-buttons' }, forget, again),
      ),
      section(
        'Live profile',
        profileBox,
        el('details', {}, el('summary', { text: 'Raw snapshot' }), rawProfile),
      ),
      section('Decisions on this page', decisionsBox),
      section('Feedback outbox', outboxBox, el('div', { class: 'qa-buttons' }, flush)),
      section(
        'Learning loop',
        el('p', {
          class: 'qa-small',
          text: "Sends this tab's outbox, runs the offline learner (npm run learn) on the collector's logs and publishes the effects file the catalog names: the next page's decisions use it (each decision above shows the shopper's group and the effect used). Simulate adds a week of 1,000 simulated shoppers (the SDK's own decisions with these coupons, groups and ε; kept apart from the real logs) so that group effects show after one click.",
        }),
        el('div', { class: 'qa-buttons' }, simulateButton, learnButton),
        learnResult,
      ),
      section(
        'Collector faults',
        qaLocked,
        row('Error rate (503) ', faultInputs.errorRate),
        row('Latency ', faultInputs.latencyMs),
        row('Drop after commit ', faultInputs.dropAfterCommit),
        row('Offline ', faultInputs.offline),
        faultCounts,
      ),
    );

    let timer;
    const open = (yes) => {
      panel.hidden = !yes;
      toggle.setAttribute('aria-expanded', String(yes));
      sessionStorage.setItem(QA_OPEN, yes ? '1' : '0');
      clearInterval(timer);
      if (yes) {
        refresh();
        timer = setInterval(refresh, 2000);
      }
    };
    toggle.addEventListener('click', () => {
      open(panel.hidden);
      if (!panel.hidden) panel.querySelector('button, select, input')?.focus();
    });
    panel.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        open(false);
        toggle.focus();
      }
    });

    // Decisions: every one <ow-offers> puts on screen announces itself with ow-decision; what it
    // weighed (and each shown offer's explanation) comes from offerwise.inspect().
    const decisions = panelDecisions;
    document.addEventListener('ow-decision', (event) => {
      const { decisionId } = event.detail ?? {};
      if (decisionId && !decisions.has(decisionId)) decisions.set(decisionId, new Map());
    });
    function collectDecisions() {
      const ow = window.offerwise;
      if (!ow || typeof ow.inspect !== 'function') return;
      for (const [id, explanations] of decisions) {
        for (const c of ow.inspect(id)?.candidates ?? []) {
          if (c.shown) explanations.set(c.offerId, c.explanation ?? '');
        }
      }
    }

    const fmt = (n, digits = 3) => (typeof n === 'number' ? n.toFixed(digits) : '—');
    const dl = (target, entries) =>
      target.replaceChildren(
        ...entries.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]),
      );

    let lastFlush = 'not yet';
    let refreshing = false;
    // The fault switches as the QA user set them win over a refresh's read of the server: each
    // change counts in faultEdits, and faultPending while it is sent. A refresh that read the
    // switches before a change, or while one was on its way, leaves them as the user set them
    // (writing its stale copy back flipped a box just checked, until the next refresh).
    let faultEdits = 0;
    let faultPending = 0;
    async function refresh() {
      const ow = window.offerwise;
      if (refreshing || !ow || Array.isArray(ow)) return;
      refreshing = true;
      try {
        consentSelect.value = ow.consent();
        const p = await ow.profile();
        dl(profileBox, [
          ['Persona', store.get('persona', '—')],
          ['Segment', p.segment],
          [
            'Shopper group',
            p.group
              ? `${p.group.id}: ${p.group.label}`
              : 'none (the catalog names no segments file)',
          ],
          ['Consent / storage', `${p.consent} / ${p.storage}`],
          [
            'Purchases',
            `${p.purchases.total.count} (${money.format(p.purchases.total.spend)}), ${p.purchases.d365.count} in 365 days, ${p.purchases.discounted} discounted`,
          ],
          [
            'Last purchase',
            p.daysSinceLastPurchase === null
              ? 'never'
              : `${p.daysSinceLastPurchase.toFixed(1)} days ago`,
          ],
          [
            'Interests',
            p.categories
              .slice(0, 4)
              .map((c) => `${categoryName(c.category)} ${c.score.toFixed(1)}`)
              .join(', ') || 'none',
          ],
          [
            'Price band',
            p.price.band ? `${p.price.band} (avg ${money.format(p.price.average ?? 0)})` : '—',
          ],
          ['Cart', `${p.cart.itemCount} items, ${money.format(p.cart.value)}`],
          [
            'Events',
            Object.entries(p.eventCounts)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ') || 'none',
          ],
        ]);
        rawProfile.textContent = JSON.stringify(p, null, 2);

        collectDecisions();
        const blocks = [];
        for (const [id, explanations] of [...decisions].reverse()) {
          const d = ow.inspect(id);
          if (!d) {
            blocks.push(
              el('p', {
                class: 'qa-small',
                text: `${id.slice(0, 8)}…: decided on an earlier page (cached), not inspectable here.`,
              }),
            );
            continue;
          }
          const head = `${d.placement} · ${d.source} · model ${d.modelVersion} · ${d.personalized ? 'personalized' : 'not personalized'}${d.holdout ? ' · holdout' : ''}`;
          // The learning loop: where the shopper was placed, and the effects file scored with.
          const top = d.group
            ? d.group.weights
                .map((w, g) => [g, w])
                .sort((a, b) => b[1] - a[1])
                .slice(0, 3)
                .map(([g, w]) => `${g} ${(w * 100).toFixed(0)}%`)
                .join(', ')
            : '';
          const learned = [
            d.group
              ? `group ${d.group.id} “${d.group.label}” (weights ${top})`
              : 'no shopper group',
            d.effects
              ? `effects ${d.effects.sha256?.slice(0, 12) ?? 'inline'} (${d.effects.reward}, ${d.effects.byGroup ? 'per group' : 'pooled'}, temperature ${fmt(d.effects.temperature, 4)}, generated ${new Date(d.effects.generated_at).toISOString().slice(0, 16)}Z)`
              : 'no learned effects: the model alone',
          ].join(' · ');
          const effectText = (c) =>
            c.effect
              ? `${fmt(c.effect.effect, 4)} (${c.effect.source}${c.effect.model !== undefined ? `, model ${fmt(c.effect.model, 4)}` : ''}${c.effect.profile !== undefined ? `, profile ${fmt(c.effect.profile, 4)}` : ''})`
              : '—';
          const rows = d.candidates
            .slice()
            .sort((a, b) => Number(b.shown) - Number(a.shown) || b.score - a.score)
            .map((c) =>
              el(
                'tr',
                { class: c.shown ? 'shown' : '', dataset: { offerId: c.offerId } },
                el('td', { text: c.offerId }),
                el('td', { text: c.category }),
                el('td', { text: fmt(c.score, 4) }),
                el('td', { class: 'qa-effect', text: effectText(c) }),
                el('td', { text: fmt(c.pTreated) }),
                el('td', { text: fmt(c.pControl) }),
                el('td', { text: fmt(c.uplift, 4) }),
                el('td', { text: c.shown ? `yes, p=${fmt(c.propensity)}` : 'no' }),
                el('td', { text: explanations.get(c.offerId) ?? '' }),
              ),
            );
          blocks.push(
            el(
              'div',
              { class: 'qa-decision', dataset: { decisionId: id, placement: d.placement } },
              el('h3', { text: head }),
              el('p', { class: 'qa-small', text: `decision ${id}` }),
              el('p', { class: 'qa-small qa-learned', text: learned }),
              el(
                'div',
                { class: 'qa-scroll' },
                el(
                  'table',
                  {},
                  el(
                    'thead',
                    {},
                    el(
                      'tr',
                      {},
                      ...[
                        'offer',
                        'category',
                        'score',
                        'effect used',
                        'pTreated',
                        'pControl',
                        'uplift',
                        'shown',
                        'explanation',
                      ].map((h) => el('th', { scope: 'col', text: h })),
                    ),
                  ),
                  el('tbody', {}, ...rows),
                ),
              ),
            ),
          );
        }
        decisionsBox.replaceChildren(
          ...(blocks.length
            ? blocks
            : [el('p', { class: 'qa-small', text: 'No decision on this page yet.' })]),
        );

        const entries = [];
        if (typeof ow.feedbackStatus === 'function') {
          const s = await ow.feedbackStatus();
          for (const [k, v] of Object.entries(s ?? {})) {
            entries.push([k, typeof v === 'object' ? JSON.stringify(v) : String(v)]);
          }
        }
        // Totals by type only (limit=0): the events themselves are other shoppers' too.
        const received = await qaFetch('/api/feedback/received?limit=0');
        const byType = received?.ok ? (await received.json()).byType : undefined;
        entries.push([
          'Collector received',
          byType === undefined
            ? 'needs the QA link (see Collector faults)'
            : Object.entries(byType)
                .filter(([, v]) => v > 0)
                .map(([k, v]) => `${k} ${v}`)
                .join(', ') || 'nothing yet',
        ]);
        entries.push(['Last flush()', lastFlush]);
        dl(outboxBox, entries);

        const edits = faultEdits;
        const answer = await qaFetch('/api/faults');
        if (!unlocked(answer?.ok === true)) {
          faultCounts.textContent = '';
          return;
        }
        const f = await answer.json();
        if (edits === faultEdits && faultPending === 0) {
          faultInputs.errorRate.value = String(f.errorRate);
          faultInputs.latencyMs.value = String(f.latencyMs);
          faultInputs.dropAfterCommit.checked = f.dropAfterCommit;
          faultInputs.offline.checked = f.offline;
        }
        const c = f.counts;
        faultCounts.textContent = `Requests ${c.requests}: ${c.stored} events stored, ${c.duplicates} duplicates, ${c.invalid} invalid, ${c.failed503} answered 503, ${c.dropped} dropped after commit, ${c.offline} refused offline, ${c.rateLimited} rate-limited, ${c.refused} refused.`;
      } catch (error) {
        say(`Refresh failed: ${String(error)}`);
      } finally {
        refreshing = false;
      }
    }

    withOfferwise((ow) => {
      const act = (button, work) =>
        button.addEventListener('click', async () => {
          button.disabled = true;
          try {
            say(await work());
          } catch (error) {
            say(`Failed: ${String(error)}`);
          } finally {
            button.disabled = false;
            refresh();
          }
        });
      for (const button of personas.querySelectorAll('button')) {
        act(button, async () => {
          say(`Replaying ${button.textContent}…`);
          const { approximated, events } = await applyPersona(ow, button.dataset.persona);
          return `${button.textContent}: ${events} events replayed${approximated ? ' (without consent: stamped now, an approximation)' : ''}; deciding again.`;
        });
      }
      act(forget, async () => {
        await ow.forget();
        store.set('persona', 'new');
        redecide();
        return "Forgotten: profile, caps, claims and the shop's decision traces erased.";
      });
      act(again, async () => {
        redecide();
        return 'Deciding again.';
      });
      act(flush, async () => {
        const s = await ow.flush();
        lastFlush = JSON.stringify(s);
        return `flush(): ${lastFlush}`;
      });
      /**
       * POSTs a learning-loop QA route: its JSON reply, or what to say instead (locked, or the
       * route's error, also shown under the buttons).
       */
      const runLoopRoute = async (route, failed) => {
        const response = await qaFetch(route, { method: 'POST' });
        if (!response) return { say: QA_LOCKED };
        const result = await response.json();
        if (response.ok) return { result };
        learnResult.textContent = result.error;
        return { say: `${failed}: ${result.error}` };
      };
      act(simulateButton, async () => {
        say('Simulating a week of 1,000 shoppers…');
        const { result, say: instead } = await runLoopRoute('/api/simulate', 'Simulation failed');
        if (!result) return instead;
        learnResult.textContent = `Added a simulated week: ${result.shoppers} shoppers, ${result.decisions} decisions (simulated-feedback.jsonl). Learn from the logs to use them.`;
        return `Simulated ${result.decisions} decisions.`;
      });
      act(learnButton, async () => {
        say('Learning from the logs…');
        await ow.flush();
        const { result, say: instead } = await runLoopRoute('/api/learn', 'Learning failed');
        if (!result) return instead;
        const d = result.decisions ?? {};
        const counts = Object.entries(d)
          .map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : v}`)
          .join(', ');
        learnResult.textContent = `Published effects ${result.sha256.slice(0, 12)} (${result.reward}, ${result.k ? `${result.k} groups (${result.k - (result.absentGroups ?? []).length} seen in the logs), ε ${result.epsilon}` : 'no groups'}, temperature ${result.temperature}; ${Object.keys(result.offers ?? {}).length} offers; decisions: ${counts}). Reload: the next page's catalog names it.`;
        learnResult.dataset.sha256 = result.sha256;
        return `Learned: effects ${result.sha256.slice(0, 12)} published.`;
      });
      // ow.consent() records the choice for the next pages (guardTraces).
      consentSelect.addEventListener('change', async () => {
        try {
          await ow.consent(consentSelect.value);
          say(`Consent: ${consentSelect.value}.`);
        } catch (error) {
          say(`Failed: ${String(error)}`);
        }
        redecide();
        refresh();
      });
    });
    memberBox.addEventListener('change', () => {
      setMember(memberBox.checked);
      say(memberBox.checked ? 'Signed in as a member.' : 'Signed out.');
    });
    const setFault = async (body) => {
      faultEdits++;
      faultPending++;
      try {
        const response = await qaFetch('/api/faults', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        if (!response) say(QA_LOCKED);
        else {
          const { errorRate, latencyMs, dropAfterCommit, offline, error } = await response.json();
          const faults = { errorRate, latencyMs, dropAfterCommit, offline };
          say(response.ok ? `Faults: ${JSON.stringify(faults)}` : error);
        }
      } catch (error) {
        say(`Failed: ${String(error)}`);
      } finally {
        faultPending--;
      }
      refresh();
    };
    faultInputs.errorRate.addEventListener('change', () =>
      setFault({ errorRate: Number(faultInputs.errorRate.value) }),
    );
    faultInputs.latencyMs.addEventListener('change', () =>
      setFault({ latencyMs: Number(faultInputs.latencyMs.value) }),
    );
    faultInputs.dropAfterCommit.addEventListener('change', () =>
      setFault({ dropAfterCommit: faultInputs.dropAfterCommit.checked }),
    );
    faultInputs.offline.addEventListener('change', () =>
      setFault({ offline: faultInputs.offline.checked }),
    );

    open(sessionStorage.getItem(QA_OPEN) === '1');
  }

  // ---------------------------------------------------------------- start

  renderChrome();
  const renderers = {
    home: renderHome,
    category: renderCategory,
    search: renderSearch,
    product: renderProduct,
    cart: renderCart,
    checkout: renderCheckout,
    privacy: renderPrivacy,
  };
  renderers[page]?.();
  qaPanel();
  // The QA hooks a test or a console can use.
  window.demoShop = {
    applyPersona: (name) =>
      new Promise((resolve, reject) =>
        withOfferwise((ow) => applyPersona(ow, name).then(resolve, reject)),
      ),
    redecide,
    setMember,
  };
})();
