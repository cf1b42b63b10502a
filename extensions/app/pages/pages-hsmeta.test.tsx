import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The app page component of the 2026.03 project (docs/BEHAVIOR.md, "The operator home as an App Page"): checked here
// against HubSpot's own template until `hs project validate` runs in CI.
const EXTENSIONS = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => JSON.parse(readFileSync(`${EXTENSIONS}${path}`, 'utf8')) as Record<string, unknown>;

describe('pages-hsmeta.json', () => {
  const meta = read('app/pages/pages-hsmeta.json');

  it('given the 2026.03 template, then the page is a "page" component with only uid, type and config.entrypoint', () => {
    expect(Object.keys(meta)).toEqual(['uid', 'type', 'config']);
    expect(meta.type).toBe('page');
    expect(meta.config).toEqual({ entrypoint: '/app/pages/Pages.tsx' });
    expect(meta.uid).toMatch(/^[A-Za-z0-9_.-]{1,64}$/);
  });

  it('given the other components, then its uid is distinct and its entrypoint exists under srcDir', () => {
    const uids = ['app/app-hsmeta.json', 'app/cards/partner-card-hsmeta.json', 'app/webhooks/webhooks-hsmeta.json'].map(
      (path) => read(path).uid,
    );
    expect(uids).not.toContain(meta.uid);
    expect(existsSync(`${EXTENSIONS}${(meta.config as { entrypoint: string }).entrypoint.slice(1)}`)).toBe(true);
  });

  it('given its package.json, then it pins the same ui-extensions and React as the card', () => {
    const page = read('app/pages/package.json') as { dependencies: Record<string, string> };
    const card = read('app/cards/package.json') as { dependencies: Record<string, string> };
    expect(page.dependencies).toEqual(card.dependencies);
  });
});
