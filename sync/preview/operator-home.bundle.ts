import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import { buildErrorTexts, type PreviewBundle, PreviewBundleError } from './card-preview.bundle.ts';

/** The browser entry that mounts the real OperatorHome, and the stand-in it gets for `@hubspot/ui-extensions`. */
export const OPERATOR_ENTRY = fileURLToPath(
  new URL('../../extensions/app/pages/preview/operator-entry.tsx', import.meta.url),
);
export const OPERATOR_SHIM = fileURLToPath(
  new URL('../../extensions/app/pages/preview/ui-extensions-shim.tsx', import.meta.url),
);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** `@hubspot/ui-extensions` → the pages shim (card shim + SVG charts); subpaths (`/pages`, `/testing`) have none. */
const operatorShim: Plugin = {
  name: 'operator-home-shim',
  setup(build) {
    build.onResolve({ filter: /^@hubspot\/ui-extensions(\/.*)?$/ }, (args) =>
      args.path === '@hubspot/ui-extensions'
        ? { path: OPERATOR_SHIM }
        : {
            errors: [{ text: `${args.path} has no stand-in in the local operator home (only the package root does)` }],
          },
    );
  },
};

/** One esbuild run, like the card preview's: the entry, the page and its sections, the shim, React, one IIFE + CSS. */
export async function buildOperatorBundle(): Promise<PreviewBundle> {
  const { build } = await import('esbuild');
  let outputFiles: Array<{ path: string; text: string }>;
  try {
    const result = await build({
      entryPoints: { home: OPERATOR_ENTRY },
      absWorkingDir: ROOT,
      outdir: 'operator-bundle',
      write: false,
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: ['chrome109', 'firefox115', 'safari16'],
      jsx: 'automatic',
      define: { 'process.env.NODE_ENV': '"production"' },
      minify: true,
      legalComments: 'none',
      logLevel: 'silent',
      plugins: [operatorShim],
    });
    outputFiles = result.outputFiles;
  } catch (error) {
    const texts = buildErrorTexts(error);
    throw new PreviewBundleError(`the operator home bundle could not be built: ${texts[0] ?? 'esbuild failed'}`, {
      cause: error,
      details: texts,
    });
  }
  const js = outputFiles.find((file) => file.path.endsWith('.js'));
  const css = outputFiles.find((file) => file.path.endsWith('.css'));
  if (!js || !css) throw new PreviewBundleError('the operator home bundle is missing its JavaScript or CSS output');
  return { js: js.text, css: css.text };
}

let cached: Promise<PreviewBundle> | undefined;

/** Built once per process on first use; a failed build is retried next time. */
export function operatorBundle(): Promise<PreviewBundle> {
  cached ??= buildOperatorBundle().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}
