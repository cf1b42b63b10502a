import { afterEach, describe, expect, it } from 'vitest';
import { type SalesforceOptions, type SalesforceStandIn, startSalesforce } from '../sandbox/salesforce/salesforce.ts';
import {
  type SalesforceCallEvent,
  SalesforceClient,
  type SalesforceCredentialStore,
  type SalesforceCredentials,
} from '../src/crm/salesforce/salesforce-client.ts';
import {
  SalesforceConnector,
  SalesforceMergeUnsupportedError,
  type SalesforceRefusedRecord,
} from '../src/crm/salesforce/salesforce-connector.ts';
import { SalesforceApiError, SalesforceDisconnectedError } from '../src/crm/salesforce/salesforce-errors.ts';
import { JUNCTION_FIELDS, JUNCTION_OBJECT, toSalesforceName } from '../src/crm/salesforce/salesforce-fields.ts';
import { caseSafeId } from '../src/crm/salesforce/salesforce-mapping.ts';
import { SalesforcePacer } from '../src/crm/salesforce/salesforce-pacer.ts';
import { PARTNER_ROLES } from '../src/model/deal.ts';
import { ManualClock } from '../src/shared/testing/manual-clock.ts';
import { rescheduleAfterMs } from '../sync/platform/jobs/job-queue.ts';

/**
 * The Salesforce adapter's I/O half against the stand-in, driven by the real jsforce 3.10.16: provisioning through the
 * Tooling API, the snapshot read paged by hand, token refresh with rotation persisted first, the daily allowance,
 * sObject Collections writes with per-record refusals, and the idempotent create and link.
 */

/** The junction names the connector provisions, for the stand-in's seeding of the demo's partner links. */
const CONNECTOR_JUNCTION = {
  object: JUNCTION_OBJECT,
  opportunity: JUNCTION_FIELDS.opportunity,
  partner: JUNCTION_FIELDS.partner,
  role: JUNCTION_FIELDS.role,
  splitPercent: JUNCTION_FIELDS.split,
};

let sf: SalesforceStandIn | undefined;

afterEach(async () => {
  await sf?.close();
  sf = undefined;
});

/** An in-memory credential store that logs what happened, in order, into `log`. */
class MemoryStore implements SalesforceCredentialStore {
  saved: SalesforceCredentials[] = [];
  disconnected: string | undefined;
  constructor(
    public credentials: SalesforceCredentials | undefined,
    private readonly log: string[],
  ) {}
  async load() {
    return this.credentials;
  }
  async save(credentials: SalesforceCredentials) {
    this.log.push(`save ${credentials.refreshToken}`);
    this.saved.push(credentials);
    this.credentials = credentials;
  }
  async markDisconnected(reason: string) {
    this.log.push('disconnected');
    this.disconnected = reason;
  }
}

interface Harness {
  sf: SalesforceStandIn;
  clock: ManualClock;
  store: MemoryStore;
  client: SalesforceClient;
  connector: SalesforceConnector;
  log: string[];
  events: SalesforceCallEvent[];
  refused: SalesforceRefusedRecord[];
}

async function harness(options: SalesforceOptions = {}): Promise<Harness> {
  const clock = new ManualClock();
  const standIn = await startSalesforce({ clock, seedDemo: true, ...options });
  sf = standIn;
  const log: string[] = [];
  const events: SalesforceCallEvent[] = [];
  const refused: SalesforceRefusedRecord[] = [];
  const store = new MemoryStore(standIn.session(), log);
  const client = new SalesforceClient({
    instanceUrl: standIn.url,
    loginUrl: standIn.loginUrl,
    clientId: standIn.clientId,
    clientSecret: standIn.clientSecret,
    apiVersion: standIn.apiVersion,
    credentials: store,
    clock,
    random: () => 0.5,
    onCall: (event) => {
      events.push(event);
      log.push(`call ${event.decision ?? 'ok'}`);
    },
  });
  const connector = new SalesforceConnector({
    client,
    instanceUrl: standIn.url,
    clock,
    onRefused: (records) => {
      refused.push(...records);
    },
  });
  return { sf: standIn, clock, store, client, connector, log, events, refused };
}

function opportunityIds(standIn: SalesforceStandIn, count: number): string[] {
  return (standIn.demo?.deals ?? []).slice(0, count).map((deal) => standIn.salesforceId(deal.id) ?? '');
}

describe('provisioning', () => {
  it('given an un-provisioned demo org, when provisioned twice, then the first run creates the junction and fields and the second creates nothing', async () => {
    const { sf, connector } = await harness();

    const first = await connector.provision();
    const creates = sf.stats().byOperation['tooling.create'] ?? 0;
    expect(creates).toBeGreaterThan(5);
    expect(first.created[JUNCTION_OBJECT]).toEqual(
      expect.arrayContaining([JUNCTION_OBJECT, JUNCTION_FIELDS.opportunity, JUNCTION_FIELDS.linkKey]),
    );
    expect(first.created.Opportunity).toEqual(expect.arrayContaining(['PL_Attribution_Status__c']));
    expect(sf.org.object(JUNCTION_OBJECT)).toBeTruthy();

    sf.resetStats();
    const second = await connector.provision();
    expect(sf.stats().byOperation['tooling.create'] ?? 0).toBe(0);
    expect(sf.stats().byOperation.describe).toBe(3);
    expect(second.created).toEqual({});
    expect(second.existing[JUNCTION_OBJECT]).toEqual(expect.arrayContaining([JUNCTION_FIELDS.role]));
    expect(await connector.linkableRoles()).toEqual(new Set(PARTNER_ROLES));
  });
});

describe('reads', () => {
  it('given the seeded demo org with its partner links, when the snapshot is read, then every opportunity is a deal and the links are on them', async () => {
    const { sf, connector } = await harness();
    await connector.provision();
    const seeded = sf.seedPartnerLinks(CONNECTOR_JUNCTION);
    expect(seeded.created).toBeGreaterThan(0);
    sf.resetStats();
    const progress: number[] = [];
    const pieces: string[][] = [];
    const rosters: Array<{ ids: string[]; piecesBefore: number }> = [];

    const snapshot = await connector.readSnapshot({
      dealProperties: ['pl_attribution_status'],
      partnerProperties: ['pl_partner_tier'],
      onProgress: (read) => progress.push(read),
      onPartners: (partners) => rosters.push({ ids: partners.map((p) => p.id), piecesBefore: pieces.length }),
      onDeals: (deals) => pieces.push(deals.map((entry) => entry.deal.id)),
    });

    expect(snapshot.deals).toHaveLength(sf.org.count('Opportunity'));
    expect(snapshot.partners).toHaveLength(sf.demo?.truth.partnerIds.length ?? -1);
    const labelled = new Set(
      sf.partnerLinks.filter((link) => link.role !== null).map((link) => link.opportunityId.slice(0, 15)),
    );
    const withPartners = snapshot.deals.filter((deal) => deal.deal.partners.length > 0);
    expect(withPartners.length).toBe(labelled.size);
    // 3,000 opportunities come in two pages of the default 2,000.
    expect(progress).toEqual([2_000, 3_000]);
    // Each page's deals are handed over as the page is read: every deal once, in the snapshot's order.
    expect(pieces.map((piece) => piece.length)).toEqual([2_000, 1_000]);
    expect(pieces.flat()).toEqual(snapshot.deals.map((entry) => entry.deal.id));
    // The partner accounts once, before any opportunity.
    expect(rosters).toEqual([{ ids: snapshot.partners.map((p) => p.id), piecesBefore: 0 }]);
    expect(snapshot.readCalls).toBe(sf.stats().calls);
    expect(sf.stats().byOperation.queryMore).toBeGreaterThanOrEqual(1);
  });

  it('given a 500-row batch size, when a query is paged by hand, then each page reaches onPage and queryMore follows the locator', async () => {
    const { sf, client } = await harness();
    const pages: number[] = [];
    const calls = await client.query<{ Id: string }>(
      'SELECT Id FROM Opportunity',
      (page) => {
        pages.push(page.records.length);
      },
      { batchSize: 500 },
    );
    expect(pages).toEqual([500, 500, 500, 500, 500, 500]);
    expect(calls).toBe(6);
    expect(sf.stats().byOperation).toMatchObject({ query: 1, queryMore: 5 });
  });

  it('given changes across two pages, when polled, then each page is handed over with a checkpoint that only moves forward and never passes the window', async () => {
    const { sf, connector } = await harness();
    await connector.provision();
    const until = new Date(Date.parse(String(sf.org.records('Opportunity')[0]?.SystemModstamp)) + 365 * 86_400_000);
    const batches: Array<{ deals: number; partners: number; checkpoint: string | null }> = [];

    const result = await connector.changes({ since: null, until, overlapMs: 60_000 }, async (batch) => {
      batches.push({
        deals: batch.deals.length,
        partners: batch.partners.length,
        checkpoint: batch.checkpoint?.toISOString() ?? null,
      });
    });

    // Partner accounts first (no checkpoint: the window's opportunities are still to come), then 2,000 + 1,000.
    expect(batches.map((batch) => [batch.deals, batch.checkpoint === null])).toEqual([
      [0, true],
      [2_000, false],
      [1_000, false],
    ]);
    expect(batches[0]!.partners).toBe(sf.demo?.truth.partnerIds.length);
    const [first, second] = [batches[1]!.checkpoint!, batches[2]!.checkpoint!];
    expect(second >= first).toBe(true);
    expect(Date.parse(second)).toBeLessThan(until.getTime());
    // Everything before a page's checkpoint was in that page or an earlier one.
    const stamps = sf.org
      .records('Opportunity')
      .map((record) => String(record.SystemModstamp))
      .sort();
    expect(stamps.filter((stamp) => Date.parse(stamp) <= Date.parse(first)).length).toBeGreaterThanOrEqual(2_000);
    expect(result).toMatchObject({ deals: 3_000, partners: batches[0]!.partners });
  });

  it('given ids of which one does not exist, when deals are read, then the missing id is reported', async () => {
    const { sf, connector } = await harness();
    const [a, b] = opportunityIds(sf, 2) as [string, string];
    const gone = caseSafeId('0065L00000ZZZZZ');
    const read = await connector.readDeals([a, b, gone], { dealProperties: [], partnerIds: new Set() });
    expect(read.deals.map((deal) => deal.deal.id).sort()).toEqual([a, b].sort());
    expect(read.missing).toEqual([gone]);
  });
});

describe('sessions and limits', () => {
  it('given expired sessions and refresh-token rotation, when a call is made, then the rotated token is saved before the retry', async () => {
    const { sf, client, store, log } = await harness({ rotateRefreshTokens: true });
    const original = store.credentials?.refreshToken ?? '';
    sf.expireSessions();

    await client.queryRecords('SELECT Id FROM Account LIMIT 1');

    const rotated = store.credentials?.refreshToken ?? '';
    expect(rotated).not.toBe(original);
    expect(log).toEqual(['call refresh', `save ${rotated}`, 'call ok']);
    expect(sf.stats().byOperation['oauth.token.refresh_token']).toBe(1);
  });

  it('given a revoked connected app, when a call is made, then the tenant is marked disconnected', async () => {
    const { sf, client, store } = await harness();
    sf.revokeTokens();
    await expect(client.queryRecords('SELECT Id FROM Account LIMIT 1')).rejects.toBeInstanceOf(
      SalesforceDisconnectedError,
    );
    expect(store.disconnected).toMatch(/reconnect/);
  });

  it('given a spent daily allowance, when a call is made, then a typed daily-limit error and no retries', async () => {
    const { sf, client, events } = await harness({ dailyApiLimit: 2 });
    await client.queryRecords('SELECT Id FROM Account LIMIT 1');
    await client.queryRecords('SELECT Id FROM Account LIMIT 1');

    const error = await client.queryRecords('SELECT Id FROM Account LIMIT 1').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(SalesforceApiError);
    expect(error).toMatchObject({ dailyLimit: true, salesforceCode: 'REQUEST_LIMIT_EXCEEDED' });
    expect((error as Error).message).toMatch(/daily API allowance is spent/);
    // The job queue reschedules the work for when the rolling allowance has room again (rescheduleAfterMs).
    expect(rescheduleAfterMs(error)).toBeGreaterThan(0);
    expect(rescheduleAfterMs(error)).toBeLessThanOrEqual(24 * 3_600_000);
    expect(sf.stats().calls).toBe(3);
    expect(sf.stats().limitRefused).toBe(1);
    expect(events.at(-1)).toMatchObject({ decision: 'fail' });
    expect(client.usage).toEqual({ used: 2, limit: 2 });
  });

  it('given concurrent calls on expired sessions, when they all fail with 401, then one refresh serves them all', async () => {
    const { sf, client, store } = await harness({ rotateRefreshTokens: true });
    sf.expireSessions();

    const results = await Promise.all(
      [1, 2, 3, 4].map(() => client.queryRecords<{ Id: string }>('SELECT Id FROM Account LIMIT 1')),
    );

    expect(results.every((result) => result.records.length === 1)).toBe(true);
    expect(sf.stats().byOperation['oauth.token.refresh_token']).toBe(1);
    expect(store.saved).toHaveLength(1);
  });

  it('given a 500 then success on a read, when called, then it is retried after a backoff on the one clock', async () => {
    const { sf, client, clock, events } = await harness();
    sf.faults.add({ route: 'GET /services/data/*/query', script: [500, 'pass'] });

    const { records } = await client.queryRecords('SELECT Id FROM Account LIMIT 1');

    expect(records).toHaveLength(1);
    expect(events.map((event) => [event.status, event.decision])).toEqual([
      [500, 'retry'],
      [undefined, undefined],
    ]);
    expect(clock.sleeps).toHaveLength(1);
  });

  it('given a 500 on a create, when called, then it fails without a retry (the create may have happened)', async () => {
    const { sf, client } = await harness();
    sf.faults.add({ route: 'POST /services/data/*/sobjects/Account', script: [500, 'pass'] });

    await expect(
      client.request({
        method: 'POST',
        path: '/sobjects/Account',
        body: { Name: 'Once only' },
        idempotent: false,
        operation: 'the creation of an account',
      }),
    ).rejects.toMatchObject({ status: 500, salesforceCode: 'UNKNOWN_EXCEPTION' });
    expect(sf.stats().byRoute['POST /services/data/:version/sobjects/Account']?.calls).toBe(1);
  });

  it('given a 429 with Retry-After, when called, then the wait is what the header said', async () => {
    const { sf, client, clock } = await harness();
    sf.faults.add({
      route: 'GET /services/data/*/query',
      script: [{ type: 'status', status: 429, retryAfterSeconds: 7 }, 'pass'],
    });

    await client.queryRecords('SELECT Id FROM Account LIMIT 1');

    expect(clock.sleeps).toEqual([7_000]);
  });

  it('given a pacer whose share is spent, when a call is asked, then a daily-limit error before any request', async () => {
    const clock = new ManualClock();
    const { sf, store } = await harness({ dailyApiLimit: 100 });
    const pacer = new SalesforcePacer({ share: 0.5, reserve: 0.1 }, clock);
    const client = new SalesforceClient({
      instanceUrl: sf.url,
      loginUrl: sf.loginUrl,
      clientId: sf.clientId,
      clientSecret: sf.clientSecret,
      apiVersion: sf.apiVersion,
      credentials: store,
      clock,
      pacer,
    });
    // The first answer says 1 of 100 used: 89 left below the 10 % reserve, half of it for this run, plus the first call.
    let made = 0;
    const error = await (async () => {
      for (;;) {
        await client.queryRecords('SELECT Id FROM Account LIMIT 1');
        made += 1;
      }
    })().catch((caught: unknown) => caught);

    expect(error).toMatchObject({ dailyLimit: true });
    expect(made).toBe(1 + Math.floor(89 * 0.5));
    expect(sf.stats().calls).toBe(made);
  });

  it('given a 503 then success on a read, when called, then it is retried once after a backoff', async () => {
    const { sf, client, clock } = await harness();
    sf.faults.add({ route: 'GET /services/data/*/query', script: [503, 'pass'] });
    const { records } = await client.queryRecords('SELECT Id FROM Account LIMIT 1');
    expect(records).toHaveLength(1);
    expect(sf.stats().byRoute['GET /services/data/:version/query']?.statuses).toEqual({ '200': 1, '503': 1 });
    expect(clock.sleeps).toHaveLength(1);
  });
});

describe('writes', () => {
  it('given 201 changed records, when written, then exactly 2 Collections calls and every value lands', async () => {
    const { sf, connector } = await harness();
    await connector.provision();
    const ids = opportunityIds(sf, 201);
    sf.resetStats();

    const written = await connector.writeProperties(
      'deals',
      ids.map((id) => ({ id, properties: { pl_next_best_partner: 'Acme Partners' } })),
    );

    expect(written).toEqual({ calls: 2, refused: [] });
    expect(sf.stats().byOperation['collections.update']).toBe(2);
    expect(ids.every((id) => sf?.org.record('Opportunity', id)?.PL_Next_Best_Partner__c === 'Acme Partners')).toBe(
      true,
    );
  });

  it('given a validation rule refusing one record, when written, then it comes back through onRefused and the others are written', async () => {
    const { sf, connector, refused } = await harness();
    await connector.provision();
    const [a, b, c] = opportunityIds(sf, 3) as [string, string, string];
    sf.org.setValidationRule({
      name: 'No_Blocked_Partner',
      object: 'Opportunity',
      active: true,
      condition: (record) => record.PL_Next_Best_Partner__c === 'Blocked',
      message: 'This partner may not be suggested.',
    });

    const written = await connector.writeProperties('deals', [
      { id: a, properties: { pl_next_best_partner: 'Fine' } },
      { id: b, properties: { pl_next_best_partner: 'Blocked' } },
      { id: c, properties: { pl_next_best_partner: 'Also fine' } },
    ]);

    // The refused record is named to the writer (not recorded as written) and to onRefused (the error inbox).
    expect(written).toEqual({ calls: 1, refused: [b] });
    expect(refused).toEqual([
      expect.objectContaining({
        object: 'deals',
        id: b,
        code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
        reason: expect.stringContaining('This partner may not be suggested.'),
      }),
    ]);
    expect(sf.org.record('Opportunity', a)?.PL_Next_Best_Partner__c).toBe('Fine');
    expect(sf.org.record('Opportunity', c)?.PL_Next_Best_Partner__c).toBe('Also fine');
    expect(sf.org.record('Opportunity', b)?.PL_Next_Best_Partner__c ?? null).toBeNull();
  });

  it('given the same referral key twice, when createDeal runs twice, then one Opportunity in the first open stage', async () => {
    const { sf, connector } = await harness();
    await connector.provision();
    const before = sf.org.count('Opportunity');
    const input = {
      name: 'AWS referral: Globex',
      amount: 25_000,
      currency: null,
      closeDate: null,
      properties: { pl_cosell_status: 'submitted' },
      key: { property: 'pl_aws_opportunity_id', value: 'O1234567' },
    };

    const first = await connector.createDeal(input);
    const second = await connector.createDeal(input);

    expect(first.created).toBe(true);
    expect(second).toEqual({ id: first.id, created: false });
    expect(sf.org.count('Opportunity')).toBe(before + 1);
    expect(sf.org.record('Opportunity', first.id)).toMatchObject({
      Name: 'AWS referral: Globex',
      StageName: 'Appointment Scheduled',
      [toSalesforceName('pl_aws_opportunity_id')]: 'O1234567',
      CloseDate: '2026-06-30',
    });
  });

  it('given the answer to a create is lost, when createDeal is retried, then it finds the deal the first try made', async () => {
    const { sf, connector } = await harness();
    await connector.provision();
    const before = sf.org.count('Opportunity');
    sf.faults.add({ route: 'POST /services/data/*/sobjects/Opportunity', script: ['lose_response'] });
    const input = {
      name: 'Microsoft referral: Initech',
      amount: null,
      currency: null,
      closeDate: '2026-09-30',
      properties: {},
      key: { property: 'pl_microsoft_referral_id', value: 'ref-42' },
    };

    await expect(connector.createDeal(input)).rejects.toBeInstanceOf(SalesforceApiError);
    const retried = await connector.createDeal(input);

    expect(retried.created).toBe(false);
    expect(sf.org.count('Opportunity')).toBe(before + 1);
    expect(sf.stats().byRoute['POST /services/data/:version/sobjects/Opportunity']?.calls).toBe(1);
  });

  it('given a dropped connection on a read, when called, then the read is repeated', async () => {
    const { sf, client } = await harness();
    sf.faults.add({ route: 'GET /services/data/*/query', script: ['drop', 'pass'] });
    const { records } = await client.queryRecords('SELECT Id FROM Account LIMIT 1');
    expect(records).toHaveLength(1);
    expect(sf.stats().injected).toBe(1);
  });

  it('given the same link twice, when linked, then one junction row; unlinked, then none', async () => {
    const { sf, connector } = await harness();
    await connector.provision();
    const [deal] = opportunityIds(sf, 1) as [string];
    const partner = sf.salesforceId(sf.demo?.truth.partnerIds[0] ?? '') ?? '';
    const link = { dealId: deal, partnerId: partner, role: 'influenced' as const };

    await connector.linkPartners([link]);
    await connector.linkPartners([link]);

    expect(sf.org.count(JUNCTION_OBJECT)).toBe(1);
    expect(sf.stats().byOperation['collections.upsert']).toBe(2);
    const read = await connector.readDeals([deal], { dealProperties: [], partnerIds: new Set([partner]) });
    expect(read.deals[0]?.deal.partners).toEqual([{ partnerId: partner, role: 'influenced', splitPct: null }]);

    sf.resetStats();
    await connector.unlinkPartner(link);
    expect(sf.stats().byOperation['sobject.delete']).toBe(1);
    const after = await connector.readDeals([deal], { dealProperties: [], partnerIds: new Set([partner]) });
    expect(after.deals[0]?.deal.partners).toEqual([]);
  });

  it('given Salesforce, when deals are merged, then a clear not-supported error', async () => {
    const { connector } = await harness();
    await expect(connector.mergeDeals('0065L00000000001AA', '0065L00000000002AA')).rejects.toBeInstanceOf(
      SalesforceMergeUnsupportedError,
    );
  });
});

describe('users', () => {
  it('given the demo admin and an unknown id, when users are read, then admin is true and the unknown is undefined', async () => {
    const { sf, connector } = await harness();
    expect(await connector.user(sf.demoUser.id)).toEqual({ userId: sf.demoUser.id, admin: true });
    expect(await connector.user(caseSafeId('0055L00000ZZZZZ'))).toBeUndefined();
  });
});
