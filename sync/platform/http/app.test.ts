import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/shared/errors.ts';
import { createLogger } from '../log/logger.ts';
import { openStore, type Store } from '../store/database.ts';
import { migrateToLatest } from '../store/migrate.ts';
import { createApp } from './app.ts';
import { createMetrics } from './metrics.ts';

describe('service HTTP basics', () => {
  let store: Store;
  let server: Server;
  let base: string;
  const received: unknown[] = [];

  beforeAll(async () => {
    store = await openStore({ dataDir: 'memory://' });
    const probe = express.Router();
    probe.post('/echo', (req, res) => {
      received.push(req.body);
      res.json({ bytes: req.rawBody?.length ?? 0 });
    });
    probe.get('/invalid', () => {
      throw new InvalidInputError('dealId must be numeric', { details: [{ field: 'dealId' }] });
    });
    probe.get('/boom', () => {
      throw new Error('secret internals: password=hunter2');
    });
    const app = createApp({
      store,
      logger: createLogger('silent'),
      metrics: createMetrics(),
      routes: [{ path: '/probe', handler: probe }],
    });
    server = app.listen(0);
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await store.close();
  });

  it('given migrations not yet applied, when /readyz is asked, then 503 with the envelope; after migrating, 200', async () => {
    const before = await fetch(`${base}/readyz`);
    expect(before.status).toBe(503);
    expect(await before.json()).toEqual({
      error: { code: 'not_ready', message: 'database migrations are not applied', details: [] },
    });
    await migrateToLatest(store.db);
    const after = await fetch(`${base}/readyz`);
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual({ status: 'ready', database: 'pglite' });
  });

  it('given the service, when /healthz is asked, then it answers ok', async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('given a JSON body, when posted, then the parsed body and the exact raw bytes are both available', async () => {
    const body = '{"a": 1,  "b":[2]}';
    const response = await fetch(`${base}/probe/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(await response.json()).toEqual({ bytes: Buffer.byteLength(body) });
    expect(received.at(-1)).toEqual({ a: 1, b: [2] });
  });

  it.each([
    ['malformed JSON', '{"a":', 400, 'malformed_json'],
    ['a body over 1 MB', JSON.stringify({ blob: 'x'.repeat(1024 * 1024) }), 413, 'payload_too_large'],
  ])(
    'given %s, when posted, then %i with the envelope and the handler never runs',
    async (_name, body, status, code) => {
      const count = received.length;
      const response = await fetch(`${base}/probe/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(response.status).toBe(status);
      const json = (await response.json()) as { error: { code: string; message: string; details: unknown[] } };
      expect(json.error.code).toBe(code);
      expect(json.error.details).toEqual([]);
      expect(received.length).toBe(count);
    },
  );

  it('given a typed error, when thrown by a route, then its status, code, message and details reach the client', async () => {
    const response = await fetch(`${base}/probe/invalid`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: { code: 'invalid_input', message: 'dealId must be numeric', details: [{ field: 'dealId' }] },
    });
  });

  it('given an unexpected error, when thrown, then 500 with a generic message and no internals', async () => {
    const response = await fetch(`${base}/probe/boom`);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      error: { code: 'internal_error', message: 'something went wrong on our side; it has been logged', details: [] },
    });
    expect(text).not.toContain('hunter2');
  });

  it('given an unknown route, when requested, then 404 with the envelope', async () => {
    const response = await fetch(`${base}/nope?x=1`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { code: 'not_found', message: 'no route for GET /nope', details: [] },
    });
  });

  it('given some traffic, when /metrics is scraped, then Prometheus text with request durations by route', async () => {
    const response = await fetch(`${base}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(
      /partnerloop_http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} 1/,
    );
    expect(text).toContain('partnerloop_process_cpu_user_seconds_total');
  });

  it('given the database closes, when /readyz is asked, then 503 not_ready', async () => {
    const other = await openStore({ dataDir: 'memory://' });
    await other.close();
    const app = createApp({ store: other, logger: createLogger('silent'), metrics: createMetrics() });
    const s = app.listen(0);
    await new Promise((resolve) => s.once('listening', resolve));
    const response = await fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/readyz`);
    await new Promise((resolve) => s.close(resolve));
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not_ready');
    await sql`select 1`.execute(store.db);
  });
});
