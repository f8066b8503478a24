// Which origins catalog images may load from. An image request tells its host which offer or
// item this shopper was shown, so an image on a third party's origin is a tracking pixel for
// that party: such images are dropped from the catalog (the rest of the offer stays).
import type { Catalog, CatalogItem, Offer, SaleItem } from '../decide/types.js';

export const IMAGE_ORIGIN_EXPECTED =
  'an https origin without a path, e.g. "https://cdn.shop.example"';

/**
 * The origin `value` names, normalized (`https://CDN.Shop.example:443/` → `https://cdn.shop.example`),
 * or undefined unless it is an `https:` origin without credentials, path, query or fragment.
 * Only https: catalog images are accepted at all, so an `http:` origin could never match.
 */
export function parseImageOrigin(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  // No path, query, fragment, credentials (`@`) or wildcard: those would parse, then never match
  // (or match more than meant).
  if (!/^https:\/\/[^/?#\\\s@*]+\/?$/i.test(text)) return undefined;
  try {
    return new URL(text).origin;
  } catch {
    return undefined;
  }
}

/** The page's origin, when it has a real one (not `about:blank`, `file:` or a worker without one). */
function pageOrigin(): string | undefined {
  const origin = (globalThis as { location?: { origin?: unknown } }).location?.origin;
  return typeof origin === 'string' && /^https?:\/\//.test(origin) ? origin : undefined;
}

/** The origin a catalog URL is fetched from (resolved against the page, as `fetch` does). */
function catalogOrigin(url: string): string | undefined {
  try {
    const base = (globalThis as { location?: { href?: unknown } }).location?.href;
    const parsed = new URL(url, typeof base === 'string' ? base : undefined);
    return /^https?:$/.test(parsed.protocol) ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The origins images may come from: the page's own origin always (relative images, and the shop
 * already sees the page), plus `configured` when the shop set `imageOrigins`, else the origin of
 * the catalog URL (when the catalog is fetched).
 */
export function allowedImageOrigins(
  configured: readonly string[] | undefined,
  catalogUrl: string | undefined,
): string[] {
  const origins = new Set<string>();
  const page = pageOrigin();
  if (page !== undefined) origins.add(page);
  if (configured !== undefined) {
    for (const origin of configured) origins.add(origin);
  } else if (catalogUrl !== undefined) {
    const origin = catalogOrigin(catalogUrl);
    if (origin !== undefined) origins.add(origin);
  }
  return [...origins];
}

/** One image dropped: where it was, and the origin it would have been requested from. */
export interface DroppedImage {
  /** Path in the catalog, e.g. `offers[1].items[0].image` or `items["sku-1"].image`. */
  field: string;
  offerId?: string;
  origin: string;
  message: string;
}

/**
 * The catalog with every image outside `allowed` removed (the offer, sale item or item entry
 * stays, without `image`), and one entry per removed image. Relative images (`/img/x.jpg`) are
 * resolved against the page: same origin. Objects without a dropped image are kept as they are.
 */
export function dropForeignImages(
  catalog: Catalog,
  allowed: readonly string[],
): { catalog: Catalog; dropped: DroppedImage[] } {
  const dropped: DroppedImage[] = [];
  const ok = new Set(allowed);
  const list = allowed.length > 0 ? allowed.join(', ') : 'none';
  const base = (globalThis as { location?: { href?: unknown } }).location?.href;

  /** The image's origin when it must go, else undefined. */
  function foreign(image: string | undefined): string | undefined {
    if (image === undefined) return undefined;
    let origin: string;
    try {
      origin = new URL(image, typeof base === 'string' ? base : undefined).origin;
    } catch {
      // A relative link with no page to resolve it against: nothing can be requested here.
      return undefined;
    }
    return ok.has(origin) ? undefined : origin;
  }

  function drop<T extends { image?: string }>(
    owner: T,
    field: string,
    label: string,
    offerId?: string,
  ): T {
    const origin = foreign(owner.image);
    if (origin === undefined) return owner;
    dropped.push({
      field,
      ...(offerId !== undefined && { offerId }),
      origin,
      message: `${label}: dropped ${owner.image}: its origin ${origin} is not an allowed image origin (${list}); add it to imageOrigins to show it`,
    });
    const { image: _image, ...rest } = owner;
    return rest as T;
  }

  const offers = catalog.offers.map((offer, i): Offer => {
    const label = `offers[${i}] ${JSON.stringify(offer.id)}`;
    let out = drop(offer, `offers[${i}].image`, `${label} image`, offer.id);
    if (offer.items) {
      const items = offer.items.map((item, j): SaleItem =>
        drop(item, `offers[${i}].items[${j}].image`, `${label} items[${j}].image`, offer.id),
      );
      if (items.some((item, j) => item !== offer.items![j])) out = { ...out, items };
    }
    return out;
  });

  let items = catalog.items;
  for (const [id, item] of Object.entries(catalog.items)) {
    const field = `items[${JSON.stringify(id)}].image`;
    const kept: CatalogItem = drop(item, field, field);
    if (kept === item) continue;
    if (items === catalog.items) {
      // Same shape as validation makes it: no prototype, so an id such as "__proto__" is data.
      items = Object.assign(Object.create(null) as Record<string, CatalogItem>, catalog.items);
    }
    items[id] = kept;
  }

  if (dropped.length === 0) return { catalog, dropped };
  return { catalog: { ...catalog, offers, items }, dropped };
}
