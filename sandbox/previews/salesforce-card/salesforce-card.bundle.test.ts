import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from '@lwc/compiler';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { APEX_METHODS } from './card-controller.mirror.ts';
import { LIGHTNING_TEMPLATES } from './lightning/lightning-templates.ts';
import { LIGHTNING_ROOT, LWC_ROOT, lwcPlugin } from './lwc.plugin.ts';
import { buildSalesforceCardBundle } from './salesforce-card.bundle.ts';

/** The card's own module files (its Jest tests excluded), relative to LWC_ROOT. */
function cardSources(extension: string): string[] {
  return readdirSync(LWC_ROOT, { recursive: true, encoding: 'utf8' }).filter(
    (file) => file.endsWith(extension) && !file.includes('__tests__'),
  );
}

/** `lightning/<name>` of every `<lightning-x-y>` tag in the card's templates, and every `lightning/...` import. */
function lightningModules(): Set<string> {
  const names = new Set<string>();
  for (const file of cardSources('.html')) {
    for (const match of readFileSync(join(LWC_ROOT, file), 'utf8').matchAll(/<lightning-([a-z-]+)/g)) {
      names.add((match[1] ?? '').replace(/-([a-z])/g, (_all, letter: string) => letter.toUpperCase()));
    }
  }
  for (const file of cardSources('.js')) {
    for (const match of readFileSync(join(LWC_ROOT, file), 'utf8').matchAll(/from 'lightning\/(\w+)'/g)) {
      names.add(match[1] ?? '');
    }
  }
  return names;
}

describe('Salesforce card preview bundle', () => {
  it('given the card’s templates and imports, then every lightning/* module it uses has a stand-in (and each stand-in component its template)', () => {
    const used = lightningModules();
    expect(used).toEqual(
      new Set(['card', 'spinner', 'button', 'badge', 'input', 'combobox', 'textarea', 'platformShowToastEvent']),
    );
    for (const name of used) expect(existsSync(join(LIGHTNING_ROOT, `${name}.js`)), name).toBe(true);
    for (const name of used) {
      if (name !== 'platformShowToastEvent') expect(LIGHTNING_TEMPLATES[name]?.html, name).toContain('<template>');
    }
  });

  it('given the card’s Apex imports, then each is a method the stand-in knows', () => {
    const imported = new Set<string>();
    for (const file of cardSources('.js')) {
      const source = readFileSync(join(LWC_ROOT, file), 'utf8');
      for (const match of source.matchAll(/'@salesforce\/apex\/PartnerLoopCardController\.(\w+)'/g)) {
        imported.add(match[1] ?? '');
      }
    }
    expect(imported.size).toBeGreaterThan(5);
    expect([...imported].filter((method) => !(APEX_METHODS as string[]).includes(method))).toEqual([]);
  });

  it('given the preview entry, when bundled, then the compiled card, its children, the stand-ins and the LWC engine build into one script and one stylesheet', async () => {
    const bundle = await buildSalesforceCardBundle();
    expect(bundle.js.length).toBeGreaterThan(50_000);
    // The card and its children, compiled (templates included), and the stand-ins' markup.
    for (const text of ['c-partner-card', 'c-partner-picker', 'c-motion-timeline', 'c-co-sell-form']) {
      expect(bundle.js, text).toContain(text);
    }
    expect(bundle.js).toContain('Tag a partner');
    expect(bundle.js).toContain('Partners on this deal');
    expect(bundle.js).toContain('lightning__showtoast');
    // Every Apex method the card calls goes to the stand-in endpoint by name.
    for (const method of ['getCard', 'searchPartners', 'tagPartner']) expect(bundle.js).toContain(`"${method}"`);
    expect(bundle.css).toContain('.preview-toast');
  }, 30_000);

  it.each([
    ["import x from 'lightning/datatable';", 'lightning/datatable has no stand-in in the test'],
    ["import x from '@salesforce/apex/OtherController.run';", '@salesforce/apex/OtherController.run has no stand-in'],
    ["import x from '@salesforce/apex/PartnerLoopCardController.drop';", 'has no stand-in'],
    ["import x from '@salesforce/user/Id';", '@salesforce/user/Id has no stand-in'],
    ["import x from 'c/noSuchComponent';", 'c/noSuchComponent is not a module of'],
  ])(
    'given an import the preview cannot stand in for (%s), then the build fails naming it',
    async (source, message) => {
      const attempt = build({
        stdin: { contents: source, resolveDir: LWC_ROOT, loader: 'js' },
        bundle: true,
        write: false,
        logLevel: 'silent',
        plugins: [lwcPlugin({ label: 'the test', transformSync })],
      });
      await expect(attempt).rejects.toThrow(message);
    },
  );
});
