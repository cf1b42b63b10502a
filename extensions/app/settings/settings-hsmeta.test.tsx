import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The app's settings component of the 2026.03 project (docs/BEHAVIOR.md, "The Settings page"), checked against
// HubSpot's own template (hubspot-project-components 2026.03/components/settings) until `hs project validate` runs.
const EXTENSIONS = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => JSON.parse(readFileSync(`${EXTENSIONS}${path}`, 'utf8')) as Record<string, unknown>;

describe('settings-page-hsmeta.json', () => {
  const meta = read('app/settings/settings-page-hsmeta.json');

  it('given the 2026.03 template, then it is a "settings" component with only uid, type and config.entrypoint', () => {
    expect(Object.keys(meta)).toEqual(['uid', 'type', 'config']);
    expect(meta.type).toBe('settings');
    expect(meta.config).toEqual({ entrypoint: '/app/settings/SettingsPage.tsx' });
    expect(meta.uid).toMatch(/^[A-Za-z0-9_.-]{1,64}$/);
  });

  it('given the other components, then its uid is distinct and its entrypoint exists under srcDir', () => {
    const uids = [
      'app/app-hsmeta.json',
      'app/cards/partner-card-hsmeta.json',
      'app/webhooks/webhooks-hsmeta.json',
      'app/pages/pages-hsmeta.json',
    ].map((path) => read(path).uid);
    expect(uids).not.toContain(meta.uid);
    expect(existsSync(`${EXTENSIONS}${(meta.config as { entrypoint: string }).entrypoint.slice(1)}`)).toBe(true);
  });

  it('given its package.json, then it pins the same ui-extensions and React as the card', () => {
    const settings = read('app/settings/package.json') as { dependencies: Record<string, string> };
    const card = read('app/cards/package.json') as { dependencies: Record<string, string> };
    expect(settings.dependencies).toEqual(card.dependencies);
  });
});
