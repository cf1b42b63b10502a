import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnTs } from './support/child-service.ts';

describe('npm start (partnerloop start --sandbox)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pl-start-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('given nothing configured, when started, then /readyz answers 200 on the embedded database and SIGTERM exits 0', async () => {
    const service = spawnTs(
      'bin/partnerloop.js',
      // A HubSpot app in the environment is replaced by the sandbox app: said once, on stderr.
      {
        DATA_DIR: dir,
        PORT: '0',
        DATABASE_URL: '',
        TOKEN_ENCRYPTION_KEY: '',
        HUBSPOT_CLIENT_ID: 'my-real-app',
        HUBSPOT_CLIENT_SECRET: '',
        HUBSPOT_APP_ID: '',
        HUBSPOT_API_BASE_URL: '',
      },
      ['start', '--sandbox'],
    );
    const [, url] = await service.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/, 60_000);
    expect(service.errors()).toMatch(
      /^sandbox mode: HUBSPOT_CLIENT_ID from the environment is ignored; the service uses the sandbox app \(client id sandbox-client-id-0000/m,
    );
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', database: 'pglite' });
    await service.waitFor(
      /CRM sandbox: http:\/\/127\.0\.0\.1:\d+ — demo portal \d+ installed as tenant hubspot:\d+ \(3000 deals, \d+ companies, \d+ partners\)/,
    );
    // The local card preview is printed and served (sandbox mode).
    const [, previewUrl] = await service.waitFor(/card preview: (http:\/\/\S+\/preview)\n/);
    const preview = await fetch(previewUrl ?? '');
    expect(preview.status).toBe(200);
    expect(await preview.text()).toContain('Deal card preview');
    // The operator home is printed first (before the service line) and served at / (sandbox mode).
    const [operatorLine, homeUrl] = await service.waitFor(/PartnerLoop operator home: (http:\/\/\S+\/) /);
    expect(service.output().indexOf(operatorLine ?? '')).toBeLessThan(
      service.output().indexOf('PartnerLoop is running on'),
    );
    const home = await fetch(homeUrl ?? '');
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('PartnerLoop operator home');
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    expect(service.output()).toContain('PartnerLoop is stopping');
  }, 90_000);
});
