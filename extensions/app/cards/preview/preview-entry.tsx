// Browser entry of the local card preview (GET /preview/portals/:portalId/deals/:dealId, sandbox mode only).
// It mounts the REAL PartnerCard with react-dom; `@hubspot/ui-extensions` is aliased to ./ui-extensions-shim.tsx by the
// bundler (sync/preview/card-preview.bundle.ts). What HubSpot's host does around a card, the preview does here: the
// record context, `actions.addAlert` (a toast), and `hubspot.fetch` (a fetcher through the service's signing proxy).

import './preview.css';
import type { AddAlertAction } from '@hubspot/ui-extensions';
import { Component, type ErrorInfo, type ReactNode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import type { CardFetcher } from '../card-client.ts';
import { PartnerCard } from '../PartnerCard.tsx';
import { browser } from './browser-globals.ts';

/** Written by the server into `<script type="application/json" id="preview-config">`. */
interface PreviewConfig {
  portalId: number;
  dealId: number;
  /** Where the card's `/api/card/...` requests go: the preview proxy's prefix (`/preview`). */
  apiBase: string;
  /** Header naming the page's portal to the proxy, which appends it to the signed query as HubSpot would. */
  portalHeader: string;
}

/** HubSpot's default `hubspot.fetch` timeout, used when the card passes none. */
const DEFAULT_TIMEOUT_MS = 15_000;
const TOAST_MS = 6_000;

function readConfig(): PreviewConfig {
  const text = browser.document.getElementById('preview-config')?.textContent;
  const value: unknown = JSON.parse(text ?? 'null');
  if (
    typeof value !== 'object' ||
    value === null ||
    !('portalId' in value && typeof value.portalId === 'number') ||
    !('dealId' in value && typeof value.dealId === 'number') ||
    !('apiBase' in value && typeof value.apiBase === 'string') ||
    !('portalHeader' in value && typeof value.portalHeader === 'string')
  ) {
    throw new Error('the preview page has no valid #preview-config');
  }
  return {
    portalId: value.portalId,
    dealId: value.dealId,
    apiBase: value.apiBase,
    portalHeader: value.portalHeader,
  };
}

/**
 * `hubspot.fetch` as the preview plays it: the body object serialized as JSON, the timeout honoured, only the card's
 * method/body forwarded (HubSpot passes no other headers but `Authorization`, which the card does not use). The proxy
 * signs the request with the app secret server-side and appends `portalId`/`userId`; nothing secret is in the page.
 */
function previewFetcher(config: PreviewConfig): CardFetcher {
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

function addAlert(alert: AlertArgs): void {
  const toast = { ...alert, id: nextToastId++ };
  for (const listener of toastListeners) listener(toast);
}

function Toasts() {
  const [toasts, setToasts] = useState<Toast[]>([]);
  useEffect(() => {
    const timers = new Set<ReturnType<typeof setTimeout>>();
    const dismissLater = (id: number) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        setToasts((current) => current.filter((toast) => toast.id !== id));
      }, TOAST_MS);
      timers.add(timer);
    };
    const listener = (toast: Toast) => {
      setToasts((current) => [...current, toast]);
      dismissLater(toast.id);
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

/** A crash in the card shows here instead of a blank page (HubSpot shows its own error card in that case). */
class CardBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: unknown) {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo) {
    console.error('the card crashed', error, info.componentStack);
  }

  override render() {
    if (this.state.error === null) return this.props.children;
    return (
      <div className="hs-alert hs-alert--danger" role="alert" data-testid="preview-crash">
        <strong className="hs-alert__title">The card crashed</strong>
        <p>{this.state.error.message}</p>
      </div>
    );
  }
}

function mount(): void {
  const config = readConfig();
  const fetcher = previewFetcher(config);
  const context = { crm: { objectId: config.dealId, objectTypeId: '0-3' } };
  const root = browser.document.getElementById('card-root');
  if (!root) throw new Error('the preview page has no #card-root element');
  // The project compiles without lib.dom; at run time this is the page's element.
  createRoot(root as unknown as Parameters<typeof createRoot>[0]).render(
    <>
      <CardBoundary>
        <PartnerCard context={context} actions={{ addAlert }} fetcher={fetcher} apiBase={config.apiBase} />
      </CardBoundary>
      <Toasts />
    </>,
  );
}

mount();
