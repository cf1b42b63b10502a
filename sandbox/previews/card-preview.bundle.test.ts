import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as shim from './card/ui-extensions-shim.tsx';
import { buildPreviewBundle } from './card-preview.bundle.ts';

const CARDS = fileURLToPath(new URL('../../extensions/app/cards/', import.meta.url));

/** Value (non-type) names the card's own sources import from `@hubspot/ui-extensions` (tests excluded). */
function cardImports(): Set<string> {
  const names = new Set<string>();
  const files = readdirSync(CARDS, { recursive: true, encoding: 'utf8' }).filter(
    (file) =>
      /\.tsx?$/.test(file) && !/\.test\.tsx?$/.test(file) && !file.startsWith('preview') && !file.startsWith('testing'),
  );
  for (const file of files) {
    const source = readFileSync(join(CARDS, file), 'utf8');
    for (const match of source.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+'@hubspot\/ui-extensions'/g)) {
      if (match[1]) continue;
      for (const specifier of (match[2] ?? '').split(',')) {
        const name = specifier.trim();
        if (name !== '' && !name.startsWith('type ')) names.add(name.split(/\s+as\s+/)[0] ?? name);
      }
    }
  }
  return names;
}

describe('local card preview bundle', () => {
  it('given the card sources, then the shim implements every ui-extensions value they import', () => {
    const imported = cardImports();
    expect(imported.size).toBeGreaterThan(10);
    expect(imported).toContain('hubspot');
    expect([...imported].filter((name) => !(name in shim))).toEqual([]);
  });

  it('given the preview entry, when bundled, then the real card and the shim build into one script and one stylesheet, without HubSpot’s worker runtime', async () => {
    const bundle = await buildPreviewBundle();
    expect(bundle.js.length).toBeGreaterThan(10_000);
    expect(bundle.js).toContain('partner-card');
    expect(bundle.js).not.toContain('hsFetch');
    expect(bundle.css).toContain('.hs-button');
  }, 20_000);
});
