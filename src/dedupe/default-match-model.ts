import type { MatchModel } from './pair-scoring.ts';

/**
 * Default match model: log2-odds per comparison level, fitted by `fitLevelWeights` (logistic regression, L2 = 1,
 * "missing" levels held at 0) on 55823 labelled candidate pairs from the generator with training
 * seeds 1001, 1002, 1003 at 60000 deals each. The benchmark evaluates on other seeds. Regenerate with
 * `node --import tsx bench/dedupe/calibrate-weights.ts --write`.
 */
export const DEFAULT_MATCH_MODEL: MatchModel = {
  interceptBits: -10.7,
  bits: {
    account: {
      same_id: 3.5,
      same_domain: 4.4,
      same_name: 1.11,
      similar_name: 2.27,
      contained: -6.71,
      weak: -4.58,
    },
    dealName: {
      exact: 0.79,
      high: 0.69,
      some: -0.21,
      none: -1.27,
    },
    amount: {
      same: 5.24,
      within_3: 2.25,
      within_10: 1,
      within_25: -5.45,
      far: -9.05,
      missing: 0,
    },
    closeDate: {
      same: 6.04,
      within_7: 3.06,
      within_30: 1.61,
      within_60: 1.94,
      within_120: -5.07,
      missing: 0,
    },
    created: {
      within_7: 1.63,
      within_60: 1.49,
      within_400: -1.71,
      far: -1.41,
    },
    products: {
      same: 2.32,
      overlap: -1.25,
      missing: 0,
    },
    intent: {
      same: 1.3,
      missing: 0,
      different: -9.38,
    },
    nameYear: {
      same: 0.62,
      missing: 0,
      different: -0.89,
    },
    registrants: {
      same: 1.63,
      different: 0.61,
      one: -2.79,
      none: 0.55,
    },
    currency: {
      same: 3.8,
      missing: 0,
      different: -3.8,
    },
    region: {
      same: 1.35,
      missing: 0,
      different: -1.35,
    },
    legalForm: {
      same: 0.3,
      missing: 0,
      different: -2.82,
    },
    owner: {
      same: -0.52,
      different: 0.52,
      missing: 0,
    },
  },
};
