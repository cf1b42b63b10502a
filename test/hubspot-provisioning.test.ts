import { afterEach, describe, expect, it } from 'vitest';
import { PARTNER_ROLE_LABELS } from '../sandbox/demo/demo-portal.ts';
import { defineProperty, options } from '../sandbox/hubspot/properties.ts';
import { type Sandbox, type SandboxOptions, startSandbox } from '../sandbox/server.ts';
import { type CallEvent, HubSpotClient } from '../src/crm/hubspot/hubspot-client.ts';
import { roleFromLabel } from '../src/crm/hubspot/hubspot-portal-reader.ts';
import {
  COMPANY_PROPERTIES,
  DEAL_PROPERTIES,
  definitionMismatches,
  type ExistingProperty,
  HubSpotProvisioningError,
  PARTNERLOOP_DEFINITIONS,
  type PortalSchema,
  type PropertySpec,
  planProvisioning,
  provisionPortal,
  ROLE_LABELS,
} from '../src/crm/hubspot/hubspot-provisioning.ts';
import { PortalRateLimiter } from '../src/crm/hubspot/rate-limiter.ts';
import { memoryCredentials } from '../src/crm/hubspot/testing/memory-credentials.ts';
import { PARTNER_ROLES } from '../src/model/deal.ts';
import { ManualClock } from '../src/shared/testing/manual-clock.ts';

const READS = [
  'GET /crm/properties/2026-03/deals/groups',
  'GET /crm/properties/2026-03/companies/groups',
  'GET /crm/properties/2026-03/deals',
  'GET /crm/properties/2026-03/companies',
  'GET /crm/associations/2026-03/deals/companies/labels',
];
const DEAL_NAMES = DEAL_PROPERTIES.map((spec) => `deals.${spec.name}`);
const COMPANY_NAMES = COMPANY_PROPERTIES.map((spec) => `companies.${spec.name}`);

const sandboxes: Sandbox[] = [];
afterEach(async () => {
  await Promise.all(sandboxes.splice(0).map((sandbox) => sandbox.close()));
});

async function sandboxWith(options: SandboxOptions): Promise<Sandbox> {
  const sandbox = await startSandbox({ port: 0, ...options });
  sandboxes.push(sandbox);
  return sandbox;
}

/** The real SDK-backed client, with a fake clock so retries and pacing never sleep for real. */
function clientFor(sandbox: Sandbox, onCall?: (event: CallEvent) => void) {
  const clock = new ManualClock(Date.now());
  const issued = sandbox.issueToken();
  return new HubSpotClient({
    baseUrl: sandbox.url,
    clientId: sandbox.app.clientId,
    clientSecret: sandbox.app.clientSecret,
    credentials: memoryCredentials({
      accessToken: issued.accessToken,
      refreshToken: issued.refreshToken,
      expiresAt: clock.now() + 3_600_000,
      scopes: [],
    }).store,
    clock,
    random: () => 0.5,
    limiter: new PortalRateLimiter(undefined, clock),
    ...(onCall ? { onCall } : {}),
  });
}

/** Calls per route since the last reset, and how many were not GETs. */
function calls(sandbox: Sandbox) {
  const routes = Object.fromEntries(
    Object.entries(sandbox.stats().routes).map(([route, stats]) => [route, stats.calls] as const),
  );
  const total = Object.values(routes).reduce((sum, count) => sum + count, 0);
  const writes = Object.entries(routes)
    .filter(([route]) => !route.startsWith('GET '))
    .reduce((sum, [, count]) => sum + count, 0);
  return { routes, total, writes };
}

function roleLabelsIn(sandbox: Sandbox) {
  return sandbox.portal
    .associationTypesOf('deals', 'companies')
    .filter((type) => type.category === 'USER_DEFINED')
    .map((type) => ({ typeId: type.typeId, label: type.label, role: roleFromLabel(type.label ?? '') }));
}

function expectProvisioned(sandbox: Sandbox) {
  for (const type of ['deals', 'companies'] as const) {
    expect(sandbox.portal.groups(type).get('partnerloop')).toMatchObject({ label: 'PartnerLoop', archived: false });
    for (const spec of PARTNERLOOP_DEFINITIONS.properties[type]) {
      const held = sandbox.portal.definitions(type).get(spec.name);
      expect(held, `${type}.${spec.name}`).toBeDefined();
      expect(definitionMismatches(spec, held as ExistingProperty), `${type}.${spec.name}`).toEqual([]);
    }
  }
  const labels = roleLabelsIn(sandbox);
  expect(labels.map((label) => label.role).sort()).toEqual([...PARTNER_ROLES].sort());
}

describe('definitions', () => {
  it('given the SPEC §4.5 property list, when reading the definitions, then every name is there once in the partnerloop group and not on forms', () => {
    expect(DEAL_PROPERTIES.map((spec) => spec.name)).toEqual([
      'pl_attribution_status',
      'pl_attribution_issues',
      'pl_sourced_partner',
      'pl_influence_partners',
      'pl_duplicate_of',
      'pl_duplicate_confidence',
      'pl_dedupe_status',
      'pl_partner_fit_score',
      'pl_next_best_partner',
      'pl_cosell_status',
      'pl_cloud_status',
      'pl_aws_opportunity_id',
      'pl_microsoft_referral_id',
    ]);
    expect(COMPANY_PROPERTIES.map((spec) => spec.name)).toEqual([
      'pl_is_partner',
      'pl_partner_type',
      'pl_partner_score',
      'pl_partner_tier',
      'pl_win_rate',
      'pl_won_revenue',
      'pl_avg_deal_size',
      'pl_open_pipeline',
      'pl_last_opportunity_date',
      'pl_dormant',
      'pl_roster_action',
    ]);
    for (const spec of [...DEAL_PROPERTIES, ...COMPANY_PROPERTIES]) {
      expect(spec.groupName).toBe('partnerloop');
      expect(spec.formField).toBe(false);
    }
  });

  const spec = (name: string) =>
    [...DEAL_PROPERTIES, ...COMPANY_PROPERTIES].find((candidate) => candidate.name === name) as PropertySpec;

  it.each([
    ['pl_attribution_status', 'enumeration', 'select'],
    ['pl_attribution_issues', 'string', 'textarea'],
    ['pl_influence_partners', 'string', 'text'],
    ['pl_duplicate_confidence', 'number', 'number'],
    ['pl_cosell_status', 'enumeration', 'select'],
    ['pl_cloud_status', 'string', 'text'],
    ['pl_is_partner', 'bool', 'booleancheckbox'],
    ['pl_partner_score', 'number', 'number'],
    ['pl_win_rate', 'number', 'number'],
    ['pl_last_opportunity_date', 'date', 'date'],
    ['pl_dormant', 'bool', 'booleancheckbox'],
    ['pl_roster_action', 'enumeration', 'select'],
  ])('given %s, when defined, then it is %s / %s', (name, type, fieldType) => {
    expect(spec(name)).toMatchObject({ type, fieldType });
  });

  it.each([
    [
      'pl_attribution_status',
      ['complete', 'missing_partner', 'missing_role', 'invalid_split', 'conflict', 'not_partner_involved'],
    ],
    ['pl_dedupe_status', ['unique', 'suspected', 'confirmed', 'not_duplicate']],
    [
      'pl_cosell_status',
      [
        'draft',
        'draft_aging',
        'requested',
        'requested_aging',
        'accepted',
        'accepted_aging',
        'rejected',
        'active',
        'active_aging',
        'won',
        'lost',
        'withdrawn',
      ],
    ],
    ['pl_partner_type', ['named', 'self_serve']],
    ['pl_partner_tier', ['strategic', 'core', 'emerging', 'long_tail', 'dormant']],
    ['pl_is_partner', ['true', 'false']],
    ['pl_dormant', ['true', 'false']],
    ['pl_roster_action', ['reengage', 'archive']],
  ])('given %s, when defined, then its option values are exactly the ones the engines write', (name, values) => {
    expect(spec(name).options?.map((option) => option.value)).toEqual(values);
  });

  it('given the role labels, when read back through roleFromLabel, then each names its own role', () => {
    expect(ROLE_LABELS.map((label) => roleFromLabel(label.label))).toEqual([...PARTNER_ROLES]);
  });
});

describe('definitionMismatches', () => {
  const tier = COMPANY_PROPERTIES.find((candidate) => candidate.name === 'pl_partner_tier') as PropertySpec;
  const tierOptions = ['strategic', 'core', 'emerging', 'long_tail', 'dormant'].map((value) => ({ value }));

  it.each<[string, ExistingProperty, string[]]>([
    ['the same definition', { name: 'x', type: 'enumeration', fieldType: 'select', options: tierOptions }, []],
    [
      'extra options of the customer',
      { name: 'x', type: 'enumeration', fieldType: 'select', options: [...tierOptions, { value: 'gold' }] },
      [],
    ],
    [
      'another type',
      { name: 'x', type: 'string', fieldType: 'text' },
      ['type is string, expected enumeration', 'fieldType is text, expected select'],
    ],
    [
      'a multi-select field',
      { name: 'x', type: 'enumeration', fieldType: 'checkbox', options: tierOptions },
      ['fieldType is checkbox, expected select'],
    ],
    [
      'missing options',
      { name: 'x', type: 'enumeration', fieldType: 'select', options: tierOptions.slice(0, 3) },
      ['options lack long_tail, dormant'],
    ],
  ])(
    'given an existing pl_partner_tier with %s, when compared, then exactly the breaking differences are listed',
    (_, existing, problems) => {
      expect(definitionMismatches(tier, existing)).toEqual(problems);
    },
  );
});

describe('planProvisioning', () => {
  const emptySchema = (): PortalSchema => ({
    groups: { deals: new Set(), companies: new Set() },
    properties: { deals: new Map(), companies: new Map() },
    labels: [],
  });

  it('given two labels naming the sourced role, when planning, then the lower type id is used and a warning says so', () => {
    const schema = emptySchema();
    schema.labels = [
      { category: 'USER_DEFINED', typeId: 1200, label: 'Partner sourced' },
      { category: 'USER_DEFINED', typeId: 1100, label: 'Sourced' },
      { category: 'HUBSPOT_DEFINED', typeId: 5, label: 'Primary' },
      { category: 'HUBSPOT_DEFINED', typeId: 341, label: null },
    ];
    const plan = planProvisioning(PARTNERLOOP_DEFINITIONS, schema);
    expect(plan.roleLabels).toEqual({ sourced: 1100 });
    expect(plan.createLabels.map((label) => label.role)).toEqual(['influenced', 'cosell', 'reseller', 'referral']);
    expect(plan.warnings).toEqual([expect.stringContaining('sourced role (type ids 1100, 1200)')]);
  });
});

describe('provisionPortal against the sandbox', () => {
  it('given an empty portal, when provisioned, then it creates both groups, all 21 properties and the five role labels in 14 calls', async () => {
    const sandbox = await sandboxWith({ empty: true });
    const report = await provisionPortal(clientFor(sandbox));

    expect(report.created).toEqual({
      groups: ['deals.partnerloop', 'companies.partnerloop'],
      properties: [...DEAL_NAMES, ...COMPANY_NAMES],
      labels: [...PARTNER_ROLES],
    });
    expect(report.existing).toEqual({ groups: [], properties: [], labels: [] });
    expect(report.warnings).toEqual([]);
    expectProvisioned(sandbox);

    // What the sandbox now holds is what we sent: types, field types, options, group, formField.
    const status = sandbox.portal.definitions('deals').get('pl_cosell_status');
    expect(status).toMatchObject({ type: 'enumeration', fieldType: 'select', groupName: 'partnerloop' });
    expect(status?.options.map((option) => [option.value, option.label])).toEqual([
      ['draft', 'Draft'],
      ['draft_aging', 'Draft (aging)'],
      ['requested', 'Requested'],
      ['requested_aging', 'Requested (aging)'],
      ['accepted', 'Accepted'],
      ['accepted_aging', 'Accepted (aging)'],
      ['rejected', 'Rejected'],
      ['active', 'Active'],
      ['active_aging', 'Active (aging)'],
      ['won', 'Won'],
      ['lost', 'Lost'],
      ['withdrawn', 'Withdrawn'],
    ]);
    expect(sandbox.portal.definitions('companies').get('pl_last_opportunity_date')).toMatchObject({
      type: 'date',
      fieldType: 'date',
      formField: false,
    });
    const labels = roleLabelsIn(sandbox);
    expect(report.roleLabels).toEqual(Object.fromEntries(labels.map((label) => [label.role, label.typeId])));
    expect(labels.map((label) => label.label).sort()).toEqual([
      'Co-sell',
      'Influenced',
      'Referral',
      'Reseller',
      'Sourced',
    ]);

    // 5 reads + 2 group creates + 2 property batches + 5 label creates (the labels API has no batch create).
    const first = calls(sandbox);
    expect(first.total).toBe(14);
    expect(first.routes).toEqual({
      ...Object.fromEntries(READS.map((route) => [route, 1])),
      'POST /crm/properties/2026-03/deals/groups': 1,
      'POST /crm/properties/2026-03/companies/groups': 1,
      'POST /crm/properties/2026-03/deals/batch/create': 1,
      'POST /crm/properties/2026-03/companies/batch/create': 1,
      'POST /crm/associations/2026-03/deals/companies/labels': 5,
    });
  });

  it('given a provisioned portal, when provisioned again, then it makes exactly the 5 reads, no write, and reports everything as existing', async () => {
    const sandbox = await sandboxWith({ empty: true });
    const client = clientFor(sandbox);
    const first = await provisionPortal(client);
    sandbox.resetStats();

    const second = await provisionPortal(client);

    expect(calls(sandbox)).toEqual({
      routes: Object.fromEntries(READS.map((route) => [route, 1])),
      total: 5,
      writes: 0,
    });
    expect(second.created).toEqual({ groups: [], properties: [], labels: [] });
    expect(second.existing).toEqual({
      groups: ['deals.partnerloop', 'companies.partnerloop'],
      properties: [...DEAL_NAMES, ...COMPANY_NAMES],
      labels: [...PARTNER_ROLES],
    });
    expect(second.warnings).toEqual([]);
    expect(second.roleLabels).toEqual(first.roleLabels);
  });

  it('given the demo portal, when provisioned, then its properties, group and labels are kept and only the rest is created in 8 calls; a rerun makes 5 reads', async () => {
    const sandbox = await sandboxWith({ deals: 20, seed: 5 });
    const isPartnerBefore = { ...sandbox.portal.definitions('companies').get('pl_is_partner') };
    const labelsBefore = roleLabelsIn(sandbox);
    const client = clientFor(sandbox);
    sandbox.resetStats();

    const report = await provisionPortal(client);

    expect(report.created).toEqual({
      groups: ['deals.partnerloop'],
      properties: [
        ...DEAL_NAMES,
        ...COMPANY_NAMES.filter((name) => !['companies.pl_is_partner', 'companies.pl_partner_type'].includes(name)),
      ],
      labels: [],
    });
    expect(report.existing).toEqual({
      groups: ['companies.partnerloop'],
      properties: ['companies.pl_is_partner', 'companies.pl_partner_type'],
      labels: [...PARTNER_ROLES],
    });
    expect(report.warnings).toEqual([]);
    expect(report.roleLabels).toEqual(
      Object.fromEntries(PARTNER_ROLE_LABELS.map((label) => [label.role, label.typeId])),
    );
    expect(sandbox.portal.definitions('companies').get('pl_is_partner')).toEqual(isPartnerBefore);
    expect(roleLabelsIn(sandbox)).toEqual(labelsBefore);
    expectProvisioned(sandbox);
    // 5 reads + 1 group (deals) + 2 property batches.
    expect(calls(sandbox)).toMatchObject({ total: 8, writes: 3 });

    sandbox.resetStats();
    await provisionPortal(client);
    expect(calls(sandbox)).toMatchObject({ total: 5, writes: 0 });
  });

  it('given an existing pl_partner_tier of the wrong type and a pl_dedupe_status lacking options, when provisioned, then the wrong type is warned about and left alone and the missing options are added', async () => {
    const sandbox = await sandboxWith({ empty: true });
    sandbox.portal.createProperty(
      'companies',
      defineProperty({
        name: 'pl_partner_tier',
        label: 'Partner tier (ours)',
        type: 'string',
        fieldType: 'text',
        groupName: 'companyinformation',
      }),
    );
    sandbox.portal.createProperty(
      'deals',
      defineProperty({
        name: 'pl_dedupe_status',
        label: 'Dedupe',
        type: 'enumeration',
        fieldType: 'select',
        groupName: 'dealinformation',
        options: options([
          ['unique', 'Unique'],
          ['suspected', 'Suspected'],
        ]),
      }),
    );
    const tierBefore = structuredClone(sandbox.portal.definitions('companies').get('pl_partner_tier'));

    const report = await provisionPortal(clientFor(sandbox));

    // A wrong type cannot be fixed without losing data: warned about and left exactly as it was.
    expect(report.warnings).toEqual([
      expect.stringMatching(
        /^companies property pl_partner_tier .*type is string, expected enumeration; fieldType is text, expected select/,
      ),
    ]);
    expect(report.existing.properties).toEqual(['deals.pl_dedupe_status', 'companies.pl_partner_tier']);
    expect(report.created.properties).not.toContain('companies.pl_partner_tier');
    expect(sandbox.portal.definitions('companies').get('pl_partner_tier')).toEqual(tierBefore);
    // Missing options (a portal provisioned by an older release) are added; the existing ones keep their labels.
    expect(report.extendedOptions).toEqual(['deals.pl_dedupe_status: confirmed, not_duplicate']);
    const dedupe = sandbox.portal.definitions('deals').get('pl_dedupe_status');
    expect(dedupe?.label).toBe('Dedupe');
    expect(dedupe?.options?.map((option) => [option.value, option.label])).toEqual([
      ['unique', 'Unique'],
      ['suspected', 'Suspected'],
      ['confirmed', 'Confirmed'],
      ['not_duplicate', 'Not a duplicate'],
    ]);
    // Only creates and that one options update were sent: nothing else patched, nothing archived.
    const writes = Object.keys(calls(sandbox).routes).filter((route) => !route.startsWith('GET '));
    expect(writes.filter((route) => route.startsWith('PATCH '))).toEqual([
      expect.stringMatching(/^PATCH \/crm\/(v3\/properties|properties\/2026-03)\//),
    ]);
    expect(
      writes.every(
        (route) =>
          (route.startsWith('POST ') && /\/(groups|batch\/create|labels)$/.test(route)) || route.startsWith('PATCH '),
      ),
    ).toBe(true);

    // The warning stays on every run, and nothing more is written.
    sandbox.resetStats();
    const again = await provisionPortal(clientFor(sandbox));
    expect(again.warnings).toHaveLength(1);
    expect(again.extendedOptions).toEqual([]);
    expect(calls(sandbox).writes).toBe(0);
  });

  it('given 429s and 5xx injected on every kind of create, when provisioned, then the retries land everything once and a rerun writes nothing', async () => {
    const sandbox = await sandboxWith({
      empty: true,
      faults: [
        { route: 'POST /crm/properties/2026-03/*/groups', script: [502, 'pass'] },
        {
          route: 'POST /crm/properties/2026-03/deals/batch/create',
          script: [{ type: 'status', status: 429, retryAfterSeconds: 1 }, 503, 'pass'],
        },
        { route: 'POST /crm/properties/2026-03/companies/batch/create', script: ['drop', 'pass'] },
        { route: 'POST /crm/associations/2026-03/deals/companies/labels', script: [500, 429, 'pass'] },
      ],
    });
    const client = clientFor(sandbox);

    const report = await provisionPortal(client);

    expectProvisioned(sandbox);
    expect(roleLabelsIn(sandbox)).toHaveLength(5); // no label created twice
    expect(report.created.properties).toHaveLength(DEAL_NAMES.length + COMPANY_NAMES.length);
    expect(report.created.labels).toEqual([...PARTNER_ROLES]);
    const routes = calls(sandbox).routes;
    expect(routes['POST /crm/properties/2026-03/deals/batch/create']).toBe(3);
    expect(routes['POST /crm/properties/2026-03/companies/batch/create']).toBe(2);
    // The 500 on a (non-idempotent) label create is checked by a read before the create is sent again.
    expect(routes['GET /crm/associations/2026-03/deals/companies/labels']).toBe(2);
    expect(routes['POST /crm/associations/2026-03/deals/companies/labels']).toBe(7);

    sandbox.resetStats();
    const rerun = await provisionPortal(client);
    expect(calls(sandbox)).toMatchObject({ total: 5, writes: 0 });
    expect(rerun.roleLabels).toEqual(report.roleLabels);
  });

  it('given another installer creating a property between our read and our create, when provisioned, then the conflict is resolved by re-reading and nothing is missing', async () => {
    const sandbox = await sandboxWith({ empty: true });
    let raced = false;
    const client = clientFor(sandbox, (event) => {
      if (!raced && event.method === 'GET' && event.path === '/crm/properties/2026-03/deals') {
        raced = true;
        sandbox.portal.createGroup('deals', {
          name: 'partnerloop',
          label: 'PartnerLoop',
          displayOrder: 0,
          archived: false,
        });
        const spec = DEAL_PROPERTIES.find((candidate) => candidate.name === 'pl_dedupe_status') as PropertySpec;
        sandbox.portal.createProperty(
          'deals',
          defineProperty({ ...spec, options: options(spec.options?.map((o) => [o.value, o.label] as const) ?? []) }),
        );
      }
    });

    const report = await provisionPortal(client);

    expectProvisioned(sandbox);
    expect(report.existing.groups).toEqual(['deals.partnerloop']);
    expect(report.existing.properties).toEqual(['deals.pl_dedupe_status']);
    expect([...report.created.properties, ...report.existing.properties].sort()).toEqual(
      [...DEAL_NAMES, ...COMPANY_NAMES].sort(),
    );
    expect(report.warnings).toEqual([]);
    // The 207 for the raced property made it re-read the deal properties once; nothing was sent twice.
    expect(calls(sandbox).routes['GET /crm/properties/2026-03/deals']).toBe(2);
    expect(calls(sandbox).routes['POST /crm/properties/2026-03/deals/batch/create']).toBe(1);
  });

  it('given a whole property batch refused with a 409, when provisioned, then it re-reads and sends only what is still missing', async () => {
    const sandbox = await sandboxWith({
      empty: true,
      faults: [
        {
          route: 'POST /crm/properties/2026-03/companies/batch/create',
          script: [
            {
              type: 'status',
              status: 409,
              body: {
                status: 'error',
                message: 'A property named pl_is_partner already exists.',
                category: 'CONFLICT',
              },
            },
          ],
        },
      ],
    });

    const report = await provisionPortal(clientFor(sandbox));

    expectProvisioned(sandbox);
    expect(report.created.properties).toEqual([...DEAL_NAMES, ...COMPANY_NAMES]);
    expect(calls(sandbox).routes).toMatchObject({
      'GET /crm/properties/2026-03/companies': 2,
      'POST /crm/properties/2026-03/companies/batch/create': 2,
    });
  });

  it('given a label named pl_sourced whose text names no role, when provisioned, then it fails with a message saying what to rename', async () => {
    const sandbox = await sandboxWith({ empty: true });
    sandbox.portal.createLabel('deals', 'companies', { name: 'pl_sourced', label: 'Partner-led' });

    const failure = provisionPortal(clientFor(sandbox));

    await expect(failure).rejects.toBeInstanceOf(HubSpotProvisioningError);
    await expect(failure).rejects.toThrow(/named pl_sourced exists .* rename it to "Sourced"/);
    expect(roleLabelsIn(sandbox).map((label) => label.label)).toEqual(['Partner-led']);
  });

  it('given 150 properties to create on one object, when provisioned, then they go in two batches of at most 100', async () => {
    const sandbox = await sandboxWith({ empty: true });
    const many: PropertySpec[] = Array.from({ length: 150 }, (_, index) => ({
      name: `pl_extra_${index}`,
      label: `Extra ${index}`,
      description: '',
      groupName: 'partnerloop',
      type: 'string',
      fieldType: 'text',
      displayOrder: index,
      formField: false,
    }));

    const report = await provisionPortal(clientFor(sandbox), {
      definitions: { ...PARTNERLOOP_DEFINITIONS, properties: { deals: many, companies: [] } },
    });

    expect(report.created.properties).toHaveLength(150);
    expect(calls(sandbox).routes['POST /crm/properties/2026-03/deals/batch/create']).toBe(2);
    expect(calls(sandbox).routes['POST /crm/properties/2026-03/companies/batch/create']).toBeUndefined();
    expect(sandbox.portal.definitions('deals').get('pl_extra_149')).toMatchObject({ groupName: 'partnerloop' });
  });
});
