// What HubSpot's host does around an extension, as both local previews (the deal card, the operator home) play it:
// the page's config from the server, `hubspot.fetch` (a fetcher through the service's signing proxy), `actions.addAlert`
// (a toast) and an error boundary. Each browser entry only says what it mounts and where.

import type { AddAlertAction } from '@hubspot/ui-extensions';
import { Component, type ErrorInfo, type ReactNode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import type { CardFetcher } from '../../../extensions/app/cards/card-client.ts';
import { browser } from './browser-globals.ts';

/** HubSpot's default `hubspot.fetch` timeout, used when the extension passes none. */
const DEFAULT_TIMEOUT_MS = 15_000;
const TOAST_MS = 6_000;

type ConfigFields = Record<string, 'number' | 'string'>;
type ConfigOf<F extends ConfigFields> = { [K in keyof F]: F[K] extends 'number' ? number : string };

/** Reads what the server wrote into `<script type="application/json" id="…">`, each field of the kind named. */
export function readPageConfig<F extends ConfigFields>(elementId: string, page: string, fields: F): ConfigOf<F> {
  const value: unknown = JSON.parse(browser.document.getElementById(elementId)?.textContent ?? 'null');
  const config: Record<string, unknown> = {};
  for (const [name, kind] of Object.entries(fields)) {
    const field: unknown = typeof value === 'object' && value !== null ? Reflect.get(value, name) : undefined;
    if (typeof field !== kind) throw new Error(`${page} has no valid #${elementId}`);
    config[name] = field;
  }
  return config as ConfigOf<F>;
}

/**
 * `hubspot.fetch` as the preview plays it: the body object serialized as JSON, the timeout honoured, only the
 * extension's method/body forwarded (HubSpot passes no other headers but `Authorization`, which we do not use), and the
 * page's portal named in `portalHeader`. The proxy signs the request with the app secret server-side and appends
 * `portalId`/`userId`; nothing secret is in the page.
 */
export function previewFetcher(config: { portalId: number; portalHeader: string }): CardFetcher {
  return (url, options = {}) => {
    const headers: Record<string, string> = {
      accept: 'application/json',
      [config.portalHeader]: String(config.portalId),
    };
    const init: RequestInit = {
      method: options.method ?? 'GET',
      headers,
      credentials: 'same-origin',
      redirect: 'error',
      signal: AbortSignal.timeout(options.timeout ?? DEFAULT_TIMEOUT_MS),
    };
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(options.body);
    }
    return fetch(url, init);
  };
}

// ---- actions.addAlert → toasts ------------------------------------------------------------------------------------

type AlertArgs = Parameters<AddAlertAction>[0];
interface Toast extends AlertArgs {
  id: number;
}

const toastListeners = new Set<(toast: Toast) => void>();
let nextToastId = 1;

export function addAlert(alert: AlertArgs): void {
  const toast = { ...alert, id: nextToastId++ };
  for (const listener of toastListeners) listener(toast);
}

function Toasts() {
  const [toasts, setToasts] = useState<Toast[]>([]);
  useEffect(() => {
    const timers = new Set<ReturnType<typeof setTimeout>>();
    const listener = (toast: Toast) => {
      setToasts((current) => [...current, toast]);
      const timer = setTimeout(() => {
        timers.delete(timer);
        setToasts((current) => current.filter((other) => other.id !== toast.id));
      }, TOAST_MS);
      timers.add(timer);
    };
    toastListeners.add(listener);
    return () => {
      toastListeners.delete(listener);
      for (const timer of timers) clearTimeout(timer);
    };
  }, []);
  return (
    <div className="preview-toasts" aria-live="polite">
      {toasts.map((toast) => (
        <div
          key={toast.id}
          className={`preview-toast preview-toast--${toast.type ?? 'info'}`}
          role="status"
          data-testid="preview-toast"
        >
          <p>
            {toast.title !== undefined && <strong>{toast.title} </strong>}
            {toast.message}
          </p>
          <button
            type="button"
            aria-label="Dismiss"
            onClick={() => setToasts((current) => current.filter((other) => other.id !== toast.id))}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

// ---- mounting ------------------------------------------------------------------------------------------------------

interface BoundaryProps {
  /** What crashed, in the alert's title: "card", "operator home". */
  what: string;
  children: ReactNode;
}

/** A crash in the extension shows here instead of a blank page (HubSpot shows its own error card in that case). */
class CrashBoundary extends Component<BoundaryProps, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: unknown) {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo) {
    console.error(`the ${this.props.what} crashed`, error, info.componentStack);
  }

  override render() {
    if (this.state.error === null) return this.props.children;
    return (
      <div className="hs-alert hs-alert--danger" role="alert" data-testid="preview-crash">
        <strong className="hs-alert__title">{`The ${this.props.what} crashed`}</strong>
        <p>{this.state.error.message}</p>
      </div>
    );
  }
}

/** Renders the extension into `#rootId` behind the crash boundary, with the toasts `addAlert` raises. */
export function mountPreview(options: { rootId: string; page: string; what: string }, extension: ReactNode): void {
  const root = browser.document.getElementById(options.rootId);
  if (!root) throw new Error(`${options.page} has no #${options.rootId} element`);
  // The project compiles without lib.dom; at run time this is the page's element.
  createRoot(root as unknown as Parameters<typeof createRoot>[0]).render(
    <>
      <CrashBoundary what={options.what}>{extension}</CrashBoundary>
      <Toasts />
    </>,
  );
}
