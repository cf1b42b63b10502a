import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { SANDBOX_ADMIN_USER_ID } from '../../sandbox/hubspot/users.ts';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../sandbox/server.ts';
import { signV3 } from '../../src/crm/hubspot/hubspot-signature.ts';
import { loadConfig } from '../../sync/platform/config/env.ts';
import { createLogger } from '../../sync/platform/log/logger.ts';
import type { ScoringOptions } from '../../sync/scoring/scoring.module.ts';
import { type Service, type ServiceTestKnobs, startService } from '../../sync/service.ts';
import { type RecordingProxy, startRecordingProxy } from './recording-proxy.ts';
import { createTempDatabase, eventually, type TempDatabase } from './test-stores.ts';

export interface InstalledService {
  sandbox: Sandbox;
  service: Service;
  proxy: RecordingProxy;
  portalId: number;
  tenantId: string;
  /**
   * A `hubspot.fetch`-style call: `portalId` and `userId` appended, signed v3 with the app secret. The user defaults
   * to the sandbox portal's super admin (9000001), so admin-only routes accept it.
   */
  signedFetch(
    method: string,
    path: string,
    body?: unknown,
    userId?: number,
    /** Another installed portal to sign for (default: the installed demo portal). */
    portalId?: number,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Installs another sandbox portal (`sandbox.portals`) through the OAuth flow and waits for its first reconcile. */
  installPortal(portalId: number): Promise<void>;
  /** Waits until no job is queued or running. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The sandbox, a reverse proxy whose origin is PUBLIC_URL, and the service behind it, with the default portal
 * installed through the real OAuth flow and its first reconcile done.
 */
export async function startInstalledService(
  options: {
    sandbox?: SandboxOptions;
    databaseUrl?: string | undefined;
    /** Run the service as `partnerloop start --sandbox` does (`config.sandbox`: e.g. the local card preview). */
    sandboxMode?: boolean;
    /** Partner scoring options (default: a 1 s refresh debounce, today's as-of). */
    scoring?: ScoringOptions;
    /** The signed API's per-portal budget (default: the service's). */
    apiBudget?: ServiceTestKnobs['apiBudget'];
    /** How long `idle()` waits for the queue to empty (default 60 s; a big portal's install takes longer). */
    idleTimeoutMs?: number;
    /** More environment for the service (e.g. its own AWS identity). */
    env?: Record<string, string>;
  } = {},
): Promise<InstalledService> {
  const sandbox = await startSandbox(options.sandbox ?? { deals: 80, seed: 7 });
  const dir = mkdtempSync(join(tmpdir(), 'pl-installed-'));
  const database: TempDatabase | undefined = options.databaseUrl
    ? await createTempDatabase(options.databaseUrl)
    : undefined;
  let service: Service | undefined;
  const proxy = await startRecordingProxy(() => (service as Service).url);
  const config = loadConfig(
    {
      PORT: '0',
      PUBLIC_URL: proxy.url,
      DATA_DIR: dir,
      ...(database ? { DATABASE_URL: database.url } : {}),
      HUBSPOT_CLIENT_ID: sandbox.app.clientId,
      HUBSPOT_CLIENT_SECRET: sandbox.app.clientSecret,
      HUBSPOT_APP_ID: String(sandbox.app.appId),
      HUBSPOT_API_BASE_URL: sandbox.url,
      TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 5).toString('base64'),
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...options.env,
    },
    { sandbox: options.sandboxMode ?? false },
  );
  service = await startService(config, {
    logger: createLogger((process.env.TEST_LOG_LEVEL as 'silent' | undefined) ?? 'silent'),
    schedules: false,
    testing: {
      queue: { pollingIntervalSeconds: 0.5 },
      // A 1 s scoring debounce: the refresh after a change runs within `idle()`, as it would within minutes in production.
      scoring: { debounceSeconds: 1, ...options.scoring },
      // Likewise the incremental dedupe pass after webhook changes.
      dedupe: { debounceSeconds: 1 },
      ...(options.apiBudget === undefined ? {} : { apiBudget: options.apiBudget }),
    },
  });
  const running = service;
  sandbox.webhooks.setTarget(`${proxy.url}/webhooks/hubspot`);
  const installed = await fetch(`${proxy.url}/oauth/hubspot/install`, { redirect: 'follow' });
  if (installed.status !== 200) throw new Error(`install failed: HTTP ${installed.status} ${await installed.text()}`);
  const portalId = sandbox.portal.portalId;
  const tenantId = `hubspot:${portalId}`;

  const noJobs = async () => {
    const busy = await sql<{ n: number }>`
      select count(*)::int as n from pgboss.job where state in ('created', 'retry', 'active')`.execute(
      running.store.db,
    );
    return busy.rows[0]!.n === 0;
  };
  // Idle = the sandbox has delivered every webhook it owes (a write's echo arrives after the job that wrote it) and no
  // job is queued or running; repeated until a round leaves nothing new behind.
  const idle = async () => {
    for (let round = 0; round < 10; round += 1) {
      await sandbox.webhooks.flush();
      await eventually(noJobs, options.idleTimeoutMs ?? 60_000);
      if (sandbox.webhooks.pending().length === 0) return;
    }
  };
  await idle();

  return {
    sandbox,
    service: running,
    proxy,
    portalId,
    tenantId,
    idle,
    async installPortal(otherPortalId) {
      const start = await fetch(`${proxy.url}/oauth/hubspot/install`, { redirect: 'manual' });
      const consent = new URL(start.headers.get('location') ?? '');
      consent.searchParams.set('portalId', String(otherPortalId));
      const approved = await fetch(consent, { redirect: 'manual' });
      const callback = await fetch(approved.headers.get('location') ?? '', { redirect: 'manual' });
      if (callback.status !== 200)
        throw new Error(`install of portal ${otherPortalId} failed: HTTP ${callback.status}`);
      await idle();
    },
    async signedFetch(method, path, body, userId = SANDBOX_ADMIN_USER_ID, signedPortalId = portalId) {
      const separator = path.includes('?') ? '&' : '?';
      const url = `${proxy.url}${path}${separator}portalId=${signedPortalId}&userId=${userId}`;
      const text = body === undefined ? '' : JSON.stringify(body);
      const timestamp = Date.now();
      const response = await fetch(url, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          'x-hubspot-signature-v3': signV3({
            secret: sandbox.app.clientSecret,
            method,
            uri: url,
            body: text,
            timestamp,
          }),
          'x-hubspot-request-timestamp': String(timestamp),
        },
        ...(body === undefined ? {} : { body: text }),
      });
      // CSV exports come back as `{ text }`; everything else the API answers is JSON.
      const json = response.headers.get('content-type')?.includes('json') ?? false;
      const parsed = json ? await response.json() : { text: await response.text() };
      return { status: response.status, body: parsed as Record<string, unknown> };
    },
    async close() {
      await running.stop();
      await proxy.close();
      await sandbox.close();
      await database?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
