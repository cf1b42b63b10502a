/**
 * The service side of the webhook benchmark, in its own process so the load generator (and the sandbox) never share
 * its event loop: starts the real service (PGlite under DATA_DIR, or DATABASE_URL) with production defaults against
 * the sandbox, installs the sandbox portal through the OAuth flow, waits for provisioning and the first reconcile,
 * then answers the parent over IPC. It observes without changing behaviour: mirror upserts and drain rounds are
 * timed by wrapping the two repository methods the drain calls.
 *
 * Env: SANDBOX_URL, CLIENT_ID, CLIENT_SECRET, APP_ID, PORTAL_ID, DATA_DIR, DATABASE_URL (optional),
 * BENCH_SERVICE_LOG_LEVEL (default silent).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { sql } from 'kysely';
import { loadConfig } from '../../sync/platform/config/env.ts';
import { createLogger } from '../../sync/platform/log/logger.ts';
import { WEBHOOK_DRAIN_JOB } from '../../sync/providers/hubspot/webhook-drain.job.ts';
import { startService } from '../../sync/service.ts';

export type WorkerRequest =
  | { id: number; type: 'phase-start' }
  | { id: number; type: 'phase-end' }
  | { id: number; type: 'wait-drained'; timeoutMs: number }
  | { id: number; type: 'mirror-log'; dealIds: string[]; since: number }
  | { id: number; type: 'stop' };

export interface PhaseObservation {
  /** Event-loop delay of the service process during the phase (ms). */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  cpuSeconds: number;
  wallSeconds: number;
  drainRounds: number;
  drainEvents: number;
  pendingEvents: number;
  /** pg-boss rows of the drain queue by state at the end of the phase. */
  drainJobs: Record<string, number>;
}

export interface MirrorObservation {
  /** Every mirror upsert of the requested deals since `since`: when it finished and the values it wrote. */
  upserts: Array<{ dealId: string; at: number; properties: Record<string, string | null> }>;
  /** The mirror rows' `synced_at` (ms). */
  syncedAt: Record<string, number>;
  /** Inbox rows of those deals since `since`: received (acknowledged) and processed (drained) times. */
  inbox: Array<{ dealId: string; propertyName: string | null; receivedAt: number; processedAt: number | null }>;
}

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const send = (message: unknown) => process.send?.(message);
const started = performance.now();
const config = loadConfig(
  {
    PORT: '0',
    DATA_DIR: env('DATA_DIR'),
    DATABASE_URL: process.env.DATABASE_URL ?? '',
    HUBSPOT_CLIENT_ID: env('CLIENT_ID'),
    HUBSPOT_CLIENT_SECRET: env('CLIENT_SECRET'),
    HUBSPOT_APP_ID: env('APP_ID'),
    HUBSPOT_API_BASE_URL: env('SANDBOX_URL'),
    TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 5).toString('base64'),
    LOG_LEVEL: 'silent',
  },
  { sandbox: false },
);
// Production defaults on purpose (job polling, schedules): the bench measures the service as it ships.
const service = await startService(config, { logger: createLogger(process.env.BENCH_SERVICE_LOG_LEVEL ?? 'silent') });
const features = service.features;
const hubspot = service.providers.hubspot;
if (!features || !hubspot) throw new Error('HubSpot features are not enabled');
const inbox = hubspot.inbox;
const tenantId = `hubspot:${env('PORTAL_ID')}`;
const startupSeconds = (performance.now() - started) / 1000;

// Installed the way an admin does it: install link → HubSpot consent (auto-approved by the sandbox) → our callback,
// which queues provisioning (properties, role labels) and the first reconcile (with its write-back).
const installStarted = performance.now();
const installed = await fetch(`${service.url}/oauth/hubspot/install`, { redirect: 'follow' });
if (installed.status !== 200) throw new Error(`install failed: HTTP ${installed.status} ${await installed.text()}`);
while (await busy()) await new Promise((resolve) => setTimeout(resolve, 200));
const installSeconds = (performance.now() - installStarted) / 1000;
if ((await service.tenants.find(tenantId))?.status !== 'active') throw new Error(`${tenantId} is not installed`);
const mirrored = await features.mirror.counts(tenantId);

// --- observation ------------------------------------------------------------------------------------------------
const upserts: MirrorObservation['upserts'] = [];
const upsertDeals = features.mirror.upsertDeals.bind(features.mirror);
features.mirror.upsertDeals = async (id, deals, read) => {
  const written = await upsertDeals(id, deals, read);
  const at = Date.now();
  for (const entry of deals) upserts.push({ dealId: entry.deal.id, at, properties: entry.properties });
  return written;
};
let drainRounds = 0;
let drainEvents = 0;
const markProcessed = inbox.markProcessed.bind(inbox);
inbox.markProcessed = async (ids) => {
  await markProcessed(ids);
  drainRounds += 1;
  drainEvents += ids.length;
};
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
let phase = { cpu: process.cpuUsage(), at: performance.now(), runs: 0, events: 0 };

/** Any job queued or running (install, reconcile, drains). */
async function busy(): Promise<boolean> {
  const result = await sql<{ n: number }>`
    select count(*)::int as n from pgboss.job where state in ('created', 'retry', 'active')`.execute(service.store.db);
  return (result.rows[0]?.n ?? 0) > 0;
}

async function drainJobs(): Promise<Record<string, number>> {
  const result = await sql<{ state: string; n: number }>`
    select state, count(*)::int as n from pgboss.job where name = ${WEBHOOK_DRAIN_JOB} group by state`.execute(
    service.store.db,
  );
  return Object.fromEntries(result.rows.map((row) => [row.state, row.n]));
}

async function handle(request: WorkerRequest): Promise<unknown> {
  switch (request.type) {
    case 'phase-start':
      loop.reset();
      upserts.length = 0;
      phase = { cpu: process.cpuUsage(), at: performance.now(), runs: drainRounds, events: drainEvents };
      return {};
    case 'phase-end': {
      const cpu = process.cpuUsage(phase.cpu);
      const observation: PhaseObservation = {
        eventLoopDelayMs: {
          p50: loop.percentile(50) / 1e6,
          p99: loop.percentile(99) / 1e6,
          max: loop.max / 1e6,
        },
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        wallSeconds: (performance.now() - phase.at) / 1000,
        drainRounds: drainRounds - phase.runs,
        drainEvents: drainEvents - phase.events,
        pendingEvents: await inbox.countPending(tenantId),
        drainJobs: await drainJobs(),
      };
      return observation;
    }
    case 'wait-drained': {
      // Drained = nothing pending in the inbox; the queue may still hold no-op drain jobs (reported, not awaited).
      const deadline = Date.now() + request.timeoutMs;
      while (Date.now() < deadline) {
        if ((await inbox.countPending(tenantId)) === 0) return { drained: true, queueBusy: await busy() };
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return { drained: false, pending: await inbox.countPending(tenantId) };
    }
    case 'mirror-log': {
      const wanted = new Set(request.dealIds);
      const ids = [...wanted];
      const synced = ids.length
        ? await service.store.db
            .selectFrom('crm_deals')
            .select(['deal_id', 'synced_at'])
            .where('tenant_id', '=', tenantId)
            .where('deal_id', 'in', ids)
            .execute()
        : [];
      const inbox = ids.length
        ? await service.store.db
            .selectFrom('webhook_events')
            .select(['object_id', 'payload', 'received_at', 'processed_at'])
            .where('tenant_id', '=', tenantId)
            .where('object_id', 'in', ids)
            .where('received_at', '>=', new Date(request.since))
            .execute()
        : [];
      const observation: MirrorObservation = {
        upserts: upserts.filter((entry) => wanted.has(entry.dealId) && entry.at >= request.since),
        syncedAt: Object.fromEntries(synced.map((row) => [row.deal_id, new Date(row.synced_at).getTime()])),
        inbox: inbox.map((row) => ({
          dealId: row.object_id,
          propertyName: typeof row.payload.propertyName === 'string' ? row.payload.propertyName : null,
          receivedAt: new Date(row.received_at).getTime(),
          processedAt: row.processed_at ? new Date(row.processed_at).getTime() : null,
        })),
      };
      return observation;
    }
    case 'stop':
      loop.disable();
      await service.stop();
      return {};
  }
}

process.on('message', (request: WorkerRequest) => {
  handle(request).then(
    (result) => {
      send({ id: request.id, result });
      if (request.type === 'stop') process.disconnect?.();
    },
    (error: unknown) => send({ id: request.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
// Without the parent there is nothing left to serve.
process.on('disconnect', () => {
  void service.stop().finally(() => process.exit(0));
});

send({
  type: 'ready',
  url: service.url,
  publicUrl: service.publicUrl,
  database: service.store.kind,
  startupSeconds,
  installSeconds,
  mirroredDeals: mirrored.deals,
});
