import { fileURLToPath } from 'node:url';
import { buildErrorTexts, memoizedBundle, type PreviewBundle, PreviewBundleError } from '../card-preview.bundle.ts';
import { lwcPlugin } from './lwc.plugin.ts';

/** The browser entry that mounts the real partnerCard LWC on the preview page. */
export const SALESFORCE_PREVIEW_ENTRY = fileURLToPath(new URL('./browser/preview-entry.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const LABEL = 'the Salesforce card preview';

/**
 * One esbuild run: the entry, the card's LWC modules and the `lightning/*` stand-ins compiled by @lwc/compiler, the
 * LWC engine (@lwc/engine-dom), and the Apex stand-in, as one IIFE; the page's stylesheet as one CSS file.
 */
export async function buildSalesforceCardBundle(): Promise<PreviewBundle> {
  // Loaded on first use: the service only needs esbuild and the LWC compiler in sandbox mode, for this page.
  const [{ build }, { transformSync }] = await Promise.all([import('esbuild'), import('@lwc/compiler')]);
  let outputFiles: Array<{ path: string; text: string }>;
  try {
    const result = await build({
      entryPoints: { 'salesforce-card': SALESFORCE_PREVIEW_ENTRY },
      absWorkingDir: ROOT,
      outdir: 'salesforce-card-bundle',
      write: false,
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: ['chrome109', 'firefox115', 'safari16'],
      define: { 'process.env.NODE_ENV': '"production"' },
      minify: true,
      legalComments: 'none',
      logLevel: 'silent',
      plugins: [lwcPlugin({ label: LABEL, transformSync })],
    });
    outputFiles = result.outputFiles;
  } catch (error) {
    const texts = buildErrorTexts(error);
    throw new PreviewBundleError(`${LABEL} bundle could not be built: ${texts[0] ?? 'esbuild failed'}`, {
      cause: error,
      details: texts,
    });
  }
  const js = outputFiles.find((file) => file.path.endsWith('.js'));
  const css = outputFiles.find((file) => file.path.endsWith('.css'));
  if (!js || !css) throw new PreviewBundleError(`${LABEL} bundle is missing its JavaScript or CSS output`);
  return { js: js.text, css: css.text };
}

/** Built once per process (in the background at startup, see local-routes.ts); a failed build is retried next time. */
export const salesforceCardBundle = memoizedBundle(buildSalesforceCardBundle);
