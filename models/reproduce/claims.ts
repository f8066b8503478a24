/**
 * Every number the README and the docs it links quote for the tables `npm run reproduce`
 * rebuilds, where it is written and which reproduced quantity it stands for. The unit test
 * (claims.test.ts) finds each quote at its place in its doc, so editing a doc number without
 * editing it here fails the test. Left out on purpose: the published session-rec anchors (other
 * people's numbers), "before" figures of earlier models (the two-head MLP's replay and in-sample
 * numbers, the recommendations "before this work"), and the ranges in the prose below the OPE
 * coverage table (summaries over its cells, not outputs of a run).
 */
import { halfUnits, numbersIn, type Claim, type Part } from './compare.js';

interface Place {
  doc: string;
  section: string;
  row?: string | readonly string[];
  cell?: number;
  near?: string;
}

/** A claim whose value and tolerance are the quote's numbers and half their last digits. */
function quote(part: Part, table: string, key: string, place: Place, quoted: string): Claim {
  const value = numbersIn(quoted);
  const halves = halfUnits(quoted);
  return {
    part,
    table,
    id: `${place.doc}#${key}`,
    ...place,
    quoted,
    value: value.length === 1 ? value[0]! : value,
    tolerance: halves.every((h) => h === halves[0]) ? halves[0]! : halves,
    key,
  };
}

/** A claim of a text (a family, a hash): it matches only exactly. */
function text(
  part: Part,
  table: string,
  key: string,
  place: Place,
  quoted: string,
  value: string,
): Claim {
  return { ...quote(part, table, key, place, quoted), value, tolerance: 0 };
}

/** Claims may quote one quantity in several docs: the id is made unique with a suffix. */
function suffixed(claim: Claim, suffix: string): Claim {
  return { ...claim, id: `${claim.id}~${suffix}` };
}

// ---- model -------------------------------------------------------------------------------

const README = 'README.md';
const MODEL_MD = 'docs/model.md';
const LEARNING_MD = 'docs/learning.md';
const RECS_MD = 'docs/recommendations.md';
const ANALYTICS_MD = 'docs/analytics.md';
const REPORT_MD = 'models/REPORT.md';

/** The CV tables' rows: family, its README label, its docs/model.md label, then the numbers. */
const CV_ROWS = [
  [
    'uplift-tree',
    'uplift tree (shipped)',
    'uplift-tree (**shipped**)',
    '1,352',
    '0.0402 ± 0.0123',
    '0.0614 ± 0.0192',
    '0.0190 ± 0.0242',
    '0.0027 ± 0.0162',
    '0.6079 ± 0.0143',
  ],
  [
    'two-head-mlp',
    'two-head MLP',
    'two-head-mlp',
    '5,763',
    '0.0335 ± 0.0147',
    '0.0560 ± 0.0227',
    '0.0110 ± 0.0157',
    '−0.0030 ± 0.0109',
    '0.6389 ± 0.0077',
  ],
  [
    'uplift-forest',
    'uplift random forest',
    'uplift-forest',
    '68,396',
    '0.0273 ± 0.0103',
    '0.0494 ± 0.0121',
    '0.0052 ± 0.0210',
    '−0.0215 ± 0.0209',
    '0.6252 ± 0.0065',
  ],
  [
    'two-model-logistic',
    'two-model logistic',
    'two-model-logistic',
    '1,037',
    '0.0245 ± 0.0173',
    '0.0478 ± 0.0284',
    '0.0012 ± 0.0165',
    '−0.0175 ± 0.0115',
    '0.6363 ± 0.0083',
  ],
  [
    'linear-svm',
    'linear SVM (Platt)',
    'linear-svm',
    '1,037',
    '0.0236 ± 0.0203',
    '0.0425 ± 0.0333',
    '0.0046 ± 0.0133',
    '−0.0062 ± 0.0156',
    '0.6349 ± 0.0082',
  ],
  [
    'boosted-t-learner',
    'boosted T-learner',
    'boosted-t-learner',
    '48,277',
    '0.0198 ± 0.0191',
    '0.0316 ± 0.0146',
    '0.0080 ± 0.0285',
    '−0.0132 ± 0.0175',
    '0.6390 ± 0.0065',
  ],
] as const;

const CV_SECTION = 'What cross-validation showed';

function cvClaims(): Claim[] {
  const out: Claim[] = [];
  for (const [family, readme, doc, bytes, selection, womens, mens, any, aucVisit] of CV_ROWS) {
    const k = (m: string) => `cv.${family}.${m}`;
    const inReadme = (cell: number) => ({
      doc: README,
      section: 'The offer model',
      row: readme,
      cell,
    });
    out.push(
      quote('model', 'cv', k('bytes'), inReadme(1), bytes),
      quote('model', 'cv', k('womens'), inReadme(2), womens),
      quote('model', 'cv', k('mens'), inReadme(3), mens),
      quote('model', 'cv', k('any'), inReadme(4), any),
    );
    const inDoc = (cell: number) => ({ doc: MODEL_MD, section: CV_SECTION, row: doc, cell });
    out.push(
      quote('model', 'cv', k('bytes'), inDoc(1), bytes),
      quote('model', 'cv', k('selection'), inDoc(2), selection),
      quote('model', 'cv', k('womens'), inDoc(3), womens),
      quote('model', 'cv', k('mens'), inDoc(4), mens),
      quote('model', 'cv', k('any'), inDoc(5), any),
      quote('model', 'cv', k('auc_visit'), inDoc(6), aucVisit),
    );
  }
  // The men's-arm study repeats the CV rows of three families.
  const study = [
    ['two-model-logistic', 'two-model logistic (pooled arms)'],
    ['linear-svm', 'linear SVM (pooled arms)'],
    ['uplift-tree', 'uplift tree (shipped; from the table above)'],
  ] as const;
  for (const [family, label] of study) {
    const row = CV_ROWS.find((r) => r[0] === family)!;
    (['womens', 'mens', 'any'] as const).forEach((arm, i) => {
      const place = { doc: MODEL_MD, section: "The men's arm", row: label, cell: i + 1 };
      out.push(suffixed(quote('model', 'cv', `cv.${family}.${arm}`, place, row[5 + i]!), 'study'));
    });
  }
  return out;
}

const SHIPPED_SHA256 = 'e8a869cbda6c66b10ea34c5d5cb4876c3ab66070c5b862ed4855cc6deb47490c';

const shippedClaims = (): Claim[] => [
  text(
    'model',
    'cv',
    'shipped.family',
    { doc: MODEL_MD, section: CV_SECTION, row: 'uplift-tree (**shipped**)', cell: 0 },
    'uplift-tree (**shipped**)',
    'uplift-tree',
  ),
  quote(
    'model',
    'shipped',
    'shipped.bytes',
    { doc: MODEL_MD, section: CV_SECTION, near: '(2,127 bytes with its metadata' },
    '2,127',
  ),
  quote(
    'model',
    'cv',
    'cv.uplift-tree.womens_range',
    { doc: MODEL_MD, section: CV_SECTION, near: "the tree's womens Qini 0.034–0.079" },
    '0.034–0.079',
  ),
  suffixed(
    quote(
      'model',
      'shipped',
      'shipped.bytes',
      { doc: REPORT_MD, section: 'The default offer model', near: '`default.onnx` (2127 bytes' },
      '2127',
    ),
    'report',
  ),
  text(
    'model',
    'shipped',
    'shipped.sha256',
    {
      doc: REPORT_MD,
      section: 'The default offer model',
      near: `(2127 bytes, SHA-256 \`${SHIPPED_SHA256}\`)`,
    },
    SHIPPED_SHA256,
    SHIPPED_SHA256,
  ),
];

const inSample = (key: string, near: string, quoted: string) =>
  quote('model', 'eval', key, { doc: MODEL_MD, section: CV_SECTION, near }, quoted);

const evalClaims = (): Claim[] => [
  inSample('eval.womens', 'the shipped tree gives Qini AUC 0.0759 (womens)', '0.0759'),
  inSample('eval.mens', '0.0759 (womens), 0.0309 (mens)', '0.0309'),
  inSample('eval.any', '0.0309 (mens), 0.0250 (any)', '0.0250'),
  inSample('eval.auc_visit', '0.0250 (any) and AUC visit 0.614', '0.614'),
];

function replayClaims(): Claim[] {
  const out: Claim[] = [];
  const modelRows = [
    ['uplift', 'uplift ranking (the model: uplift tree; two-head MLP before)', '70.4', '18.5'],
    ['most_likely_to_buy', 'most likely to buy first', '67.2', '19.8'],
    [
      'biggest_discount',
      'biggest discount first (a tie: always the first e-mail, random targeting)',
      '76.8',
      '22.0',
    ],
    ['random', 'random', '59.9', '18.7'],
  ] as const;
  // One replay table row: its "everyone" and "targeted (top 30%)" cells.
  const table = (
    doc: string,
    section: string,
    rows: readonly (readonly [string, string, string, string])[],
  ) => {
    for (const [policy, row, ...values] of rows) {
      (['everyone', 'targeted'] as const).forEach((column, i) =>
        out.push(
          quote(
            'model',
            'replay',
            `replay.${policy}.${column}`,
            { doc, section, row, cell: i + 1 },
            values[i]!,
          ),
        ),
      );
    }
  };
  table(MODEL_MD, 'Offline replay: does uplift ranking pay?', modelRows);
  const learningRows = [
    ['uplift', 'uplift (the model: uplift tree)', '70.4', '18.5'],
    ['most_likely_to_buy', 'most likely to buy', '67.2', '19.8'],
    ['biggest_discount', "biggest discount (= men's)", '76.8', '22.0'],
    ['random', 'random', '59.9', '18.7'],
    ['learned', 'learned, ε = 2, nearest group', '76.8', '26.9'],
    ['learned_exact', 'learned, exact groups, nearest group', '76.8', '26.9'],
  ] as const;
  const hillstrom = 'Hillstrom (real data)';
  table(LEARNING_MD, hillstrom, learningRows);
  // The replay's standard errors and the learned policy's paired differences (cells 3–5).
  const paired = [
    ['uplift', 'uplift (the model: uplift tree)', '4.3 / 2.6', '+6.3 ± 3.8', '+8.5 ± 3.2'],
    ['most_likely_to_buy', 'most likely to buy', '4.3 / 2.7', '+9.5 ± 3.7', '+7.1 ± 3.3'],
    ['biggest_discount', "biggest discount (= men's)", '4.4 / 2.4', null, '+4.9 ± 2.9'],
    ['random', 'random', '4.3 / 2.4', '+16.9 ± 3.4', '+8.2 ± 3.0'],
    ['learned', 'learned, ε = 2, nearest group', '4.4 / 2.5', null, null],
  ] as const;
  for (const [policy, row, se, everyone, targeted] of paired) {
    const at = (cell: number) => ({ doc: LEARNING_MD, section: hillstrom, row, cell });
    out.push(quote('model', 'replay', `replay.${policy}.se`, at(3), se));
    if (everyone)
      out.push(
        quote('model', 'replay', `replay.learned_minus.${policy}.everyone`, at(4), everyone),
      );
    if (targeted)
      out.push(
        quote('model', 'replay', `replay.learned_minus.${policy}.targeted`, at(5), targeted),
      );
  }
  out.push(
    quote(
      'model',
      'replay',
      'replay.rows',
      { doc: LEARNING_MD, section: hillstrom, near: 'over sending nothing, 44,809 rows' },
      '44,809',
    ),
  );
  const loop = { doc: README, section: 'The learning loop' };
  out.push(
    quote(
      'model',
      'replay',
      'replay.learned.everyone',
      { ...loop, near: "rule's choice too (76.8 =" },
      '76.8',
    ),
    quote(
      'model',
      'replay',
      'replay.biggest_discount.everyone',
      { ...loop, near: '= 76.8). [Details]' },
      '76.8',
    ),
    quote(
      'model',
      'replay',
      'replay.learned.targeted',
      { ...loop, near: 'top 30% gains 26.9 visits' },
      '26.9',
    ),
    quote(
      'model',
      'replay',
      'replay.biggest_discount.targeted',
      { ...loop, near: '(best: 22.0;' },
      '22.0',
    ),
    quote(
      'model',
      'replay',
      'replay.learned_minus.biggest_discount.targeted',
      { ...loop, near: '22.0; +4.9 ± 2.9)' },
      '+4.9 ± 2.9',
    ),
  );
  return out;
}

// ---- recs --------------------------------------------------------------------------------

const RESULTS = 'Results on YOOCHOOSE';

function recsClaims(): Claim[] {
  const readme = { doc: README, section: 'Recommendations' };
  const out: Claim[] = [
    quote(
      'recs',
      'session_rec',
      'recs.session_rec.method',
      { ...readme, row: 'sequential rules / AR / GRU4Rec / V-SKNN', cell: 2 },
      '0.659 / 0.370',
    ),
    quote(
      'recs',
      'not_yet_viewed',
      'recs.not_yet_viewed.method',
      {
        ...readme,
        row: 'neural (NARM, STAMP, SR-GNN; server-trained)',
        cell: 2,
        near: 'not yet viewed (`discover`): **0.492 / 0.232**',
      },
      '0.492 / 0.232',
    ),
    quote(
      'recs',
      'session_rec',
      'recs.session_rec.popularity',
      {
        ...readme,
        row: 'neural (NARM, STAMP, SR-GNN; server-trained)',
        cell: 2,
        near: 'popularity 0.088 / 0.013',
      },
      '0.088 / 0.013',
    ),
  ];
  const results = { doc: RECS_MD, section: RESULTS };
  const counts = [
    ['recs.train_sessions', '(13,629 sessions, 2,873 items)', '13,629'],
    ['recs.items', '13,629 sessions, 2,873 items', '2,873'],
    ['recs.validation_sessions', '(2,311 sessions, 6,485 predictions)', '2,311'],
    ['recs.validation_predictions', '2,311 sessions, 6,485 predictions', '6,485'],
    ['recs.test_sessions', 'test = the last day (4,163 sessions;', '4,163'],
    ['recs.test_sessions_session_rec', '4,082 after the session-rec filter', '4,082'],
    ['recs.session_rec.method.n', '12,449 predictions; 7,998 not yet viewed', '12,449'],
    ['recs.not_yet_viewed.method.n', '7,998 not yet viewed', '7,998'],
  ] as const;
  for (const [key, near, quoted] of counts) {
    out.push(quote('recs', 'counts', key, { ...results, near }, quoted));
  }
  out.push(
    quote(
      'recs',
      'tuning',
      'recs.grid_size',
      {
        doc: RECS_MD,
        section: 'Evaluation: `npm run eval:recs`',
        near: 'about 3 minutes (298 grid points)',
      },
      '298',
    ),
  );
  const first = [
    [
      'session_rec.method',
      '**offerwise `for-you`** (last day, repeats included)',
      '0.659',
      '0.370',
    ],
    ['session_rec.interest_off', 'offerwise, interest off', '0.659', '0.370'],
    ['session_rec.neighbours_only', 'offerwise, neighbours only (no repeats)', '0.440', '0.188'],
    ['session_rec.popularity', 'popularity', '0.088', '0.013'],
  ] as const;
  for (const [protocol, row, hr, mrr] of first) {
    out.push(
      quote('recs', 'session_rec', `recs.${protocol}.hr`, { ...results, row, cell: 1 }, hr),
      quote('recs', 'session_rec', `recs.${protocol}.mrr`, { ...results, row, cell: 2 }, mrr),
    );
  }
  const second = [
    [
      'not_yet_viewed.method',
      'not yet viewed (`discover`, repeats excluded)',
      '0.492',
      '0.232',
      '0.915',
    ],
    ['not_yet_viewed.popularity', 'not yet viewed, popularity', '0.062', '0.010', undefined],
    ['method', 'first protocol now (`method`)', '0.647', '0.365', '0.977'],
    [
      'session_rec.cold_items',
      'cold next items (< 5 training sessions)',
      '0.498',
      '0.295',
      undefined,
    ],
    [
      'session_rec.cold_items_neighbours_only',
      'cold next items, neighbours only',
      '0.269',
      '0.088',
      undefined,
    ],
  ] as const;
  for (const [protocol, row, hr, mrr, coverage] of second) {
    const table = protocol.startsWith('not_yet_viewed') ? 'not_yet_viewed' : 'session_rec';
    out.push(
      quote('recs', table, `recs.${protocol}.hr`, { ...results, row, cell: 1 }, hr),
      quote('recs', table, `recs.${protocol}.mrr`, { ...results, row, cell: 2 }, mrr),
    );
    if (coverage)
      out.push(
        quote('recs', table, `recs.${protocol}.coverage`, { ...results, row, cell: 3 }, coverage),
      );
  }
  // The grid's best validation MRR@20 per setting value: [row, tune's setting name, values].
  const marginals = [
    [
      'window',
      'window',
      [
        ['1', '0.3778'],
        ['2', '0.3801'],
        ['3', '0.3802'],
        ['5', '0.3803'],
        ['10', '0.3803'],
      ],
    ],
    [
      'decay',
      'decay',
      [
        ['harmonic', '0.3803'],
        ['linear', '0.3802'],
        ['quadratic', '0.3803'],
      ],
    ],
    [
      'backward',
      'backward',
      [
        ['0', '0.3784'],
        ['1', '0.3801'],
        ['0.5', '0.3803'],
      ],
    ],
    [
      'co-occurrence',
      'cooccurrence',
      [
        ['0', '0.3800'],
        ['0.2', '0.3803'],
      ],
    ],
    [
      'popularity exponent',
      'popularityExponent',
      [
        ['0', '0.3803'],
        ['0.25', '0.3795'],
        ['0.5', '0.3767'],
      ],
    ],
    [
      'repeat scale',
      'repeatWeight',
      [
        ['1', '0.3226'],
        ['2', '0.3598'],
        ['4', '0.3760'],
        ['8', '0.3804'],
      ],
    ],
    [
      'k',
      'k',
      [
        ['20', '0.3803'],
        ['50', '0.3804'],
      ],
    ],
    [
      'recency decay (browser)',
      'recencyDecay',
      [
        ['0.1', '0.3799'],
        ['0.3', '0.3804'],
        ['0.5', '0.3802'],
        ['0.7', '0.3789'],
      ],
    ],
    [
      'popularity weight (browser)',
      'popularityWeight',
      [
        ['0.01', '0.3804'],
        ['0.05', '0.3795'],
      ],
    ],
  ] as const;
  for (const [row, setting, values] of marginals) {
    for (const [value, mrr] of values) {
      out.push(
        quote(
          'recs',
          'marginals',
          `recs.marginal.${setting}.${value}`,
          { ...results, row, cell: 1, near: `${value}: ${mrr}` },
          mrr,
        ),
      );
    }
  }
  return out;
}

// ---- analytics ---------------------------------------------------------------------------

const OPTIMISER = 'Optimiser: `npm run optimize`';

function optimiserClaims(): Claim[] {
  const rows = [
    [
      'quadratic',
      '300',
      '99.50% (98.75%)',
      '99.67% (98.64%)',
      '99.91% (99.67%)',
      '95.36% (92.81%)',
      '0 / 1 / 7 / 0 of 20',
    ],
    [
      'quadratic',
      '1000',
      '100.00% (100.00%)',
      '100.00% (100.00%)',
      '100.00% (100.00%)',
      '96.74% (95.20%)',
      '20 / 20 / 20 / 0',
    ],
    [
      'quadratic',
      '3000',
      '100.00% (100.00%)',
      '100.00% (100.00%)',
      '100.00% (100.00%)',
      '97.82% (96.24%)',
      '20 / 20 / 20 / 0',
    ],
    [
      'rastrigin',
      '300',
      '98.22% (96.82%)',
      '95.08% (87.99%)',
      '95.56% (87.46%)',
      '88.30% (83.26%)',
      '0 / 0 / 0 / 0',
    ],
    [
      'rastrigin',
      '1000',
      '99.99% (99.82%)',
      '99.98% (99.82%)',
      '99.83% (99.12%)',
      '90.50% (86.70%)',
      '19 / 18 / 10 / 0',
    ],
    [
      'rastrigin',
      '3000',
      '100.00% (100.00%)',
      '100.00% (100.00%)',
      '100.00% (100.00%)',
      '92.94% (88.43%)',
      '20 / 20 / 20 / 0',
    ],
  ] as const;
  const out: Claim[] = [];
  for (const [objective, budget, ga, sa, pso, random, hits] of rows) {
    const place = (cell: number) => ({
      doc: ANALYTICS_MD,
      section: OPTIMISER,
      row: [objective, budget],
      cell,
    });
    const k = (m: string) => `optimiser.${objective}.${budget}.${m}`;
    out.push(
      quote('analytics', 'optimiser', k('ga'), place(2), ga),
      quote('analytics', 'optimiser', k('sa'), place(3), sa),
      quote('analytics', 'optimiser', k('pso'), place(4), pso),
      quote('analytics', 'optimiser', k('random'), place(5), random),
      quote(
        'analytics',
        'optimiser',
        k(hits.includes(' of ') ? 'hits_of_seeds' : 'hits'),
        place(6),
        hits,
      ),
    );
  }
  return out;
}

// ---- ope ---------------------------------------------------------------------------------

const OPE_SECTION = 'Off-policy evaluation: `npm run ope`';

/**
 * docs/analytics.md's coverage table: policy, reward, catalog, then the cells as written. A `—`
 * (no reported row) is no number: the quote holds the exact one only, so a reported value where
 * the doc has none makes the claim differ.
 */
const OPE_ROWS = [
  ['uniform', 'claim', 'standard', '41%', '94% / —', '94% / —', '95%', '−3.0e-4 / —'],
  ['uniform', 'net', 'standard', '41%', '90% / —', '92% / —', '92%', '0.048 / —'],
  [
    'biggest_discount',
    'claim',
    'standard',
    '5%',
    '93% / 92%',
    '93% / 93%',
    '94%',
    '1.5e-3 / 1.5e-3',
  ],
  ['biggest_discount', 'net', 'standard', '5%', '93% / 92%', '92% / 92%', '91%', '0.34 / 0.34'],
  ['greedy', 'claim', 'standard', '98%', '95% / 94%', '95% / 94%', '96%', '−1.1e-4 / −1.1e-4'],
  ['greedy', 'net', 'standard', '98%', '90% / 90%', '90% / 90%', '91%', '−0.015 / −0.015'],
  ['warm', 'claim', 'standard', '58%', '93% / 93%', '95% / 95%', '95%', '−2.0e-4 / −2.0e-4'],
  ['warm', 'net', 'standard', '58%', '92% / 91%', '92% / 92%', '92%', '0.034 / 0.034'],
  ['revenue', 'claim', 'standard', '29%', '92% / 93%', '91% / 91%', '91%', '−1.4e-3 / −1.4e-3'],
  ['revenue', 'net', 'standard', '29%', '91% / 90%', '90% / 91%', '91%', '−0.064 / −0.064'],
  ['revenue', 'claim', 'wide', '20% / 20%', '95% / 95%', '95% / 95%', '95%', '−7.0e-4 / −7.3e-4'],
  ['revenue', 'net', 'wide', '20% / 20%', '97% / 96%', '96% / 96%', '95%', '0.21 / 0.21'],
] as const;

function opeClaims(): Claim[] {
  const out: Claim[] = [];
  for (const [policy, reward, catalog, ess, ips, snips, dr, bias] of OPE_ROWS) {
    const place = (cell: number) => ({
      doc: ANALYTICS_MD,
      section: OPE_SECTION,
      row: [policy, reward, catalog],
      cell,
    });
    const k = (m: string) => `ope.${catalog}.${policy}.${reward}.${m}`;
    out.push(
      // One ESS for the standard catalog, whose reported odds are the exact ones.
      quote('ope', 'coverage', k(catalog === 'standard' ? 'ess_exact' : 'ess'), place(3), ess),
      quote('ope', 'coverage', k('ips'), place(4), ips),
      quote('ope', 'coverage', k('snips'), place(5), snips),
      quote('ope', 'coverage', k('dr'), place(6), dr),
      quote('ope', 'coverage', k('bias_ips'), place(7), bias),
    );
  }
  const section = { doc: ANALYTICS_MD, section: OPE_SECTION };
  out.push(
    quote(
      'ope',
      'standard',
      'ope.standard.decisions',
      { ...section, near: '(2,691 personalized decisions a run)' },
      '2,691',
    ),
    quote(
      'ope',
      'wide',
      'ope.wide.decisions',
      { ...section, near: '(2,699 decisions a run,' },
      '2,699',
    ),
    quote(
      'ope',
      'wide',
      'ope.wide.revenue.net.width_ips',
      { ...section, near: '(wide `revenue` net: 5.30 / 5.30 for IPS)' },
      '5.30 / 5.30',
    ),
  );
  return out;
}

export const CLAIMS: readonly Claim[] = [
  ...cvClaims(),
  ...shippedClaims(),
  ...evalClaims(),
  ...replayClaims(),
  ...recsClaims(),
  ...optimiserClaims(),
  ...opeClaims(),
];

export function claimsOf(part: Part): Claim[] {
  return CLAIMS.filter((c) => c.part === part);
}
