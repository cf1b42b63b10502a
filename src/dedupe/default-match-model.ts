import type { MatchModel } from './pair-scoring.ts';

/**
 * Default match model: log2-odds per comparison level, fitted by `fitLevelWeights` (logistic regression, L2 = 1,
 * "missing" levels held at 0) on 42346 labelled candidate pairs from the generator with training
 * seeds 1001, 1002, 1003 at 60000 deals each. The benchmark evaluates on other seeds. Regenerate with
 * `node --import tsx bench/dedupe/calibrate-weights.ts --write`.
 */
export const DEFAULT_MATCH_MODEL: MatchModel = {
  interceptBits: -10.74,
  bits: {
    account: {
      same_id: 3.7,
      same_domain: 4.17,
      same_name: 0.85,
      similar_name: 2.44,
      contained: -6.57,
      weak: -4.6,
    },
    dealName: {
      exact: 0.58,
      high: 0.42,
      some: -0.29,
      none: -0.71,
    },
    amount: {
      same: 5.02,
      within_3: 1.99,
      within_10: 0.92,
      within_25: -5.29,
      far: -8.54,
      missing: 0,
    },
    closeDate: {
      same: 6.03,
      within_7: 3.27,
      within_30: 1.77,
      within_60: 2.06,
      within_120: -4.75,
      missing: 0,
    },
    created: {
      within_7: 1.67,
      within_60: 1.4,
      within_400: -1.69,
      far: -1.38,
    },
    products: {
      same: 2.79,
      overlap: 1.01,
      missing: 0,
    },
    intent: {
      same: 1.36,
      missing: 0,
      different: -10.11,
    },
    nameYear: {
      same: 1.11,
      missing: 0,
      different: -0.82,
    },
    registrants: {
      same: 1.7,
      different: 0.57,
      one: -2.77,
      none: 0.5,
    },
    currency: {
      same: 3.53,
      missing: 0,
      different: -3.53,
    },
    region: {
      same: 1.38,
      missing: 0,
      different: -1.38,
    },
    legalForm: {
      same: 0.27,
      missing: 0,
      different: -3.15,
    },
    owner: {
      same: -0.3,
      different: 0.3,
      missing: 0,
    },
  },
};
