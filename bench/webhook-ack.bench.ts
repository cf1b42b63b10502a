import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type Sandbox, startSandbox } from '../sandbox/server.ts';
import { signV3 } from '../src/crm/hubspot/hubspot-signature.ts';
import { SeededRandom } from '../src/shared/seeded-random.ts';
import type { BenchModule } from './bench-module.ts';
import { httpRequest } from './support/http-request.ts';
import { percentiles } from './support/measure.ts';
import { tsWorkerArgs } from './support/node-args.ts';
import type { MirrorObservation, PhaseObservation, WorkerRequest } from './support/webhook-service-worker.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** SPEC §6 Webhooks. */
const ACK_RATE = 1_000;
const ACK_P99_TARGET_MS = 100;
const E2E_RATE = 50;
const E2E_P95_TARGET_MS = 2_000;
/** Properties the service reads (DEAL_READ_PROPERTIES) that sellers change most. */
const CHANGED_PROPERTIES = ['dealname', 'amount', 'dealstage'] as const;
/** The sandbox's default subscriptions: deals creation / propertyChange. */
const SUBSCRIPTION = { creation: 5_000_000, propertyChange: 5_000_002 } as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const round = (value: number, digits = 2) => Number(value.toFixed(digits));

// --- the service in a child process -------------------------------------------------------------------------------

interface Ready {
  url: string;
  publicUrl: string;
  database: string;
  startupSeconds: number;
  installSeconds: number;
  mirroredDeals: number;
}

/** A request without its id (Omit over each member of the union). */
type RequestBody = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;

interface ServiceWorker {
  ready: Ready;
  request<T>(request: RequestBody): Promise<T>;
  /** Graceful stop; killed when it takes longer than `graceMs` (a drain may be waiting on rate limits). */
  stop(graceMs: number): Promise<void>;
}

function startWorker(env: Record<string, string>): Promise<ServiceWorker> {
  const child: ChildProcess = spawn(process.execPath, tsWorkerArgs('bench/support/webhook-service-worker.ts'), {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let next = 1;
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    void exited.then((code) => {
      const error = new Error(`webhook service worker exited ${code}`);
      for (const pending of waiting.values()) pending.reject(error);
      reject(error);
    });
    child.on('message', (message: { type?: string; id?: number; result?: unknown; error?: string }) => {
      if (message.type === 'ready') {
        resolve({
          ready: message as unknown as Ready,
          request: <T>(request: RequestBody) =>
            new Promise<T>((resolveRequest, rejectRequest) => {
              const id = next++;
              waiting.set(id, { resolve: resolveRequest as (value: unknown) => void, reject: rejectRequest });
              child.send({ ...request, id });
            }),
          stop: async (graceMs) => {
            const stopped = new Promise<void>((resolveStop) => {
              const id = next++;
              waiting.set(id, { resolve: () => resolveStop(), reject: () => resolveStop() });
              child.send({ type: 'stop', id });
            });
            const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
            await stopped;
            await exited;
            clearTimeout(timer);
          },
        });
        return;
      }
      const pending = message.id === undefined ? undefined : waiting.get(message.id);
      if (!pending || message.id === undefined) return;
      waiting.delete(message.id);
      if (message.error) pending.reject(new Error(message.error));
      else pending.resolve(message.result);
    });
  });
}

/** A fresh Postgres database when BENCH_DATABASE_URL / TEST_DATABASE_URL is set (dropped afterwards). */
async function tempDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `pl_bench_${randomBytes(6).toString('hex')}`;
  const run = async (text: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  await run(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`drop database if exists ${name} with (force)`) };
}

// --- ack latency: open-loop signed batches ----------------------------------------------------------------------

interface Shape {
  name: string;
  description: string;
  /** Batch sizes and send offsets (ms from the phase start), fixed before the phase begins. */
  schedule(seconds: number, random: () => number): Array<{ at: number; size: number }>;
}

const fixed = (size: number): Shape => ({
  name: `batch${size}`,
  description: `${ACK_RATE / size} requests/s of ${size} events, evenly spaced`,
  schedule: (seconds) => {
    const interval = (size / ACK_RATE) * 1000;
    return Array.from({ length: Math.floor((seconds * 1000) / interval) }, (_, i) => ({ at: i * interval, size }));
  },
});

/**
 * HubSpot batches whatever accumulated (≤ 100): sizes skew small with a heavy tail, gaps are exponential (Poisson
 * arrivals), stretched so the phase offers exactly 1,000 events/s on average.
 */
const mixed: Shape = {
  name: 'mixed',
  description: 'Poisson arrivals, batch sizes 1-100 (30% 1, 30% 2-10, 20% 11-50, 20% 51-100), 1,000 events/s mean',
  schedule: (seconds, random) => {
    const out: Array<{ at: number; size: number }> = [];
    const pick = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
    let at = 0;
    let events = 0;
    while (events < ACK_RATE * seconds) {
      const r = random();
      const size = Math.min(
        ACK_RATE * seconds - events,
        r < 0.3 ? 1 : r < 0.6 ? pick(2, 10) : r < 0.8 ? pick(11, 50) : pick(51, 100),
      );
      out.push({ at, size });
      events += size;
      at += -Math.log(1 - random()) * (size / ACK_RATE) * 1000;
    }
    const stretch = (seconds * 1000) / at;
    return out.map((entry) => ({ at: entry.at * stretch, size: entry.size }));
  },
};

interface AckContext {
  service: ServiceWorker;
  sandbox: Sandbox;
  dealIds: readonly string[];
  createdIds: readonly string[];
  random: () => number;
  log: (line: string) => void;
}

let nextEventId = 700_000_001;

/** One delivery as HubSpot builds it: mostly seller edits of read properties, some creations, some of our echoes. */
function buildEvents(context: AckContext, size: number): Array<Record<string, unknown>> {
  const { sandbox, random } = context;
  const now = Date.now();
  return Array.from({ length: size }, () => {
    const r = random();
    const base = {
      eventId: nextEventId++,
      portalId: sandbox.portal.portalId,
      appId: sandbox.app.appId,
      occurredAt: now,
      attemptNumber: 0,
      objectTypeId: '0-3',
    };
    if (r < 0.05) {
      const objectId = Number(context.createdIds[Math.floor(random() * context.createdIds.length)]);
      return {
        ...base,
        subscriptionId: SUBSCRIPTION.creation,
        subscriptionType: 'object.creation',
        objectId,
        changeFlag: 'CREATED',
        changeSource: 'CRM_UI',
        sourceId: 'userId:9000001',
      };
    }
    const objectId = Number(context.dealIds[Math.floor(random() * context.dealIds.length)]);
    if (r < 0.15) {
      // Our own write-back echoed by HubSpot: acknowledged, ignored.
      return {
        ...base,
        subscriptionId: SUBSCRIPTION.propertyChange,
        subscriptionType: 'object.propertyChange',
        objectId,
        propertyName: 'pl_attribution_status',
        propertyValue: 'ok',
        changeSource: 'INTEGRATION',
        sourceId: String(sandbox.app.appId),
      };
    }
    const propertyName = CHANGED_PROPERTIES[Math.floor(random() * CHANGED_PROPERTIES.length)] ?? 'dealname';
    const propertyValue =
      propertyName === 'amount'
        ? String(Math.round(random() * 100_000))
        : propertyName === 'dealstage'
          ? 'qualifiedtobuy'
          : `Deal ${objectId} (edited)`;
    return {
      ...base,
      subscriptionId: SUBSCRIPTION.propertyChange,
      subscriptionType: 'object.propertyChange',
      objectId,
      propertyName,
      propertyValue,
      changeSource: 'CRM_UI',
      sourceId: 'userId:9000001',
    };
  });
}

async function ackPhase(context: AckContext, shape: Shape, seconds: number) {
  const { service, sandbox } = context;
  const schedule = shape.schedule(seconds, context.random);
  const target = new URL('/webhooks/hubspot', service.ready.url);
  const signedUri = `${service.ready.publicUrl}/webhooks/hubspot`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  const latencies: number[] = [];
  const lags: number[] = [];
  const statuses: Record<string, number> = {};
  const totals = { received: 0, accepted: 0, duplicates: 0, ignored: 0 };
  let errors = 0;
  let ackedEvents = 0;
  let lastResponse = 0;
  const inFlight = new Set<Promise<void>>();

  await service.request({ type: 'phase-start' });
  const start = performance.now() + 20;
  const fire = (entry: { at: number; size: number }) => {
    const scheduled = start + entry.at;
    lags.push(performance.now() - scheduled);
    const body = JSON.stringify(buildEvents(context, entry.size));
    const timestamp = Date.now();
    const headers = {
      'content-type': 'application/json',
      'x-hubspot-request-timestamp': String(timestamp),
      'x-hubspot-signature-v3': signV3({
        secret: sandbox.app.clientSecret,
        method: 'POST',
        uri: signedUri,
        body,
        timestamp,
      }),
    };
    const delivery = httpRequest(agent, 'POST', target, headers, body).then(
      (response) => {
        const now = performance.now();
        // From the scheduled send time, not the actual one: any sending lag counts too (no coordinated omission).
        latencies.push(now - scheduled);
        lastResponse = now;
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        if (response.status !== 200) {
          errors += 1;
          return;
        }
        ackedEvents += entry.size;
        const parsed = JSON.parse(response.body) as typeof totals;
        for (const key of Object.keys(totals) as Array<keyof typeof totals>) totals[key] += parsed[key];
      },
      () => {
        errors += 1;
        latencies.push(performance.now() - scheduled);
      },
    );
    inFlight.add(delivery);
    void delivery.finally(() => inFlight.delete(delivery));
  };

  let index = 0;
  while (index < schedule.length) {
    const now = performance.now();
    while (index < schedule.length && start + (schedule[index]?.at ?? 0) <= now) {
      const entry = schedule[index++];
      if (entry) fire(entry);
    }
    const upcoming = schedule[index];
    if (upcoming) await sleep(start + upcoming.at - performance.now());
  }
  await Promise.allSettled([...inFlight]);
  agent.destroy();
  const observed = await service.request<PhaseObservation>({ type: 'phase-end' });
  const events = schedule.reduce((sum, entry) => sum + entry.size, 0);
  const ack = percentiles(latencies);
  const windowSeconds = (lastResponse - start) / 1000;
  const result = {
    shape: shape.description,
    seconds,
    requests: schedule.length,
    events,
    offeredEventsPerSecond: round(events / seconds, 1),
    ackedEventsPerSecond: round(ackedEvents / windowSeconds, 1),
    ackMs: ack,
    errors,
    statuses,
    ...totals,
    generatorSendLagMs: percentiles(lags),
    service: {
      eventLoopDelayMs: mapValues(observed.eventLoopDelayMs, (v) => round(v, 1)),
      cpuPercent: round((observed.cpuSeconds / observed.wallSeconds) * 100, 0),
      drainRounds: observed.drainRounds,
      drainedEvents: observed.drainEvents,
      pendingEventsAtEnd: observed.pendingEvents,
      drainJobsByState: observed.drainJobs,
    },
    pass: errors === 0 && ack.p99 !== null && ack.p99 < ACK_P99_TARGET_MS,
  };
  context.log(
    `${shape.name}: ${schedule.length} requests, ${events} events; ack p50 ${ack.p50} p99 ${ack.p99} max ${ack.max} ms, ` +
      `${errors} errors; drained ${observed.drainEvents}, pending ${observed.pendingEvents}`,
  );
  return result;
}

/** Fisher–Yates. */
function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    const swap = out[i] as T;
    out[i] = out[j] as T;
    out[j] = swap;
  }
  return out;
}

function mapValues<T extends Record<string, number>>(object: T, map: (value: number) => number): T {
  return Object.fromEntries(Object.entries(object).map(([key, value]) => [key, map(value)])) as T;
}

// --- end to end: seller edits in the sandbox → signed webhooks → drain → mirror → CRM write-back -------------------

interface Change {
  dealId: string;
  property: string;
  value: string;
  at: number;
}

async function endToEndPhase(
  service: ServiceWorker,
  sandbox: Sandbox,
  dealIds: readonly string[],
  seconds: number,
  random: () => number,
  log: (line: string) => void,
) {
  const portal = sandbox.portal;
  const stagesByPipeline = new Map(portal.pipelines.map((p) => [p.id, p.stages.map((stage) => stage.id)]));
  const records = new Map([...portal.records('deals')].map((record) => [record.id, record]));
  // Each deal changes once, so "the service reflects this change" is unambiguous.
  const order = shuffle(dealIds, random).slice(0, E2E_RATE * seconds);
  const changes: Change[] = [];
  // The app's own writes landing in the CRM: the write-back stage, seen from HubSpot's side.
  const watched = new Set(order);
  const writes: Array<{ dealId: string; property: string; at: number }> = [];
  const unsubscribe = portal.onChange((change) => {
    if (change.kind !== 'propertyChange' || change.objectType !== 'deals' || !watched.has(change.objectId)) return;
    if (change.actor.changeSource !== 'INTEGRATION') return;
    writes.push({ dealId: change.objectId, property: change.propertyName, at: change.at });
  });
  sandbox.webhooks.setTarget(`${service.ready.publicUrl}/webhooks/hubspot`);
  sandbox.resetStats();
  const deliveriesBefore = sandbox.webhooks.deliveries.length;
  await service.request({ type: 'phase-start' });
  const since = Date.now() - 1;
  const start = performance.now() + 20;
  for (let i = 0; i < order.length; i += 1) {
    await sleep(start + (i * 1000) / E2E_RATE - performance.now());
    const record = records.get(order[i] ?? '');
    if (!record) continue;
    const property = CHANGED_PROPERTIES[i % CHANGED_PROPERTIES.length] ?? 'dealname';
    let value: string;
    if (property === 'dealstage') {
      // Open ↔ closed-won: the stage changes most likely to move attribution requirements (and so a write-back).
      const stages = stagesByPipeline.get(record.properties.pipeline ?? 'default') ?? [];
      const first = stages[0] ?? '';
      value = record.properties.dealstage === first ? (stages.at(-2) ?? first) : first;
    } else if (property === 'amount') {
      value = String(10_000 + i);
    } else {
      value = `${record.properties.dealname ?? 'Deal'} · e2e ${i}`;
    }
    const at = Date.now();
    portal.update('deals', record, { [property]: value }, sandbox.userActor());
    changes.push({ dealId: record.id, property, value: record.properties[property] ?? value, at });
  }
  const sendSeconds = (performance.now() - start) / 1000;
  const drainWaitStarted = performance.now();
  await sandbox.webhooks.flush();
  const drained = await service.request<{ drained: boolean }>({ type: 'wait-drained', timeoutMs: 20_000 });
  const catchUpSeconds = (performance.now() - drainWaitStarted) / 1000;
  const observed = await service.request<PhaseObservation>({ type: 'phase-end' });
  const mirror = await service.request<MirrorObservation>({
    type: 'mirror-log',
    dealIds: changes.map((c) => c.dealId),
    since,
  });
  const stats = sandbox.stats();
  unsubscribe();
  sandbox.webhooks.setTarget(undefined);

  const upsertsByDeal = new Map<string, MirrorObservation['upserts']>();
  for (const entry of mirror.upserts) {
    const list = upsertsByDeal.get(entry.dealId) ?? [];
    list.push(entry);
    upsertsByDeal.set(entry.dealId, list);
  }
  // Seller edits only (our write-backs are echoed into the inbox too, as property changes of pl_* properties).
  const inboxByKey = new Map(mirror.inbox.map((row) => [`${row.dealId}:${row.propertyName}`, row]));
  const toMirror: number[] = [];
  const toInbox: number[] = [];
  const toProcessed: number[] = [];
  const toWriteBack: number[] = [];
  const bySyncedAt: number[] = [];
  let notReflected = 0;
  for (const change of changes) {
    const inbox = inboxByKey.get(`${change.dealId}:${change.property}`);
    if (inbox) {
      toInbox.push(inbox.receivedAt - change.at);
      if (inbox.processedAt !== null) toProcessed.push(inbox.processedAt - change.at);
    }
    const written = writes.find((write) => write.dealId === change.dealId && write.at >= change.at);
    if (written) toWriteBack.push(written.at - change.at);
    const reflected = (upsertsByDeal.get(change.dealId) ?? []).find(
      (entry) => entry.at >= change.at && entry.properties[change.property] === change.value,
    );
    if (!reflected) {
      notReflected += 1;
      continue;
    }
    toMirror.push(reflected.at - change.at);
    const synced = mirror.syncedAt[change.dealId];
    if (synced !== undefined) bySyncedAt.push(synced - change.at);
  }
  const deliveries = sandbox.webhooks.deliveries.slice(deliveriesBefore);
  const processed = percentiles(toProcessed);
  const writeBack = percentiles(toWriteBack);
  const elapsed = sendSeconds + catchUpSeconds;
  const routes = Object.fromEntries(
    Object.entries(stats.routes).map(([route, entry]) => [route, { calls: entry.calls, statuses: entry.statuses }]),
  );
  log(
    `end-to-end: ${changes.length} changes; processed p50 ${processed.p50} p95 ${processed.p95} ms; ` +
      `${toWriteBack.length} write-backs p50 ${writeBack.p50} p95 ${writeBack.p95} ms; ` +
      `${stats.calls} sandbox calls, ${stats.rateLimited} 429s`,
  );
  return {
    measures:
      'seller edit in the sandbox → signed webhook → inbox → drain job (fresh CRM read → mirror → deal writers → ' +
      'changed values written to the CRM) → event marked processed',
    seconds,
    changes: changes.length,
    changesPerSecond: round(changes.length / sendSeconds, 1),
    webhookDeliveries: deliveries.length,
    webhookEvents: deliveries.reduce((sum, d) => sum + d.events, 0),
    webhookFailures: deliveries.filter((d) => d.status !== 200).length,
    /** Change → the drain has finished with it: mirror refreshed, writers run, any changed value written to the CRM. */
    eventToProcessedMs: processed,
    /** Change → the app's write landed in the CRM, for the changes that led to one (attribution values moved). */
    eventToCrmWriteBackMs: writeBack,
    breakdown: {
      changeToInboxMs: percentiles(toInbox),
      changeToMirrorMs: percentiles(toMirror),
      /** From the mirror rows' synced_at: the latest refresh, so a later one (our own write's echo) counts too. */
      changeToMirrorSyncedAtMs: percentiles(bySyncedAt),
    },
    notReflectedInMirror: notReflected,
    drained: drained.drained,
    catchUpSeconds: round(catchUpSeconds, 2),
    service: {
      cpuPercent: round((observed.cpuSeconds / observed.wallSeconds) * 100, 0),
      eventLoopDelayMs: mapValues(observed.eventLoopDelayMs, (v) => round(v, 1)),
      drainRounds: observed.drainRounds,
      drainedEvents: observed.drainEvents,
      drainJobsByState: observed.drainJobs,
    },
    sandbox: {
      calls: stats.calls,
      callsPerSecond: round(stats.calls / elapsed, 1),
      rateLimitPerSecond: round((sandbox.limits.tenSecondly * 1000) / sandbox.limits.windowMs, 1),
      rateLimited429s: stats.rateLimited,
      routes,
    },
    pass:
      notReflected === 0 &&
      toProcessed.length === changes.length &&
      processed.p95 !== null &&
      processed.p95 < E2E_P95_TARGET_MS &&
      (writeBack.p95 === null || writeBack.p95 < E2E_P95_TARGET_MS),
  };
}

/**
 * SPEC §6 Webhooks against the real service (its own process, production defaults, PGlite or Postgres) and the
 * sandbox (real HubSpot limits), the portal installed through OAuth: first seller edits at 50 events/s delivered by
 * the sandbox as signed webhooks, event → processed (mirror refreshed, deal writers run, changed values written back)
 * p95 < 2 s; then signed deliveries at 1,000 events/s, open loop, in three shapes, p99 acknowledgment < 100 ms.
 */
const bench: BenchModule = {
  name: 'webhook-ack',
  description: 'webhook ack latency at 1,000 events/s; event → CRM write-back at 50 events/s (--quick: shorter)',
  async run({ quick, log }) {
    const deals = quick ? 2_000 : 5_000;
    // The realistic mix gets the full ~20 s; the two fixed shapes are shorter to keep the run under two minutes.
    const e2eSeconds = quick ? 5 : 20;
    const random = new SeededRandom(2026).next;
    const loadBefore = loadavg()[0] ?? 0;
    const sandbox = await startSandbox({ deals, seed: 2026 });
    const dir = mkdtempSync(join(tmpdir(), 'pl-bench-webhooks-'));
    const adminUrl = process.env.BENCH_DATABASE_URL?.trim() || process.env.TEST_DATABASE_URL?.trim() || undefined;
    const database = adminUrl ? await tempDatabase(adminUrl) : undefined;
    let service: ServiceWorker | undefined;
    try {
      const setupStarted = performance.now();
      service = await startWorker({
        SANDBOX_URL: sandbox.url,
        CLIENT_ID: sandbox.app.clientId,
        CLIENT_SECRET: sandbox.app.clientSecret,
        APP_ID: String(sandbox.app.appId),
        PORTAL_ID: String(sandbox.portal.portalId),
        DATA_DIR: dir,
        DATABASE_URL: database?.url ?? '',
      });
      const ready = service.ready;
      const installedAt = performance.now();
      log(
        `service up (${ready.database}) in ${ready.startupSeconds.toFixed(1)} s; installed (provisioning + first ` +
          `reconcile of ${ready.mirroredDeals} deals) in ${ready.installSeconds.toFixed(1)} s`,
      );
      const dealIds = [...sandbox.portal.records('deals')].filter((r) => !r.archived).map((r) => r.id);
      // Deals the creation events name; created while no webhook target is set, so they arrive only as our events.
      const createdIds = Array.from(
        { length: 100 },
        (_, i) =>
          sandbox.portal.create(
            'deals',
            { dealname: `Bench created deal ${i}`, dealstage: 'appointmentscheduled', amount: '1000' },
            sandbox.userActor(),
          ).id,
      );
      const setupSeconds = (performance.now() - setupStarted) / 1000;

      // The rate-limit window still holds the first reconcile's calls; let it roll over so the drain starts clean.
      await sleep(10_500 - (performance.now() - installedAt));
      log(`end-to-end: ${E2E_RATE} seller edits/s for ${e2eSeconds} s`);
      const endToEnd = await endToEndPhase(service, sandbox, dealIds, e2eSeconds, random, log);

      const context: AckContext = { service, sandbox, dealIds, createdIds, random, log };
      const shapes: Record<string, Awaited<ReturnType<typeof ackPhase>>> = {};
      sandbox.resetStats();
      const ackStarted = performance.now();
      for (const [shape, seconds] of [
        [mixed, quick ? 5 : 20],
        [fixed(100), quick ? 5 : 12],
        [fixed(10), quick ? 5 : 12],
      ] as const) {
        log(`ack ${shape.name}: ${shape.description}, ${seconds} s`);
        shapes[shape.name] = await ackPhase(context, shape, seconds);
      }
      const drainStats = sandbox.stats();
      const ackSeconds = (performance.now() - ackStarted) / 1000;

      const targets = {
        ackP99Under100ms: Object.values(shapes).every((shape) => shape.pass),
        eventToWriteBackP95Under2s: endToEnd.pass,
      };
      return {
        spec: 'SPEC §6 Webhooks: 1,000 events/s accepted with p99 ack < 100 ms on loopback; event → CRM write-back p95 < 2 s at 50 events/s',
        database: ready.database,
        deals,
        // Everything (sandbox + load generator, the service, Postgres) shares these CPUs; other load skews the tail.
        host: { cpus: cpus().length, loadAverage1m: { before: round(loadBefore), after: round(loadavg()[0] ?? 0) } },
        setup: {
          serviceStartupSeconds: round(ready.startupSeconds),
          installAndFirstReconcileSeconds: round(ready.installSeconds),
          mirroredDeals: ready.mirroredDeals,
          totalSeconds: round(setupSeconds),
        },
        ack: {
          rateEventsPerSecond: ACK_RATE,
          targetP99Ms: ACK_P99_TARGET_MS,
          measuredFrom: 'scheduled send time (open loop) to the end of the response',
          shapes,
          // The drain re-reads every touched deal at HubSpot's limit (110 requests / 10 s), which 1,000 events/s of
          // distinct deals exceeds: the backlog grows while acknowledgments stay fast.
          drainDuringAck: {
            sandboxCalls: drainStats.calls,
            sandboxCallsPerSecond: round(drainStats.calls / ackSeconds, 1),
            rateLimited429s: drainStats.rateLimited,
            drainedEventsPerSecond: round(
              Object.values(shapes).reduce((sum, shape) => sum + shape.service.drainedEvents, 0) / ackSeconds,
              1,
            ),
            pendingEventsAtEnd: Object.values(shapes).at(-1)?.service.pendingEventsAtEnd ?? 0,
          },
          pass: targets.ackP99Under100ms,
        },
        endToEnd: { rateEventsPerSecond: E2E_RATE, targetP95Ms: E2E_P95_TARGET_MS, ...endToEnd },
        targets,
        met: Object.values(targets).every(Boolean),
      };
    } finally {
      await service?.stop(quick ? 5_000 : 10_000);
      await sandbox.close();
      await database?.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
