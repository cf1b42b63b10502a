import { describe, expect, it } from 'vitest';
import { EXPORT_LINK_TTL_MS, ExportLinkSigner } from './report-exports.ts';

const PATH = '/api/reports/loops/daily?period=2026-12-04&format=csv&list=queue';

function signer(now: () => number, secret = 'app-secret') {
  return new ExportLinkSigner({ clientSecret: secret, publicUrl: 'https://partnerloop.example.com/', now });
}
const tokenOf = (url: string) => url.slice('https://partnerloop.example.com/exports/'.length);

describe('ExportLinkSigner', () => {
  it('given a minted link, when checked before it expires, then it names the portal, user and export', () => {
    let now = 1_000_000;
    const links = signer(() => now).mint('123', '9000001', { queue: PATH });
    expect(links.links.queue).toMatch(/^https:\/\/partnerloop\.example\.com\/exports\/[\w-]+\.[\w-]{43}$/);
    expect(links.expiresAt).toBe(new Date(1_000_000 + EXPORT_LINK_TTL_MS).toISOString());
    now += EXPORT_LINK_TTL_MS - 1;
    expect(signer(() => now).check(tokenOf(links.links.queue as string))).toEqual({
      ok: true,
      portalId: '123',
      userId: '9000001',
      pathAndQuery: PATH,
    });
  });

  it('given a link at its expiry, then it is refused as expired', () => {
    const links = signer(() => 0).mint('123', undefined, { queue: PATH });
    expect(signer(() => EXPORT_LINK_TTL_MS).check(tokenOf(links.links.queue as string))).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it('given a link whose claims were edited (another portal), then the seal no longer holds', () => {
    const links = signer(() => 0).mint('123', undefined, { queue: PATH });
    const [payload, seal] = tokenOf(links.links.queue as string).split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, p: '999' })).toString('base64url');
    expect(signer(() => 0).check(`${forged}.${seal}`)).toEqual({ ok: false, reason: 'bad_seal' });
  });

  it('given a link sealed with another secret, then it is refused', () => {
    const links = signer(() => 0, 'other-secret').mint('123', undefined, { queue: PATH });
    expect(signer(() => 0).check(tokenOf(links.links.queue as string))).toEqual({ ok: false, reason: 'bad_seal' });
  });

  it.each(['', 'abc', 'a.b', '../../etc/passwd', `${'x'.repeat(20)}.${'y'.repeat(43)}`])(
    'given the token %j, then it is refused without a throw',
    (token) => {
      expect(signer(() => 0).check(token).ok).toBe(false);
    },
  );

  it.each([
    '/api/settings/disconnect?format=csv',
    '/api/reports/../settings/connection?format=csv',
    '/api/reports/loops/daily?list=queue',
    'https://elsewhere.example/api/reports/loops/daily?format=csv',
  ])('given the path %s, then no link is minted for it', (path) => {
    expect(() => signer(() => 0).mint('123', undefined, { bad: path })).toThrow(/not an exportable/);
  });
});
