import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { transformSync } from '@lwc/compiler';
import type { Plugin } from 'esbuild';
import { APEX_METHODS, isApexMethod } from './card-controller.mirror.ts';
import { LIGHTNING_TEMPLATES } from './lightning/lightning-templates.ts';

/** The card's LWC bundles (`c/partnerCard`, …), as deployed to the org. */
export const LWC_ROOT = fileURLToPath(
  new URL('../../../extensions/salesforce/force-app/main/default/lwc/', import.meta.url),
);
/** The stand-ins for `lightning/*`: one `<name>.js` each, its template in lightning-templates.ts. */
export const LIGHTNING_ROOT = fileURLToPath(new URL('./lightning/', import.meta.url));
/** What `@salesforce/apex/PartnerLoopCardController.<method>` calls in the browser. */
export const APEX_SHIM = fileURLToPath(new URL('./browser/apex.js', import.meta.url));

const APEX_CLASS = 'PartnerLoopCardController';
const LWC_NAMESPACE = 'lwc-module';
const SHIM_TEMPLATE_NAMESPACE = 'lightning-template';
const APEX_NAMESPACE = 'salesforce-apex';
const EMPTY_NAMESPACE = 'lwc-empty';

/**
 * esbuild plugin that builds LWC the way the platform does (the rollup plugin @lwc/rollup-plugin is its model):
 * - `c/<name>` → the card's bundle in LWC_ROOT, `lightning/<name>` → the stand-in in LIGHTNING_ROOT;
 * - each module file of those (`.js`, `.html`, `.css`) compiled with @lwc/compiler `transformSync`, namespace `c` or
 *   `lightning`; an implicit template or stylesheet a component does not have is an empty module, as on the platform;
 * - `lwc` → @lwc/engine-dom;
 * - `@salesforce/apex/PartnerLoopCardController.<method>` → a function calling browser/apex.js for that method.
 * Anything else from the platform (`lightning/<name>` without a stand-in, other `@salesforce/*` modules) fails the
 * build with a message naming it, so the preview never renders a card that silently lost a piece.
 */
export function lwcPlugin(options: { label: string; transformSync: typeof transformSync }): Plugin {
  const { label } = options;
  const compiled = (source: string, filename: string, namespace: string, name: string) => {
    const { code, warnings } = options.transformSync(source, filename, {
      namespace,
      name,
      // Native shadow DOM: the preview loads no synthetic-shadow polyfill.
      disableSyntheticShadowSupport: true,
    });
    return {
      contents: code,
      loader: 'js' as const,
      resolveDir: dirname(filename),
      warnings: (warnings ?? []).map((warning) => ({ text: `${filename}: ${warning.message}` })),
    };
  };
  return {
    name: 'lwc',
    setup(build) {
      build.onResolve({ filter: /^lwc$/ }, (args) =>
        build.resolve('@lwc/engine-dom', { kind: args.kind, resolveDir: args.resolveDir }),
      );

      build.onResolve({ filter: /^c\/[A-Za-z0-9_]+$/ }, (args) => {
        const name = args.path.slice(2);
        const entry = join(LWC_ROOT, name, `${name}.js`);
        if (!existsSync(entry)) return { errors: [{ text: `${args.path} is not a module of ${LWC_ROOT}` }] };
        return { path: entry, namespace: LWC_NAMESPACE };
      });

      build.onResolve({ filter: /^lightning\/[A-Za-z0-9_]+$/ }, (args) => {
        const name = args.path.slice('lightning/'.length);
        const entry = join(LIGHTNING_ROOT, `${name}.js`);
        if (!existsSync(entry)) return { errors: [{ text: `${args.path} has no stand-in in ${label}` }] };
        return { path: entry, namespace: LWC_NAMESPACE };
      });

      build.onResolve({ filter: /^@salesforce\// }, (args) => {
        const match = /^@salesforce\/apex\/([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)$/.exec(args.path);
        if (match?.[1] !== APEX_CLASS || !match[2] || !isApexMethod(match[2])) {
          return {
            errors: [
              {
                text: `${args.path} has no stand-in in ${label} (only ${APEX_CLASS}.${APEX_METHODS.join('|')} do)`,
              },
            ],
          };
        }
        return { path: match[2], namespace: APEX_NAMESPACE };
      });

      // Relative imports inside an LWC module: its own files, and the implicit template and stylesheets.
      build.onResolve({ filter: /^\.\.?\//, namespace: LWC_NAMESPACE }, (args) => relative(args.path, args.importer));
      build.onResolve({ filter: /^\.\.?\//, namespace: SHIM_TEMPLATE_NAMESPACE }, (args) =>
        relative(args.path, args.importer),
      );

      build.onLoad({ filter: /.*/, namespace: LWC_NAMESPACE }, (args) => {
        const [namespace, name] = componentOf(args.path);
        return compiled(readFileSync(args.path, 'utf8'), args.path, namespace, name);
      });

      build.onLoad({ filter: /.*/, namespace: SHIM_TEMPLATE_NAMESPACE }, (args) => {
        const [, name] = componentOf(args.path);
        const template = LIGHTNING_TEMPLATES[name];
        const source = extname(args.path) === '.html' ? template?.html : template?.css;
        if (source === undefined) return { contents: 'export default undefined', loader: 'js' };
        return compiled(source, args.path, 'lightning', name);
      });

      build.onLoad({ filter: /.*/, namespace: APEX_NAMESPACE }, (args) => ({
        contents:
          `import { callApex } from ${JSON.stringify(APEX_SHIM)};\n` +
          `export default function ${args.path}(params) { return callApex(${JSON.stringify(args.path)}, params); }\n`,
        loader: 'js',
        resolveDir: dirname(APEX_SHIM),
      }));

      build.onLoad({ filter: /.*/, namespace: EMPTY_NAMESPACE }, () => ({
        contents: 'export default undefined',
        loader: 'js',
      }));
    },
  };
}

/**
 * A relative import of an LWC module file. The template compiler always imports `./<name>.css` and
 * `./<name>.scoped.css?scoped=true`; a stand-in's template and styles come from LIGHTNING_TEMPLATES.
 */
function relative(specifier: string, importer: string) {
  const [path = '', query = ''] = specifier.split('?', 2);
  const target = resolve(dirname(importer), path);
  const inShims = target.startsWith(LIGHTNING_ROOT);
  const implicit = ['.html', '.css'].includes(extname(target)) && sameComponent(target, importer);
  if (query !== '' || target.endsWith('.scoped.css')) {
    // Scoped stylesheets are for light-DOM components: the card has none, and the preview does not build them.
    if (existsSync(target)) return { errors: [{ text: `${target}: scoped stylesheets are not built by the preview` }] };
    return { path: target, namespace: EMPTY_NAMESPACE };
  }
  if (inShims && implicit) return { path: target, namespace: SHIM_TEMPLATE_NAMESPACE };
  if (implicit && !existsSync(target)) return { path: target, namespace: EMPTY_NAMESPACE };
  if (!target.startsWith(LWC_ROOT) && !inShims) {
    return { errors: [{ text: `${specifier} (from ${importer}) leaves the LWC folders` }] };
  }
  return { path: target, namespace: LWC_NAMESPACE };
}

/** `x.html` / `x.css` next to `x.js` or `x.html`: the implicit template and stylesheet of component `x`. */
function sameComponent(target: string, importer: string): boolean {
  return basename(target, extname(target)) === basename(importer, extname(importer));
}

/** `[namespace, name]` of a module file: `c` and its bundle folder, or `lightning` and the stand-in's file name. */
function componentOf(path: string): [string, string] {
  if (path.startsWith(LIGHTNING_ROOT)) return ['lightning', basename(path, extname(path))];
  const bundle = dirname(path).split(sep).at(-1) ?? '';
  return ['c', bundle];
}
