import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { type SalesforceStandIn, startSalesforce } from '../../sandbox/salesforce/salesforce.ts';
import { loadConfig } from '../../sync/platform/config/env.ts';
import { createLogger } from '../../sync/platform/log/logger.ts';
import { SALESFORCE_POLL_JOB } from '../../sync/providers/salesforce/salesforce-poll.job.ts';
import { type Service, startService } from '../../sync/service.ts';
import { eventually } from './test-stores.ts';

export interface SalesforceService {
  salesforce: SalesforceStandIn;
  service: Service;
  /** `salesforce:<org id>`, the tenant an install makes. */
  tenantId: string;
  /** Until no job is queued, retrying or running. */
  idle(): Promise<void>;
  /** One change poll, as the ten-minute cadence runs it, to its end. */
  poll(): Promise<void>;
  /** How many polls ran. */
  polls(): number;
  /**
   * A seller enters a partner-sourced opportunity in Salesforce at the org's second open stage (where the default
   * rules, in the org's stage order, first want a partner); polls until PartnerLoop wrote `status` (default
   * `missing_partner`) to it. Answers its id.
   */
  newPartnerSourcedOpportunity(name: string, options?: { accountId?: string; status?: string }): Promise<string>;
  close(): Promise<void>;
}

/**
 * A Salesforce stand-in seeded with the demo org and the service in sandbox mode with only Salesforce configured
 * (test timings: 0.5 s queue polling, 1 s debounces, no schedules). Not installed yet: tests install through OAuth.
 */
export async function startSalesforceService(
  options: { linksAtProvisioning?: boolean } = {},
): Promise<SalesforceService> {
  const salesforce = await startSalesforce({
    seedDemo: { deals: 120, seed: 7, linksAtProvisioning: options.linksAtProvisioning ?? false },
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'pl-salesforce-'));
  const logLevel = (process.env.TEST_LOG_LEVEL as 'silent' | undefined) ?? 'silent';
  const config = loadConfig(
    {
      PORT: '0',
      DATA_DIR: dataDir,
      SALESFORCE_CLIENT_ID: salesforce.clientId,
      SALESFORCE_CLIENT_SECRET: salesforce.clientSecret,
      SALESFORCE_LOGIN_URL: salesforce.loginUrl,
      TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
      LOG_LEVEL: logLevel,
    },
    { sandbox: true },
  );
  const service = await startService(config, {
    logger: createLogger(logLevel),
    schedules: false,
    testing: {
      queue: { pollingIntervalSeconds: 0.5 },
      // Refreshes after a change run within idle(), as within minutes in production.
      scoring: { debounceSeconds: 1 },
      dedupe: { debounceSeconds: 1 },
    },
  });
  const tenantId = `salesforce:${salesforce.orgId}`;
  const idle = () =>
    eventually(async () => {
      const busy = await sql<{ n: number }>`
        select count(*)::int as n from pgboss.job where state in ('created', 'retry', 'active')`.execute(
        service.store.db,
      );
      return busy.rows[0]!.n === 0;
    }, 90_000).then(() => undefined);
  let polls = 0;
  const poll = async () => {
    polls += 1;
    await service.queue.enqueue(
      SALESFORCE_POLL_JOB,
      { tenantId, periodKey: `test-${polls}` },
      { key: `test-${polls}` },
    );
    await idle();
  };
  return {
    salesforce,
    service,
    tenantId,
    idle,
    poll,
    polls: () => polls,
    async newPartnerSourcedOpportunity(name, opportunity = {}) {
      const template = salesforce.org.records('Opportunity').find((record) => !record.IsClosed && record.AccountId)!;
      const stage = salesforce.org.stages().filter((candidate) => !candidate.isClosed)[1]!;
      const id = salesforce.org.insert('Opportunity', {
        Name: name,
        AccountId: opportunity.accountId ?? template.AccountId,
        StageName: stage.label,
        CloseDate: template.CloseDate,
        Amount: 48_000,
        LeadSource: 'Partner',
      });
      const wanted = opportunity.status ?? 'missing_partner';
      await eventually(async () => {
        await poll();
        return salesforce.org.record('Opportunity', id)?.PL_Attribution_Status__c === wanted;
      }, 30_000);
      return id;
    },
    async close() {
      await service.stop();
      await salesforce.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
