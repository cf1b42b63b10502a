import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import { AppError } from '../../src/shared/errors.ts';

/** The browser entry that mounts the real PartnerCard, and the stand-in it gets for `@hubspot/ui-extensions`. */
export const PREVIEW_ENTRY = fileURLToPath(new URL('./card/preview-entry.tsx', import.meta.url));
export const UI_EXTENSIONS_SHIM = fileURLToPath(new URL('./card/ui-extensions-shim.tsx', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface PreviewBundle {
  js: string;
  css: string;
}

/** The preview bundle could not be built (a card import the shim lacks, react-dom missing, a syntax error). */
export class PreviewBundleError extends AppError {
  readonly code = 'preview_bundle_failed';
}

/** What a local preview bundles: a browser entry, the shim standing in for `@hubspot/ui-extensions`, and its name. */
export interface ShimmedBundleSpec {
  /** esbuild entry name (the output file's base name). */
  name: string;
  entry: string;
  shim: string;
  /** How errors name the bundle: "the card preview", "the operator home". */
  label: string;
}

/**
 * One esbuild run: the entry, what it imports, the shim, React and react-dom, as one IIFE + one CSS. The package root
 * of `@hubspot/ui-extensions` resolves to the shim; its subpath imports (`/testing`, `/crm`, …) have no stand-in and
 * fail the build with a message naming them instead of silently bundling HubSpot's worker runtime.
 */
export async function buildShimmedBundle(spec: ShimmedBundleSpec): Promise<PreviewBundle> {
  // Loaded on first use: the service only needs esbuild when someone opens a preview (sandbox mode).
  const { build } = await import('esbuild');
  const shim: Plugin = {
    name: `${spec.name}-ui-extensions-shim`,
    setup(builder) {
      builder.onResolve({ filter: /^@hubspot\/ui-extensions(\/.*)?$/ }, (args) =>
        args.path === '@hubspot/ui-extensions'
          ? { path: spec.shim }
          : { errors: [{ text: `${args.path} has no stand-in in ${spec.label} (only the package root does)` }] },
      );
    },
  };
  let outputFiles: Array<{ path: string; text: string }>;
  try {
    const result = await build({
      entryPoints: { [spec.name]: spec.entry },
      absWorkingDir: ROOT,
      outdir: `${spec.name}-bundle`,
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
      plugins: [shim],
    });
    outputFiles = result.outputFiles;
  } catch (error) {
    const texts = buildErrorTexts(error);
    const hint = texts.some((text) => text.includes('react-dom'))
      ? ' (the preview needs react-dom 18.3.1 installed next to react)'
      : '';
    throw new PreviewBundleError(`${spec.label} bundle could not be built: ${texts[0] ?? 'esbuild failed'}${hint}`, {
      cause: error,
      details: texts,
    });
  }
  const js = outputFiles.find((file) => file.path.endsWith('.js'));
  const css = outputFiles.find((file) => file.path.endsWith('.css'));
  if (!js || !css) throw new PreviewBundleError(`${spec.label} bundle is missing its JavaScript or CSS output`);
  return { js: js.text, css: css.text };
}

/** The card preview's bundle: the real PartnerCard mounted by its browser entry. */
export function buildPreviewBundle(): Promise<PreviewBundle> {
  return buildShimmedBundle({
    name: 'card',
    entry: PREVIEW_ENTRY,
    shim: UI_EXTENSIONS_SHIM,
    label: 'the card preview',
  });
}

/** Built once per process on first use and kept in memory; a failed build is retried next time. */
export function memoizedBundle(build: () => Promise<PreviewBundle>): () => Promise<PreviewBundle> {
  let cached: Promise<PreviewBundle> | undefined;
  return () => {
    cached ??= build().catch((error: unknown) => {
      cached = undefined;
      throw error;
    });
    return cached;
  };
}

/** esbuild's failure carries `errors: [{text, location: {file, line}}]`; keep them readable, one line each. */
export function buildErrorTexts(error: unknown): string[] {
  if (typeof error !== 'object' || error === null || !('errors' in error) || !Array.isArray(error.errors)) {
    return [error instanceof Error ? error.message : String(error)];
  }
  return error.errors.map((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) return String(entry);
    const text = 'text' in entry && typeof entry.text === 'string' ? entry.text : 'esbuild error';
    const location = 'location' in entry ? entry.location : null;
    if (typeof location !== 'object' || location === null || !('file' in location) || !('line' in location))
      return text;
    return `${String(location.file)}:${String(location.line)}: ${text}`;
  });
}

/** The card preview's bundle, built once per process on first use. */
export const previewBundle = memoizedBundle(buildPreviewBundle);
