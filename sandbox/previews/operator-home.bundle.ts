import { fileURLToPath } from 'node:url';
import { buildShimmedBundle, memoizedBundle, type PreviewBundle } from './card-preview.bundle.ts';

/** The browser entry that mounts the real OperatorHome, and the stand-in it gets for `@hubspot/ui-extensions`. */
export const OPERATOR_ENTRY = fileURLToPath(new URL('./operator-home/operator-entry.tsx', import.meta.url));
/** The card's shim plus SVG charts. */
export const OPERATOR_SHIM = fileURLToPath(new URL('./operator-home/ui-extensions-shim.tsx', import.meta.url));

/** One esbuild run, like the card preview's: the entry, the page and its sections, the shim, React, one IIFE + CSS. */
export function buildOperatorBundle(): Promise<PreviewBundle> {
  return buildShimmedBundle({ name: 'home', entry: OPERATOR_ENTRY, shim: OPERATOR_SHIM, label: 'the operator home' });
}

/** Built once per process on first use; a failed build is retried next time. */
export const operatorBundle = memoizedBundle(buildOperatorBundle);
