/**
 * `report.html`: one self-contained file (inline CSS and SVG, no script, no external resource,
 * a CSP that forbids loading anything) that opens from disk. Every string that comes from the
 * logs (offer ids, placements, drop reasons, file names) goes through {@link escapeHtml}.
 */
import type { Classification, Rate } from './stats.js';
import type { DailyRow, EffectReport, HoldoutComparison, OfferRow } from './types.js';

/** Escapes text for HTML element content and quoted attribute values (also inside inline SVG). */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const e = escapeHtml;
const COLORS = { personalized: '#2563eb', holdout: '#d97706' } as const;
const FUNNEL_COLORS = ['#94a3b8', '#64748b', '#2563eb', '#16a34a', '#9333ea'];
const MAX_OFFER_ROWS = 500;
const MAX_FUNNEL_OFFERS = 25;

const pct = (v: number | null | undefined, digits = 2) =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(digits)}%`;
const pp = (v: number) => `${v >= 0 ? '+' : ''}${(v * 100).toFixed(2)} pp`;
const int = (v: number | null | undefined) =>
  v === null || v === undefined ? '–' : Math.round(v).toLocaleString('en-US');
const money = (v: number | null | undefined) =>
  v === null || v === undefined ? '–' : v.toFixed(2);
const fx = (v: number) => (Math.round(v * 10) / 10).toString();

/** Rates per day with their 95% intervals (shaded), one line per arm. */
function rateChart(
  title: string,
  days: readonly string[],
  series: { name: keyof typeof COLORS; points: (Rate | null)[] }[],
): string {
  const W = 640;
  const H = 220;
  const L = 56;
  const R = 24;
  const T = 24;
  const B = 34;
  let max = 0;
  for (const s of series) for (const p of s.points) if (p) max = Math.max(max, p.hi);
  if (max === 0) max = 0.01;
  max = niceMax(max);
  const x = (i: number) =>
    L + (days.length <= 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (days.length - 1));
  const y = (v: number) => T + (1 - v / max) * (H - T - B);
  const parts: string[] = [];
  for (let k = 0; k <= 4; k++) {
    const v = (max * k) / 4;
    parts.push(
      `<line x1="${L}" x2="${W - R}" y1="${fx(y(v))}" y2="${fx(y(v))}" class="grid"/>`,
      `<text x="${L - 6}" y="${fx(y(v) + 4)}" text-anchor="end">${pct(v, 1)}</text>`,
    );
  }
  const step = Math.max(1, Math.ceil(days.length / 8));
  days.forEach((d, i) => {
    if (i % step === 0 || i === days.length - 1)
      parts.push(
        `<text x="${fx(x(i))}" y="${H - B + 16}" text-anchor="middle">${e(d.slice(5))}</text>`,
      );
  });
  for (const s of series) {
    const color = COLORS[s.name];
    const pts = s.points.map((p, i) => (p ? { i, p } : null)).filter((v) => v !== null);
    if (pts.length === 0) continue;
    const band = [
      ...pts.map(({ i, p }) => `${fx(x(i))},${fx(y(p.hi))}`),
      ...[...pts].reverse().map(({ i, p }) => `${fx(x(i))},${fx(y(p.lo))}`),
    ].join(' ');
    parts.push(`<polygon points="${band}" fill="${color}" fill-opacity="0.15" stroke="none"/>`);
    parts.push(
      `<polyline points="${pts.map(({ i, p }) => `${fx(x(i))},${fx(y(p.rate))}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`,
    );
    for (const { i, p } of pts)
      parts.push(
        `<circle cx="${fx(x(i))}" cy="${fx(y(p.rate))}" r="2.5" fill="${color}"><title>${e(days[i])} ${s.name}: ${pct(p.rate)} (95% ${pct(p.lo)}–${pct(p.hi)}, n=${int(p.n)})</title></circle>`,
      );
  }
  const legend = series
    .map(
      (s, k) =>
        `<rect x="${L + k * 130}" y="6" width="12" height="12" fill="${COLORS[s.name]}"/><text x="${L + 16 + k * 130}" y="16">${s.name}</text>`,
    )
    .join('');
  return figure(title, W, H, legend + parts.join(''));
}

function niceMax(v: number): number {
  const mag = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * mag >= v) return m * mag;
  return 10 * mag;
}

function figure(title: string, w: number, h: number, body: string): string {
  return `<figure><figcaption>${e(title)}</figcaption><svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${e(title)}">${body}</svg></figure>`;
}

/** Differences personalized − holdout with their 95% intervals, around a zero line. */
function liftChart(
  rows: { label: string; diff: number; lo: number; hi: number; lift: number | null }[],
): string {
  if (rows.length === 0) return '<p class="muted">No holdout comparison: one arm is missing.</p>';
  const W = 700;
  const L = 200;
  const R = 160;
  const rowH = 26;
  const T = 10;
  const H = T + rows.length * rowH + 24;
  let span = 0;
  for (const r of rows) span = Math.max(span, Math.abs(r.lo), Math.abs(r.hi));
  span = niceMax(span || 0.01);
  const x = (v: number) => L + ((v + span) / (2 * span)) * (W - L - R);
  const parts: string[] = [
    `<line x1="${fx(x(0))}" x2="${fx(x(0))}" y1="${T - 4}" y2="${H - 20}" class="axis"/>`,
    `<text x="${fx(x(-span))}" y="${H - 6}" text-anchor="start">${pp(-span)}</text>`,
    `<text x="${fx(x(0))}" y="${H - 6}" text-anchor="middle">0</text>`,
    `<text x="${fx(x(span))}" y="${H - 6}" text-anchor="end">${pp(span)}</text>`,
  ];
  rows.forEach((r, k) => {
    const cy = T + k * rowH + rowH / 2;
    const color = r.lo > 0 ? '#16a34a' : r.hi < 0 ? '#dc2626' : '#64748b';
    const x0 = Math.min(x(0), x(r.diff));
    parts.push(
      `<text x="${L - 8}" y="${fx(cy + 4)}" text-anchor="end">${e(r.label)}</text>`,
      `<rect x="${fx(x0)}" y="${fx(cy - 7)}" width="${fx(Math.abs(x(r.diff) - x(0)))}" height="14" fill="${color}" fill-opacity="0.35"/>`,
      `<line x1="${fx(x(r.lo))}" x2="${fx(x(r.hi))}" y1="${fx(cy)}" y2="${fx(cy)}" stroke="${color}" stroke-width="2"/>`,
      `<line x1="${fx(x(r.lo))}" x2="${fx(x(r.lo))}" y1="${fx(cy - 5)}" y2="${fx(cy + 5)}" stroke="${color}" stroke-width="2"/>`,
      `<line x1="${fx(x(r.hi))}" x2="${fx(x(r.hi))}" y1="${fx(cy - 5)}" y2="${fx(cy + 5)}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${W - R + 6}" y="${fx(cy + 4)}">${pp(r.diff)}${r.lift === null ? '' : ` (${r.lift >= 0 ? '+' : ''}${(r.lift * 100).toFixed(1)}%)`}</text>`,
    );
  });
  return figure(
    'Lift vs holdout: personalized − holdout per decision, 95% interval',
    W,
    H,
    parts.join(''),
  );
}

/** Per offer: shown → impressions → clicks → claims (→ converted), bars on one scale. */
function funnelChart(offers: OfferRow[], hasOrders: boolean): string {
  if (offers.length === 0) return '<p class="muted">No decisions with an offer.</p>';
  const stages: { key: keyof OfferRow; label: string }[] = [
    { key: 'shown', label: 'shown' },
    { key: 'impressions', label: 'impressions' },
    { key: 'clicks', label: 'clicks' },
    { key: 'claims', label: 'claims' },
    ...(hasOrders ? [{ key: 'converted' as const, label: 'converted' }] : []),
  ];
  const W = 640;
  const L = 170;
  const R = 70;
  const barH = 7;
  const groupH = stages.length * (barH + 1) + 10;
  const T = 26;
  const H = T + offers.length * groupH + 4;
  const max = Math.max(1, ...offers.map((o) => o.shown));
  const parts: string[] = [];
  stages.forEach((s, k) =>
    parts.push(
      `<rect x="${L + k * 92}" y="6" width="12" height="12" fill="${FUNNEL_COLORS[k]}"/><text x="${L + 16 + k * 92}" y="16">${s.label}</text>`,
    ),
  );
  offers.forEach((o, g) => {
    const top = T + g * groupH;
    parts.push(
      `<text x="${L - 8}" y="${fx(top + groupH / 2)}" text-anchor="end">${e(truncate(o.offerId, 26))}<title>${e(o.offerId)}</title></text>`,
    );
    stages.forEach((s, k) => {
      const v = Number(o[s.key] ?? 0);
      const w = (v / max) * (W - L - R);
      const yy = top + k * (barH + 1);
      parts.push(
        `<rect x="${L}" y="${fx(yy)}" width="${fx(Math.max(w, v > 0 ? 1 : 0))}" height="${barH}" fill="${FUNNEL_COLORS[k]}"><title>${e(o.offerId)} ${s.label}: ${int(v)}</title></rect>`,
      );
      if (k === 0 || k === stages.length - 1)
        parts.push(
          `<text x="${fx(L + w + 4)}" y="${fx(yy + barH)}" class="small">${int(v)}</text>`,
        );
    });
  });
  return figure(
    `Funnel per offer (${offers.length} with the most decisions)`,
    W,
    H,
    parts.join(''),
  );
}

/** Precision, recall and F1 against the propensity threshold. */
function targetingChart(curve: readonly Classification[], threshold: number): string {
  const W = 640;
  const H = 200;
  const L = 48;
  const R = 12;
  const T = 24;
  const B = 30;
  const x = (t: number) => L + t * (W - L - R);
  const y = (v: number) => T + (1 - v) * (H - T - B);
  const lines: { key: 'precision' | 'recall' | 'f1'; color: string }[] = [
    { key: 'precision', color: '#2563eb' },
    { key: 'recall', color: '#d97706' },
    { key: 'f1', color: '#16a34a' },
  ];
  const parts: string[] = [];
  for (let k = 0; k <= 4; k++) {
    parts.push(
      `<line x1="${L}" x2="${W - R}" y1="${fx(y(k / 4))}" y2="${fx(y(k / 4))}" class="grid"/>`,
      `<text x="${L - 6}" y="${fx(y(k / 4) + 4)}" text-anchor="end">${(k / 4).toFixed(2)}</text>`,
      `<text x="${fx(x(k / 4))}" y="${H - 12}" text-anchor="middle">${(k / 4).toFixed(2)}</text>`,
    );
  }
  parts.push(
    `<line x1="${fx(x(threshold))}" x2="${fx(x(threshold))}" y1="${T}" y2="${H - B}" class="axis" stroke-dasharray="4 3"/>`,
  );
  lines.forEach((l, k) => {
    const pts = curve
      .filter((c) => c[l.key] !== null)
      .map((c) => `${fx(x(c.threshold))},${fx(y(c[l.key]!))}`);
    if (pts.length > 0)
      parts.push(
        `<polyline points="${pts.join(' ')}" fill="none" stroke="${l.color}" stroke-width="2"/>`,
      );
    parts.push(
      `<rect x="${L + k * 110}" y="6" width="12" height="12" fill="${l.color}"/><text x="${L + 16 + k * 110}" y="16">${l.key}</text>`,
    );
  });
  return figure('Predicted to respond (propensity ≥ threshold) vs responded', W, H, parts.join(''));
}

/** The optimiser's best value so far (line) and each evaluation's value (dots) per evaluation. */
function convergenceChart(
  points: readonly { evaluation: number; value: number; best: number }[],
): string {
  const W = 640;
  const H = 220;
  const L = 56;
  const R = 12;
  const T = 24;
  const B = 30;
  const maxX = Math.max(1, ...points.map((p) => p.evaluation));
  const values = points.flatMap((p) => [p.value, p.best]);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo || 1;
  const x = (v: number) => L + (v / maxX) * (W - L - R);
  const y = (v: number) => T + (1 - (v - lo) / span) * (H - T - B);
  const parts: string[] = [];
  for (let k = 0; k <= 4; k++) {
    const v = lo + (span * k) / 4;
    parts.push(
      `<line x1="${L}" x2="${W - R}" y1="${fx(y(v))}" y2="${fx(y(v))}" class="grid"/>`,
      `<text x="${L - 6}" y="${fx(y(v) + 4)}" text-anchor="end">${e(v.toPrecision(3))}</text>`,
      `<text x="${fx(x((maxX * k) / 4))}" y="${H - 12}" text-anchor="middle">${Math.round((maxX * k) / 4)}</text>`,
    );
  }
  for (const p of points) {
    parts.push(
      `<circle cx="${fx(x(p.evaluation))}" cy="${fx(y(p.value))}" r="1.5" fill="#94a3b8"/>`,
    );
  }
  parts.push(
    `<polyline class="best" points="${points.map((p) => `${fx(x(p.evaluation))},${fx(y(p.best))}`).join(' ')}" fill="none" stroke="#16a34a" stroke-width="2"/>`,
  );
  return figure(
    'Best value so far (line) and each evaluation (dots), by evaluation',
    W,
    H,
    parts.join(''),
  );
}

const truncate = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function table(head: string[], rows: string[][], numericFrom = 1): string {
  return `<table><thead><tr>${head.map((h, i) => `<th${i >= numericFrom ? ' class="n"' : ''}>${e(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map(
      (r) =>
        `<tr>${r.map((c, i) => `<td${i >= numericFrom ? ' class="n"' : ''}>${c}</td>`).join('')}</tr>`,
    )
    .join('')}</tbody></table>`;
}

function holdoutRows(c: HoldoutComparison, hasOrders: boolean): string[][] {
  const rows: string[][] = [];
  const add = (label: string, m: HoldoutComparison['engaged']) => {
    if (!m) return;
    rows.push([
      e(c.placement),
      label,
      `${pct(m.personalized.rate)} (${int(m.personalized.x)}/${int(m.personalized.n)})`,
      `${pct(m.holdout.rate)} (${int(m.holdout.x)}/${int(m.holdout.n)})`,
      pp(m.diff),
      `${pp(m.lo)} … ${pp(m.hi)}`,
      m.lift === null ? '–' : `${(m.lift * 100).toFixed(1)}%`,
    ]);
  };
  add('engaged', c.engaged);
  add('claimed', c.claimed);
  if (hasOrders) add('converted', c.converted);
  const r = c.revenuePerDecision;
  if (r)
    rows.push([
      e(c.placement),
      'revenue / decision',
      money(r.mean1),
      money(r.mean2),
      `${r.diff >= 0 ? '+' : ''}${money(r.diff)}`,
      `${money(r.lo)} … ${money(r.hi)}`,
      r.lift === null ? '–' : `${(r.lift * 100).toFixed(1)}%`,
    ]);
  return rows;
}

/** Groups funnel rows (per offer, placement and arm) by offer. */
function byOffer(funnel: readonly OfferRow[]): OfferRow[] {
  const map = new Map<string, OfferRow>();
  for (const r of funnel) {
    const t = map.get(r.offerId);
    if (!t) {
      map.set(r.offerId, { ...r, placement: '*' });
      continue;
    }
    t.shown += r.shown;
    t.impressions += r.impressions;
    t.clicks += r.clicks;
    t.claims += r.claims;
    t.dismissals += r.dismissals;
    t.engaged += r.engaged;
    if (t.converted !== null && r.converted !== null) t.converted += r.converted;
  }
  return [...map.values()].sort((a, b) => b.shown - a.shown || (a.offerId < b.offerId ? -1 : 1));
}

function dailySeries(daily: readonly DailyRow[], pick: (r: DailyRow) => Rate | null) {
  const days = [...new Set(daily.map((r) => r.day))].sort();
  const index = new Map(days.map((d, i) => [d, i]));
  const series = (['personalized', 'holdout'] as const).map((name) => {
    const points: (Rate | null)[] = days.map(() => null);
    for (const r of daily) if (r.arm === name) points[index.get(r.day)!] = pick(r);
    return { name, points };
  });
  return { days, series: series.filter((s) => s.points.some((p) => p !== null)) };
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1000px;padding:0 16px;color:#0f172a;background:#fff}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #e2e8f0;padding-bottom:4px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{padding:3px 8px;border-bottom:1px solid #e2e8f0;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:12px 0}figcaption{font-weight:600;margin-bottom:4px}
svg{max-width:100%;height:auto;font-size:11px;fill:#334155}
svg .grid{stroke:#e2e8f0}svg .axis{stroke:#334155}svg .small{font-size:10px}
.muted{color:#64748b}.warn{background:#fef3c7;padding:6px 10px;border-radius:4px}
dt{font-weight:600;margin-top:6px}dd{margin-left:16px}
`;

export function renderHtml(report: EffectReport): string {
  const s = report.summary;
  const hasOrders = s.orders !== null;
  const h = report.holdout;
  const sections: string[] = [];

  sections.push(
    `<p class="muted">Feedback: ${report.inputs.feedback.map(e).join(', ')}${report.inputs.orders ? ` · orders: ${e(report.inputs.orders)}` : ''} · ${e(s.firstDay ?? '–')} to ${e(s.lastDay ?? '–')} (UTC)</p>`,
  );
  if (report.warnings.length > 0)
    sections.push(report.warnings.map((w) => `<p class="warn">${e(w)}</p>`).join(''));
  const summaryRows: string[][] = [
    ['batches (lines)', int(s.lines)],
    ['lines not read', int(s.badLines)],
    ['events (after dedupe)', int(s.events)],
    ['duplicates removed', int(s.duplicates)],
    ['invalid events', int(s.invalidEvents)],
    ['anonymous events', int(s.anonymousEvents)],
    ['decisions', int(s.decisions)],
    ['decision-offer pairs', int(s.pairs)],
    ...Object.entries(s.dropped).map(([k, v]) => [`dropped by clients: ${e(k)}`, int(v)]),
    ...(s.orders
      ? [
          ['orders', int(s.orders.orders)],
          ['orders matched to a decision', int(s.orders.matchedOrders)],
          ['attributed revenue', money(s.orders.matchedRevenue)],
        ]
      : []),
  ];
  sections.push(`<h2>Summary</h2>${table(['', 'value'], summaryRows)}`);

  // Rates over time
  const ctr = dailySeries(report.daily, (r) => r.clickThrough);
  const claim = dailySeries(report.daily, (r) => r.claimRate);
  const eng = dailySeries(report.daily, (r) => r.engagement);
  sections.push(
    `<h2>Rates over time</h2><p class="muted">Per UTC day, shaded: 95% Wilson interval.</p>` +
      rateChart('Click-through (clicks / impressions)', ctr.days, ctr.series) +
      rateChart('Claim rate (claims / impressions)', claim.days, claim.series) +
      rateChart('Engaged decisions (a click or claim / decisions)', eng.days, eng.series) +
      (hasOrders
        ? (() => {
            const conv = dailySeries(report.daily, (r) => r.conversion);
            return rateChart(
              'Converted decisions (an attributed order / decisions)',
              conv.days,
              conv.series,
            );
          })()
        : ''),
  );

  // Holdout
  const liftRows: { label: string; diff: number; lo: number; hi: number; lift: number | null }[] =
    [];
  for (const c of [h.overall, ...(h.byPlacement.length > 1 ? h.byPlacement : [])]) {
    for (const key of ['engaged', 'claimed', 'converted'] as const) {
      const m = c[key];
      if (m)
        liftRows.push({
          label: `${c.placement} · ${key}`,
          diff: m.diff,
          lo: m.lo,
          hi: m.hi,
          lift: m.lift,
        });
    }
  }
  sections.push(
    `<h2>Personalized vs holdout</h2><p class="muted">Unit: decision. Personalized ${int(h.overall.personalized.decisions)} decisions, holdout ${int(h.overall.holdout.decisions)}.</p>` +
      liftChart(liftRows) +
      table(
        ['placement', 'metric', 'personalized', 'holdout', 'difference', '95% interval', 'lift'],
        [h.overall, ...h.byPlacement].flatMap((c) => holdoutRows(c, hasOrders)),
        2,
      ),
  );

  if (report.optimiser && report.optimiser.points.length > 0) {
    const o = report.optimiser;
    const last = o.points[o.points.length - 1]!;
    sections.push(
      `<h2>Optimiser convergence</h2><p class="muted">${e(o.file)}${o.method ? ` · ${e(o.method)}` : ''} · ${int(last.evaluation)} evaluations · best ${e(last.best.toPrecision(4))}</p>` +
        convergenceChart(o.points),
    );
  }

  // Funnel
  const offers = byOffer(report.funnel);
  sections.push(
    `<h2>Funnel per offer</h2>` +
      funnelChart(offers.slice(0, MAX_FUNNEL_OFFERS), hasOrders) +
      table(
        [
          'offer',
          'placement',
          'arm',
          'shown',
          'impr.',
          'viewable',
          'clicks',
          'CTR',
          'claims',
          'claim rate',
          'dismiss rate',
          'participation',
          ...(hasOrders ? ['conversion', 'revenue'] : []),
        ],
        report.funnel.map((r) => [
          e(r.offerId),
          e(r.placement),
          e(r.arm ?? ''),
          int(r.shown),
          int(r.impressions),
          pct(r.viewableRate, 1),
          int(r.clicks),
          pct(r.clickThrough),
          int(r.claims),
          pct(r.claimRate),
          pct(r.dismissRate),
          pct(r.participation),
          ...(hasOrders ? [pct(r.conversion), money(r.revenue)] : []),
        ]),
        3,
      ),
  );

  // Targeting
  const tg = report.targeting;
  const cls = (c: Classification | null, label: string) =>
    c
      ? [
          label,
          c.threshold.toFixed(2),
          int(c.tp),
          int(c.fp),
          int(c.fn),
          int(c.tn),
          pct(c.precision, 1),
          pct(c.recall, 1),
          c.f1 === null ? '–' : c.f1.toFixed(3),
        ]
      : [label, '–', '–', '–', '–', '–', '–', '–', '–'];
  sections.push(
    `<h2>Predicted to respond vs responded</h2><p class="muted">${int(tg.population)} personalized decision-offer pairs with an impression, ${int(tg.responded)} responded (clicked or claimed).</p>` +
      targetingChart(tg.sweep, tg.threshold.threshold) +
      table(
        ['', 'threshold', 'TP', 'FP', 'FN', 'TN', 'precision', 'recall', 'F1'],
        [cls(tg.threshold, 'chosen threshold'), cls(tg.best, 'best F1')],
      ),
  );

  // Per offer, placement and day
  const rows = report.offers.slice(0, MAX_OFFER_ROWS);
  sections.push(
    `<h2>Per offer, placement and day</h2>` +
      (report.offers.length > rows.length
        ? `<p class="muted">First ${rows.length} of ${report.offers.length} rows; all are in report.json.</p>`
        : '') +
      table(
        [
          'offer',
          'placement',
          'day',
          'shown',
          'impr.',
          'viewable',
          'CTR',
          'claim rate',
          'participation',
          ...(hasOrders ? ['conversion', 'revenue'] : []),
        ],
        rows.map((r) => [
          e(r.offerId),
          e(r.placement),
          e(r.day ?? ''),
          int(r.shown),
          int(r.impressions),
          pct(r.viewableRate, 1),
          pct(r.clickThrough),
          pct(r.claimRate),
          pct(r.participation),
          ...(hasOrders ? [pct(r.conversion), money(r.revenue)] : []),
        ]),
        3,
      ),
  );
  if (report.anonymous.length > 0)
    sections.push(
      `<h2>Anonymous events (no decision id)</h2>` +
        table(
          ['offer', 'placement', 'day', 'impressions', 'clicks', 'claims', 'dismissals'],
          report.anonymous
            .slice(0, MAX_OFFER_ROWS)
            .map((r) => [
              e(r.offerId),
              e(r.placement),
              e(r.day),
              int(r.impressions),
              int(r.clicks),
              int(r.claims),
              int(r.dismissals),
            ]),
          3,
        ),
    );
  sections.push(
    `<h2>Definitions</h2><dl>${Object.entries(report.definitions)
      .map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v)}</dd>`)
      .join('')}</dl>`,
  );

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>offerwise effect report</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Effect report</h1>
${sections.join('\n')}
</body>
</html>
`;
}
