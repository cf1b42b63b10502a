import { describe, expect, it } from 'vitest';
import { CRM_PROPERTIES, type CrmPropertyWriter, crmPropertyNameOf, crmPropertyNamesOf } from './crm-properties.ts';

describe('the CRM property catalogue', () => {
  it('given every entry, then each name is a pl_ snake_case name and appears once', () => {
    const names = CRM_PROPERTIES.map((property) => property.name);
    for (const name of names) expect(name).toMatch(/^pl_[a-z0-9_]+$/);
    expect(new Set(names).size).toBe(names.length);
  });

  it('given a choice, then it lists its options, each value once; other kinds list none', () => {
    for (const property of CRM_PROPERTIES) {
      const options: readonly { value: string }[] = 'options' in property ? property.options : [];
      if (property.kind === 'choice') {
        expect(options.length, property.name).toBeGreaterThan(0);
        expect(new Set(options.map((option) => option.value)).size, property.name).toBe(options.length);
      } else {
        expect(options, property.name).toEqual([]);
      }
    }
  });

  it.each<[CrmPropertyWriter, string[]]>([
    ['attribution', ['pl_attribution_status', 'pl_attribution_issues', 'pl_sourced_partner', 'pl_influence_partners']],
    ['dedupe', ['pl_duplicate_of', 'pl_duplicate_confidence', 'pl_dedupe_status']],
    ['deal_fit', ['pl_partner_fit_score', 'pl_next_best_partner']],
    ['cosell', ['pl_cosell_status']],
    [
      'partner_score',
      [
        'pl_partner_type',
        'pl_partner_score',
        'pl_partner_tier',
        'pl_win_rate',
        'pl_won_revenue',
        'pl_avg_deal_size',
        'pl_open_pipeline',
        'pl_last_opportunity_date',
        'pl_dormant',
      ],
    ],
    ['roster', ['pl_roster_action']],
  ])('given the %s writer, then it owns exactly these properties, in this order', (writer, names) => {
    expect(crmPropertyNamesOf(writer)).toEqual(names);
  });

  it('given a single-property writer, then its one name; given a writer of several, then an error', () => {
    expect(crmPropertyNameOf('cosell')).toBe('pl_cosell_status');
    expect(crmPropertyNameOf('roster')).toBe('pl_roster_action');
    expect(() => crmPropertyNameOf('dedupe')).toThrow(/owns 3 CRM properties/);
  });

  it('given pl_is_partner, then no writer owns it (people set it; PartnerLoop reads it)', () => {
    expect(CRM_PROPERTIES.filter((property) => property.writer === null).map((property) => property.name)).toEqual([
      'pl_is_partner',
    ]);
  });
});
