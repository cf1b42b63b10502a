import { createHmac, timingSafeEqual } from 'node:crypto';
import express, { type Response, type Router } from 'express';
import type { ExportLinks } from '../../extensions/app/pages/operator-api.ts';
import type { Logger } from '../platform/log/logger.ts';
import type { TenantsRepository } from '../platform/store/tenants.repo.ts';
import { relay, type SelfSigning, signedSelfRequest } from './signed-self-request.ts';

/**
 * Pre-signed CSV export links for the operator home. A page in HubSpot can only reach the service through
 * `hubspot.fetch` (signed by HubSpot, JSON into the page); a link the operator clicks opens in a browser tab, which
 * cannot sign anything. So the service mints, with each section it serves, links that name the export (an operator
 * API path under `/api/reports/`), the portal, the user and an expiry, sealed with an HMAC of a key derived from the
 * app secret. `GET /exports/{token}` checks the seal and the expiry and then calls the operator API itself, signed as
 * HubSpot would, so the CSV is exactly what `GET /api/reports/...&format=csv` answers. Like any pre-signed URL, a link
 * is a bearer credential for one export of one portal until it expires (EXPORT_LINK_TTL_MS).
 */

export const EXPORT_LINK_TTL_MS = 60 * 60_000;
/** Only the operator API's read endpoints can be exported. */
const EXPORTABLE_PREFIX = '/api/reports/';
const MAX_PATH_CHARS = 500;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{10,1200}\.[A-Za-z0-9_-]{43}$/;

interface ExportClaims {
  /** HubSpot portal id. */
  p: string;
  /** HubSpot user who was shown the link (null when unknown). */
  u: string | null;
  /** The operator API path and query (format=csv). */
  q: string;
  /** Expiry, ms since the epoch. */
  e: number;
}

export type ExportCheck =
  | { ok: true; portalId: string; userId: string | null; pathAndQuery: string }
  | { ok: false; reason: 'malformed' | 'bad_seal' | 'expired' | 'not_exportable' };

export class ExportLinkSigner {
  readonly #key: Buffer;
  readonly #publicUrl: string;
  readonly #now: () => number;
  readonly #ttlMs: number;

  constructor(options: { clientSecret: string; publicUrl: string; now?: () => number; ttlMs?: number }) {
    // A key of its own, derived from the app secret: an export seal is never a valid HubSpot signature, nor the reverse.
    this.#key = createHmac('sha256', options.clientSecret).update('partnerloop:report-exports:v1').digest();
    this.#publicUrl = options.publicUrl.replace(/\/+$/, '');
    this.#now = options.now ?? Date.now;
    this.#ttlMs = options.ttlMs ?? EXPORT_LINK_TTL_MS;
  }

  /** Links for `paths` (name → operator API path with `format=csv`), all expiring together. */
  mint(portalId: string, userId: string | undefined, paths: Readonly<Record<string, string>>): ExportLinks {
    const expiresAt = this.#now() + this.#ttlMs;
    const links: Record<string, string> = {};
    for (const [name, path] of Object.entries(paths)) {
      if (!exportable(path)) throw new Error(`not an exportable operator API path: ${path}`);
      links[name] =
        `${this.#publicUrl}/exports/${this.seal({ p: portalId, u: userId ?? null, q: path, e: expiresAt })}`;
    }
    return { expiresAt: new Date(expiresAt).toISOString(), links };
  }

  check(token: string): ExportCheck {
    if (!TOKEN_PATTERN.test(token)) return { ok: false, reason: 'malformed' };
    const [payload = '', seal = ''] = token.split('.');
    const expected = this.#mac(payload);
    const given = Buffer.from(seal, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_seal' };
    let claims: ExportClaims;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as ExportClaims;
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (typeof claims.e !== 'number' || claims.e <= this.#now()) return { ok: false, reason: 'expired' };
    if (typeof claims.p !== 'string' || !/^\d{1,20}$/.test(claims.p) || typeof claims.q !== 'string') {
      return { ok: false, reason: 'malformed' };
    }
    if (!exportable(claims.q)) return { ok: false, reason: 'not_exportable' };
    const userId = typeof claims.u === 'string' && /^\d{1,20}$/.test(claims.u) ? claims.u : null;
    return { ok: true, portalId: claims.p, userId, pathAndQuery: claims.q };
  }

  private seal(claims: ExportClaims): string {
    const payload = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
    return `${payload}.${this.#mac(payload).toString('base64url')}`;
  }

  #mac(payload: string): Buffer {
    return createHmac('sha256', this.#key).update(payload).digest();
  }
}

function exportable(pathAndQuery: string): boolean {
  if (pathAndQuery.length > MAX_PATH_CHARS) return false;
  // Parsed, so `..`, encoded dots and backslashes resolve before the prefix check sees the path.
  const url = new URL(pathAndQuery, 'http://exports.invalid');
  return (
    url.pathname.startsWith(EXPORTABLE_PREFIX) &&
    `${url.pathname}${url.search}` === pathAndQuery &&
    url.searchParams.get('format') === 'csv'
  );
}

export interface ReportExportsDeps {
  signer: ExportLinkSigner;
  signing: SelfSigning;
  tenants: Pick<TenantsRepository, 'find'>;
  logger: Logger;
}

const REASONS: Readonly<Record<Exclude<ExportCheck, { ok: true }>['reason'], [number, string]>> = {
  malformed: [404, 'This export link is not valid.'],
  bad_seal: [404, 'This export link is not valid.'],
  not_exportable: [404, 'This export link is not valid.'],
  expired: [410, 'This export link has expired. Reload the PartnerLoop operator home for fresh links.'],
};

/** `GET /exports/{token}`: the CSV a pre-signed link names (opened in a browser tab, so errors are small HTML pages). */
export function reportExportsRouter(deps: ReportExportsDeps): Router {
  const router = express.Router();
  router.get('/:token', async (req, res) => {
    const check = deps.signer.check(String(req.params.token));
    if (!check.ok) {
      const [status, message] = REASONS[check.reason];
      sendMessage(res, status, message);
      return;
    }
    const tenant = await deps.tenants.find(`hubspot:${check.portalId}`);
    if (tenant?.status !== 'active') {
      sendMessage(res, 404, 'PartnerLoop is not connected to this HubSpot portal any more.');
      return;
    }
    const upstream = await signedSelfRequest(deps.signing, {
      method: 'GET',
      pathAndQuery: check.pathAndQuery,
      portalId: check.portalId,
      user: check.userId === null ? undefined : { id: check.userId },
    });
    if (!upstream.ok) {
      // The operator API's own envelope message (e.g. "no weekly result for 2026-W48") is meant for operators.
      const text = await upstream.text();
      let message = `The export could not be produced (HTTP ${upstream.status}).`;
      try {
        const parsed = JSON.parse(text) as { error?: { message?: unknown } };
        if (typeof parsed.error?.message === 'string')
          message = `The export could not be produced: ${parsed.error.message}`;
      } catch {
        // not JSON: keep the generic sentence
      }
      sendMessage(res, upstream.status, message);
      return;
    }
    relay(upstream, res, deps.logger, 'report export');
  });
  return router;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function sendMessage(res: Response, status: number, message: string): void {
  const text = message.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
  res
    .status(status)
    .set({
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    })
    .type('html')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>PartnerLoop export</title></head>` +
        `<body style="font-family:system-ui,sans-serif;margin:2rem"><h1>PartnerLoop export</h1><p>${text}</p></body></html>\n`,
    );
}
