import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

describe('logger redaction', () => {
  it('given secrets nested in a logged object, when logged, then they are censored and other fields kept', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger('info', sink);
    logger.info(
      {
        tenant: 'hubspot:1',
        credentials: { accessToken: 'at-1' },
        token: { access_token: 'at-2', refresh_token: 'rt-2' },
        req: { headers: { authorization: 'Bearer at-3' } },
        oauth: { code: 'auth-code', client_secret: 'cs' },
      },
      'hello',
    );
    const line = lines.join('');
    for (const secret of ['at-1', 'at-2', 'rt-2', 'Bearer at-3', 'auth-code', '"cs"'])
      expect(line).not.toContain(secret);
    expect(JSON.parse(line)).toMatchObject({ tenant: 'hubspot:1', msg: 'hello', credentials: '[redacted]' });
  });
});
