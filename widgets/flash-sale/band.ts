// The flash sale's height, known before it renders: every row of the band has a fixed size, so
// `<ow-flash-sale>` and the skeleton `<ow-offers>` shows in its place (which share these tokens)
// are the same height by construction, and `bandHeight()` states it in px for docs and tests.
import { css, unsafeCSS } from 'lit';

/** Sizes of the band, px at a 16 px root font and the default `--ow-space` (12 px). */
export const BAND = {
  /** The narrow layout applies while the band is at most this wide (a container query). */
  narrowMax: 420,
  border: 1,
  /** Wide header, one row: title | countdown | "Why?" (the toggle's 44 px tap target). */
  header: 44,
  /** Narrow header, first row: the title, two lines of 22 px. */
  narrowTitle: 44,
  /** Narrow header, between the title and the countdown row (44 px again). */
  narrowRowGap: 6,
  /** Between an item's image, name, price and stock. */
  itemGap: 6,
  /** Item name: two lines of 20 px, clamped. */
  name: 40,
  /**
   * Prices: the sale price on a line of 28 px, the struck former price on its own line of 20 px
   * below it (side by side they overflow a narrow item: "€104.30 €149.00" is 151 px of 128).
   */
  salePrice: 28,
  wasPrice: 20,
  /** Stock: a 6 px track, 4 px gap, a 20 px label. */
  stock: 30,
  /** Around the items row: room for focus rings, and below it room for a classic scrollbar. */
  itemsPadStart: 4,
  itemsPadEnd: 16,
  /** Item (and image) width, wide and narrow. */
  image: 160,
  narrowImage: 128,
} as const;

/** The band's border-box height in px at `width` (its own width), with `space` = `--ow-space`. */
export function bandHeight(width: number, space = 12): number {
  const narrow = width <= BAND.narrowMax;
  const header = narrow ? BAND.narrowTitle + BAND.narrowRowGap + BAND.header : BAND.header;
  const image = narrow ? BAND.narrowImage : BAND.image;
  const item = image + 3 * BAND.itemGap + BAND.name + BAND.salePrice + BAND.wasPrice + BAND.stock;
  const items = item + BAND.itemsPadStart + BAND.itemsPadEnd;
  return 2 * BAND.border + 3 * space + header + items;
}

const px = (n: number) => unsafeCSS(`${n}px`);
// Text rows scale with the root font (a shopper's larger default font keeps its lines whole).
const rem = (n: number) => unsafeCSS(`${n / 16}rem`);

/**
 * The band's size tokens on `.ow-band` (the sale's frame, and the skeleton's): the image width
 * `--_band-image`, header height `--_band-header`, item row `--_band-items` and the fixed rows
 * inside an item (`--_band-price` is both price lines, `--_band-sale-price` the first). The nearest size container (the `<ow-flash-sale>` host; the skeleton's wrapper)
 * picks wide or narrow.
 */
export const bandTokens = css`
  .ow-band {
    --_band-image: var(--ow-flash-sale-image-size, ${px(BAND.image)});
    --_band-header: ${px(BAND.header)};
    --_band-title: ${rem(BAND.narrowTitle / 2)};
    --_band-gap: ${px(BAND.itemGap)};
    --_band-name: ${rem(BAND.name)};
    --_band-sale-price: ${rem(BAND.salePrice)};
    --_band-price: ${rem(BAND.salePrice + BAND.wasPrice)};
    --_band-stock: calc(10px + ${rem(BAND.stock - 10)});
    --_band-items: calc(
      var(--_band-image) + 3 * var(--_band-gap) + var(--_band-name) + var(--_band-price) +
        var(--_band-stock) + ${px(BAND.itemsPadStart + BAND.itemsPadEnd)}
    );
    box-sizing: border-box;
    display: grid;
    /* The header grows only when the shopper opens "Why am I seeing this?". */
    grid-template-rows: minmax(var(--_band-header), auto) var(--_band-items);
    gap: var(--_space);
    padding: var(--_space);
    border: ${px(BAND.border)} solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_bg);
  }
  @container (max-width: ${px(BAND.narrowMax)}) {
    .ow-band {
      --_band-image: calc(
        var(--ow-flash-sale-image-size, ${px(BAND.image)}) *
          ${unsafeCSS(BAND.narrowImage / BAND.image)}
      );
      --_band-header: calc(2 * var(--_band-title) + ${px(BAND.narrowRowGap + BAND.header)});
    }
  }
  .ow-band-items {
    display: grid;
    grid-auto-flow: column;
    grid-auto-columns: var(--_band-image);
    gap: var(--_space);
    box-sizing: border-box;
    block-size: var(--_band-items);
    margin: 0 -${px(BAND.itemsPadStart)};
    padding: ${px(BAND.itemsPadStart)} ${px(BAND.itemsPadStart)} ${px(BAND.itemsPadEnd)};
    overflow: hidden;
  }
  .ow-band-item {
    display: grid;
    grid-template-rows: var(--_band-image) var(--_band-name) var(--_band-price) var(--_band-stock);
    gap: var(--_band-gap);
    min-inline-size: 0;
  }
`;
