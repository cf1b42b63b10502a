import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../../../sync/platform/http/html-page.ts';
import { indexPage, noOrgPage, opportunityPage } from './salesforce-preview.pages.ts';

const ORG = '00D5L0000001PLSUA2';
const opportunity = {
  id: '0065L000000001xQAA',
  name: '</script><script>alert(1)</script> & "Co"',
  stage: 'Qualified To Buy',
  amount: 48_000,
  currency: 'USD',
  isClosed: false,
  attributionStatus: 'missing_partner',
};

describe('Salesforce card preview pages', () => {
  it('given an opportunity name with markup, when its page renders, then it is text, and the config JSON names the record, the org and the Apex stand-in', () => {
    const html = opportunityPage({
      base: '/preview/salesforce',
      orgId: ORG,
      opportunityId: opportunity.id,
      opportunity: { ...opportunity, deleted: false },
      orgHeader: 'x-partnerloop-preview-org',
    });
    expect(html).toContain(`<title>${escapeHtml(opportunity.name)} · PartnerLoop Salesforce card preview</title>`);
    expect(html).toContain('Local preview of the PartnerLoop card on a Salesforce opportunity');
    expect(html).not.toContain('<script>alert(1)');
    const config = html.match(/<script type="application\/json" id="preview-config">(.*?)<\/script>/s)?.[1];
    expect(JSON.parse(config ?? 'null')).toEqual({
      recordId: opportunity.id,
      orgId: ORG,
      orgHeader: 'x-partnerloop-preview-org',
      apexUrl: '/preview/salesforce/apex',
    });
    expect(html).toContain('<script src="/preview/salesforce/card.js" defer></script>');
  });

  it('given open opportunities, then the index links each to its page with its attribution; more than the cap says how many it shows', () => {
    const html = indexPage({
      base: '/preview/salesforce',
      orgId: ORG,
      opportunities: [opportunity],
      total: 1,
      limit: 50,
    });
    expect(html).toContain(`href="/preview/salesforce/opportunities/${opportunity.id}"`);
    expect(html).toContain('Partner missing');
    expect(html).toContain('1 open opportunity.');
    expect(html).not.toContain('http-equiv="refresh"');
    const capped = indexPage({
      base: '/preview/salesforce',
      orgId: ORG,
      opportunities: [opportunity],
      total: 80,
      limit: 1,
    });
    expect(capped).toContain('The first 1 of 80 open opportunities, by name.');
  });

  it('given no org installed, or nothing mirrored yet, then the page says so and reloads itself', () => {
    const none = noOrgPage('/preview/salesforce');
    expect(none).toContain('data-testid="preview-no-org"');
    expect(none).toContain('No Salesforce org is installed');
    expect(none).toContain('<meta http-equiv="refresh" content="3">');
    const empty = indexPage({ base: '/preview/salesforce', orgId: ORG, opportunities: [], total: 0, limit: 50 });
    expect(empty).toContain('data-testid="preview-not-mirrored"');
    expect(empty).toContain('<meta http-equiv="refresh" content="3">');
  });
});
