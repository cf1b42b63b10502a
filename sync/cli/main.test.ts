import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cli } from '../../test/support/cli-harness.ts';
import { MIGRATIONS } from '../platform/store/migrations/migrations.ts';

describe('partnerloop CLI', () => {
  it.each([
    [['frobnicate'], 2, /^partnerloop: unknown command "frobnicate" \(try: start, migrate/],
    [['migrate', '--bogus'], 2, /^partnerloop migrate: Unknown option --bogus\n$/],
    [['migrate', 'extra'], 2, /^partnerloop migrate: unexpected argument "extra"\n$/],
  ])('given %j, then one line on stderr and exit %i', async (argv, code, message) => {
    const result = await cli(argv);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('given no command, then usage lists every command and exits 2; --help exits 0', async () => {
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toContain('start');
    expect(none.stdout).toContain('migrate');
    expect((await cli(['--help'])).code).toBe(0);
    expect((await cli(['migrate', '--help'])).stdout).toContain('partnerloop migrate');
  });

  it('given an invalid environment, when starting, then one line lists every bad variable and nothing starts', async () => {
    const result = await cli(['start'], { PORT: 'x', LOG_LEVEL: 'loud' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'partnerloop start: invalid environment: PORT must be an integer 0-65535; LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent\n',
    );
    const missing = await cli(['start'], {});
    expect(missing.stderr).toBe(
      'partnerloop start: invalid environment: TOKEN_ENCRYPTION_KEY is required outside sandbox mode; HUBSPOT_CLIENT_ID is required outside sandbox mode; HUBSPOT_CLIENT_SECRET is required outside sandbox mode\n',
    );
  });

  it('given a fresh data dir, when migrate runs twice, then it applies the migrations once, then reports up to date', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-migrate-'));
    // Every migration, in order (the list grows with each feature: 0001-foundation, 0002-hubspot-sync, …).
    const names = Object.keys(MIGRATIONS);
    expect(names.slice(0, 2)).toEqual(['0001-foundation', '0002-hubspot-sync']);
    const first = await cli(['migrate'], { DATA_DIR: dir });
    expect(first).toEqual({
      code: 0,
      stdout: `applied ${names.length} migration(s): ${names.join(', ')}\n`,
      stderr: '',
    });
    const second = await cli(['migrate'], { DATA_DIR: dir });
    expect(second).toEqual({ code: 0, stdout: `database is up to date (${names.length} migration(s))\n`, stderr: '' });
  });

  it('given the installed bin, when run with a bad flag, then the process exits 2 with one line and no stack trace', async () => {
    const result = await promisify(execFile)(process.execPath, ['bin/partnerloop.js', 'start', '--nope']).catch(
      (error) => error,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('partnerloop start: Unknown option --nope\n');
  });
});
