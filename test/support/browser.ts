import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { loadConfig } from '../../sync/platform/config/env.ts';
import { createLogger } from '../../sync/platform/log/logger.ts';
import { type Service, startService } from '../../sync/service.ts';

/** Chromium comes from the OS (`apt-get install chromium`, see .ci/run); `npx playwright install` is never used. */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const hasChromium = existsSync(CHROMIUM);
/** Locally a missing browser skips the browser half (with this reason); in CI it must fail, never skip. */
export const skipBrowser = !hasChromium && !process.env.CI;
export const ARTIFACTS = join(process.cwd(), 'test-artifacts');

/**
 * The system Chromium, headless, with one page of `viewport` and the artifacts folder ready for screenshots. Throws
 * when Chromium is missing (call it only where `skipBrowser` is false: in CI a missing browser fails the suite).
 */
export async function openBrowserPage(viewport: {
  width: number;
  height: number;
}): Promise<{ browser: Browser; page: Page }> {
  if (!hasChromium) throw new Error(`${CHROMIUM} is missing; CI installs it (.ci/run: apt-get install chromium)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  return { browser, page: await browser.newPage({ viewport }) };
}

/**
 * The service outside sandbox mode (a real-HubSpot configuration pointing nowhere), where the local previews must not
 * exist. No worker, no schedules.
 */
export async function startPlainService(name: string): Promise<{ service: Service; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), `pl-${name}-off-`));
  const config = loadConfig(
    {
      PORT: '0',
      DATA_DIR: dir,
      HUBSPOT_CLIENT_ID: `${name}-off-client`,
      HUBSPOT_CLIENT_SECRET: `${name}-off-secret`,
      HUBSPOT_APP_ID: '1',
      HUBSPOT_API_BASE_URL: 'http://127.0.0.1:9',
      TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
      LOG_LEVEL: 'silent',
    },
    { sandbox: false },
  );
  const service = await startService(config, { logger: createLogger('silent'), schedules: false, worker: false });
  return {
    service,
    async close() {
      await service.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
