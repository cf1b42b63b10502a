import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MOTION_STATES as CARD_MOTION_STATES, PARTNER_ROLES as CARD_ROLES } from '../extensions/app/cards/card-api.ts';
import { ROSTER_ACTION_VALUES } from '../extensions/app/pages/operator-api.ts';
import {
  EXTENSION_MODELS,
  type GeneratedModel,
  REPOSITORY_ROOT,
  renderModel,
  staleModels,
} from '../scripts/generate-extension-models.ts';
import { MOTION_STATES } from '../src/model/cosell.ts';
import { PARTNER_ROLES } from '../src/model/deal.ts';
import { ROSTER_ACTIONS } from '../src/model/roster-action.ts';

// The UI extensions take src/model's lists from generated copies (HubSpot builds each extension point from its own
// folder); these tests fail when a copy is stale or when extension code reaches outside extensions/ at run time.

describe('generated extension models', () => {
  it.each(EXTENSION_MODELS.map((model) => [model.path, model] as const))(
    'given src/model, then %s is what the generator writes (else run npm run generate:models)',
    (path, model) => {
      expect(readFileSync(join(REPOSITORY_ROOT, path), 'utf8')).toBe(renderModel(model));
    },
  );

  it('given a list that changed in src/model, then its copy is reported stale', () => {
    const [cards] = EXTENSION_MODELS as [GeneratedModel];
    const changed: GeneratedModel = {
      ...cards,
      lists: cards.lists.map((list) =>
        list.name === 'MOTION_STATES' ? { ...list, values: [...list.values, 'paused'] } : list,
      ),
    };
    expect(staleModels([cards])).toEqual([]);
    expect(staleModels([changed])).toEqual([changed]);
  });

  it('given the card and page contracts, then their lists are the model’s, in the same order', () => {
    expect(CARD_ROLES).toEqual(PARTNER_ROLES);
    expect(CARD_MOTION_STATES).toEqual(MOTION_STATES);
    expect(ROSTER_ACTION_VALUES).toEqual(ROSTER_ACTIONS);
  });

  it('given a value that is not a snake_case word, then the generator refuses to copy it', () => {
    const [cards] = EXTENSION_MODELS as [GeneratedModel];
    const odd: GeneratedModel = { ...cards, lists: [{ ...cards.lists[0]!, values: ["it's"] }] };
    expect(() => renderModel(odd)).toThrow(/cannot copy the list value/);
  });
});

const EXTENSIONS = join(REPOSITORY_ROOT, 'extensions');

/** Relative specifiers a file imports or re-exports at run time (`import type` / `export type` are erased). */
function runtimeImports(source: string): string[] {
  const specifiers: string[] = [];
  for (const match of source.matchAll(/^\s*(import|export)\s+(type\s+)?[^;'"]*?\bfrom\s+'([^']+)'/gm)) {
    if (!match[2] && match[3]?.startsWith('.')) specifiers.push(match[3]);
  }
  for (const match of source.matchAll(/^\s*import\s+'([^']+)'/gm)) {
    if (match[1]?.startsWith('.')) specifiers.push(match[1]);
  }
  return specifiers;
}

describe('extension sources', () => {
  it('given a runtime import, then the scanner sees it, and it ignores type-only ones', () => {
    const source = [
      "import type { A } from '../../../src/model/a.ts';",
      "import { B, type C } from './b.ts';",
      "export { D } from '../d.ts';",
      "export type { E } from '../../e.ts';",
      "import './f.ts';",
    ].join('\n');
    expect(runtimeImports(source)).toEqual(['./b.ts', '../d.ts', './f.ts']);
  });

  it('given every card, page and settings source, then nothing it imports at run time lies outside extensions/', () => {
    const files = readdirSync(join(EXTENSIONS, 'app'), { recursive: true, encoding: 'utf8' }).filter(
      (file) => /\.tsx?$/.test(file) && !/\.test\.tsx?$/.test(file),
    );
    expect(files.length).toBeGreaterThan(20);
    const outside = files.flatMap((file) => {
      const path = join(EXTENSIONS, 'app', file);
      return runtimeImports(readFileSync(path, 'utf8'))
        .map((specifier) => resolve(dirname(path), specifier))
        .filter((target) => relative(EXTENSIONS, target).startsWith('..'))
        .map((target) => `${file} → ${relative(REPOSITORY_ROOT, target)}`);
    });
    expect(outside).toEqual([]);
  });
});
