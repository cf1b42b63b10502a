// Browser entry of the local operator home (GET / and /operator in sandbox mode only). It mounts the REAL OperatorHome
// with react-dom; `@hubspot/ui-extensions` is aliased to ./ui-extensions-shim.tsx by the bundler. What HubSpot's host
// does around an app page, the preview does here: `actions.addAlert` (a toast, the card preview's) and `hubspot.fetch`
// (a fetcher through the service's signing proxy, which appends the portal and user and signs like HubSpot).

import '../../cards/preview/preview.css';
import './operator-home.css';
import type { AddAlertAction } from '@hubspot/ui-extensions';
import { Component, type ErrorInfo, type ReactNode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import type { CardFetcher } from '../../cards/card-client.ts';
import { browser } from '../../cards/preview/browser-globals.ts';
import { OperatorHome } from '../OperatorHome.tsx';

interface OperatorPreviewConfig {
  portalId: number;
  /** Where the page's `/api/...` requests go: the operator proxy's prefix (`/operator`). */
  apiBase: string;
  portalHeader: string;
  /** The local card preview's prefix: deal links open the real card there instead of HubSpot's record page. */
  cardPreviewBase: string;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const TOAST_MS = 6_000;

function readConfig(): OperatorPreviewConfig {
  const value: unknown = JSON.parse(browser.document.getElementById('operator-config')?.textContent ?? 'null');
  if (
    typeof value !== 'object' ||
    value === null ||
    !('portalId' in value && typeof value.portalId === 'number') ||
    !('apiBase' in value && typeof value.apiBase === 'string') ||
    !('portalHeader' in value && typeof value.portalHeader === 'string') ||
    !('cardPreviewBase' in value && typeof value.cardPreviewBase === 'string')
  ) {
    throw new Error('the operator home page has no valid #operator-config');
  }
  return {
    portalId: value.portalId,
    apiBase: value.apiBase,
    portalHeader: value.portalHeader,
    cardPreviewBase: value.cardPreviewBase,
  };
}

/** `hubspot.fetch` as the preview plays it: JSON body, the timeout honoured, the portal named for the signing proxy. */
function previewFetcher(config: OperatorPreviewConfig): CardFetcher {
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

/** HubSpot deal record URLs → the local card preview of that deal (the sandbox portal has no HubSpot record page). */
function localRecordHref(config: OperatorPreviewConfig): (url: string) => string {
  const deal = /\/contacts\/(\d+)\/record\/0-3\/([^/?#]+)$/;
  return (url) => {
    const match = deal.exec(url);
    return match ? `${config.cardPreviewBase}/portals/${match[1]}/deals/${match[2]}` : url;
  };
}

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

class PageBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: unknown) {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo) {
    console.error('the operator home crashed', error, info.componentStack);
  }

  override render() {
    if (this.state.error === null) return this.props.children;
    return (
      <div className="hs-alert hs-alert--danger" role="alert" data-testid="preview-crash">
        <strong className="hs-alert__title">The operator home crashed</strong>
        <p>{this.state.error.message}</p>
      </div>
    );
  }
}

function mount(): void {
  const config = readConfig();
  const root = browser.document.getElementById('operator-root');
  if (!root) throw new Error('the page has no #operator-root element');
  const fetcher = previewFetcher(config);
  const recordHref = localRecordHref(config);
  createRoot(root as unknown as Parameters<typeof createRoot>[0]).render(
    <>
      <PageBoundary>
        <OperatorHome
          context={{}}
          actions={{ addAlert }}
          fetcher={fetcher}
          apiBase={config.apiBase}
          recordHref={recordHref}
        />
      </PageBoundary>
      <Toasts />
    </>,
  );
}

mount();
