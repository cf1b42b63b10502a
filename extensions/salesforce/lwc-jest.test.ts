// Runs the LWC Jest suites (force-app/**/__tests__/*.test.js) inside `npm test`: sfdx-lwc-jest as a child process,
// its JSON report read back, and every failing test named in the assertion. Jest passes everything after `--` on.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PROJECT_DIR = dirname(fileURLToPath(import.meta.url));
const SFDX_LWC_JEST = join(PROJECT_DIR, '..', '..', 'node_modules', '.bin', 'sfdx-lwc-jest');
const RUN_TIMEOUT_MS = 120_000;
/** The suites as written (38 tests): fewer means a suite stopped being found or a test was dropped. */
const MIN_TESTS = 38;
const SUITES = ['partnerCard', 'partnerPicker', 'motionTimeline', 'coSellForm'];

interface JestAssertion {
  fullName: string;
  status: string;
  failureMessages: string[];
}
interface JestSuite {
  name: string;
  status: string;
  message: string;
  assertionResults: JestAssertion[];
}
interface JestReport {
  success: boolean;
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  testResults: JestSuite[];
}

function runJest(outputFile: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile(
      SFDX_LWC_JEST,
      ['--', '--json', `--outputFile=${outputFile}`, '--ci'],
      {
        cwd: PROJECT_DIR,
        timeout: RUN_TIMEOUT_MS,
        env: { ...process.env, FORCE_COLOR: '0' },
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        // A failing test exits non-zero too: the report says which; `output` is for when there is no report.
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, output: `${stdout}\n${stderr}`.trim().slice(-4000) });
      },
    );
  });
}

/** First lines of a failure message: enough to read what broke in the vitest output. */
function firstLines(message: string, lines = 16): string {
  return message.split('\n').slice(0, lines).join('\n');
}

describe('LWC Jest suites (sfdx-lwc-jest)', () => {
  let tempDir: string;
  let report: JestReport;
  let run: { code: number | null; output: string };

  beforeAll(async () => {
    tempDir = await mkdtemp(join(tmpdir(), 'partnerloop-lwc-jest-'));
    const outputFile = join(tempDir, 'report.json');
    run = await runJest(outputFile);
    const text = await readFile(outputFile, 'utf8').catch(() => null);
    if (text === null) {
      throw new Error(`sfdx-lwc-jest wrote no report (exit ${run.code}):\n${run.output}`);
    }
    report = JSON.parse(text) as JestReport;
  }, RUN_TIMEOUT_MS + 30_000);

  afterAll(async () => {
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  });

  it('given the LWC suites, when run, then every suite loads and every test passes', () => {
    const failures = report.testResults.flatMap((suite) => {
      const file = relative(PROJECT_DIR, suite.name);
      const failed = suite.assertionResults
        .filter((test) => test.status === 'failed')
        .map((test) => `${file} › ${test.fullName}\n${firstLines(test.failureMessages.join('\n'))}`);
      // A suite that failed to load (syntax error, bad import) has no failed tests, only its message.
      if (suite.status === 'failed' && failed.length === 0) failed.push(`${file}\n${firstLines(suite.message, 12)}`);
      return failed;
    });
    expect(failures, failures.join('\n\n')).toEqual([]);
    expect(report.numFailedTests).toBe(0);
    expect(report.success).toBe(true);
    expect(run.code).toBe(0);
  });

  it(`given the LWC suites, when run, then at least ${MIN_TESTS} tests ran, from each component's suite`, () => {
    expect(report.numTotalTests).toBeGreaterThanOrEqual(MIN_TESTS);
    expect(report.numPassedTests).toBe(report.numTotalTests);
    const ran = report.testResults.map((suite) => relative(PROJECT_DIR, suite.name));
    for (const component of SUITES) {
      expect(ran, `no suite ran for ${component}`).toContain(
        `force-app/main/default/lwc/${component}/__tests__/${component}.test.js`,
      );
    }
    // Only force-app's suites: the vitest files next to this one must not be picked up by Jest.
    expect(ran.every((file) => file.startsWith('force-app/'))).toBe(true);
  });
});
