import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusPage, statusPageRouter } from './status-page.ts';

describe('the status page at / (outside sandbox mode)', () => {
  it.each([
    [true, 0, 'HubSpot app configured; 0 connected portals.'],
    [true, 1, 'HubSpot app configured; 1 connected portal.'],
    [false, 0, 'No HubSpot app credentials are configured'],
  ])(
    'given hubspotConfigured=%s and %i portals, when rendered, then it says %j',
    (hubspotConfigured, tenants, says) => {
      const html = statusPage({ publicUrl: 'https://pl.example', database: 'pglite', hubspotConfigured, tenants });
      expect(html).toContain(says);
      expect(html).toContain('<a href="/healthz">/healthz</a>');
    },
  );

  it('given a public URL with markup, when rendered, then it is escaped', () => {
    const html = statusPage({
      publicUrl: 'https://x.example/"><script>',
      database: 'pglite',
      hubspotConfigured: true,
      tenants: 2,
    });
    expect(html).not.toContain('<script>');
    expect(html).toContain('https://x.example/&quot;&gt;&lt;script&gt;');
  });

  describe('served', () => {
    let server: Server;
    let base: string;
    beforeAll(async () => {
      const app = express();
      app.use(
        '/',
        statusPageRouter({
          publicUrl: 'https://pl.example',
          database: 'postgres',
          hubspotConfigured: true,
          tenants: { listActive: async () => [{ id: 'hubspot:1' }, { id: 'hubspot:2' }] as never },
        }),
      );
      server = app.listen(0);
      await new Promise((resolve) => server.once('listening', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('given a browser, when it asks for /, then an HTML page counts the active portals, with a strict CSP', async () => {
      const response = await fetch(`${base}/`, { headers: { accept: 'text/html' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'");
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(await response.text()).toContain('2 connected portals');
    });

    it('given a client that wants JSON, when it asks for /, then it gets the service and its status', async () => {
      const response = await fetch(`${base}/`, { headers: { accept: 'application/json' } });
      expect(await response.json()).toEqual({ service: 'partnerloop', status: 'ok', sandbox: false });
    });
  });
});
