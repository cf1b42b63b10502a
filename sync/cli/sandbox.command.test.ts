import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { cli } from '../../test/support/cli-harness.ts';
import { runSandbox } from './sandbox.command.ts';

describe('partnerloop sandbox', () => {
  it('given --deals 50, when started, then it prints a URL and a token that work, and stops when asked', async () => {
    const stdout = new PassThrough();
    let printed = '';
    stdout.on('data', (chunk) => {
      printed += chunk;
    });
    let stop: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const running = runSandbox(
      { values: { deals: '50', seed: '9' }, positionals: [], stdout, stderr: new PassThrough(), env: {} },
      () => stopped,
    );
    await expect.poll(() => printed.includes('Press Ctrl+C')).toBe(true);

    const url = /listening on (\S+)/.exec(printed)?.[1] ?? '';
    const token = /access token:\s+(\S+)/.exec(printed)?.[1] ?? '';
    expect(printed).toMatch(/portal id:\s+\d+ {2}\(50 deals, \d+ companies, seed 9\)/);
    expect(printed).toMatch(/client id:\s+\S+/);
    expect(printed).toMatch(/client secret:\s+\S+/);
    const response = await fetch(`${url}/crm/objects/2026-03/deals?limit=3`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { results: unknown[] }).results).toHaveLength(3);

    stop();
    await expect(running).resolves.toBe(0);
    expect(printed).toContain('CRM sandbox stopped.');
    await expect(fetch(`${url}/crm/objects/2026-03/deals`)).rejects.toThrow();
  });

  it.each([
    [['--port', 'abc'], '--port must be an integer from 0 to 65535, got "abc"'],
    [['--deals', '2.5'], '--deals must be an integer from 0 to 2000000, got "2.5"'],
    [['--webhook-target', 'ftp://x'], '--webhook-target must be an http(s) URL, got "ftp://x"'],
  ])('given %j, when run, then it fails with one line and a non-zero exit', async (args, message) => {
    const result = await cli(['sandbox', ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`partnerloop sandbox: ${message}\n`);
  });

  it('given an unknown flag, when run, then it is refused', async () => {
    const result = await cli(['sandbox', '--nope']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('partnerloop sandbox:');
  });
});
