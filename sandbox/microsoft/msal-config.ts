import type { NodeAuthOptions } from '@azure/msal-node';
import { entraOpenIdConfiguration, PARTNER_CENTER_SCOPES } from './entra-tokens.ts';

/**
 * The MSAL Node auth options that point a `ConfidentialClientApplication` at the stand-in instead of Entra ID.
 *
 * MSAL 7 refuses an `http:` authority (`authority_uri_insecure`: the authority must be https), and the stand-in is a
 * plain-http loopback server. So the authority is the stand-in's origin written with `https:`, and MSAL is told
 * everything it would otherwise fetch from it, so it never connects there:
 * - `knownAuthorities: [host:port]` — skips instance discovery (MSAL builds the cloud metadata from the host),
 * - `authorityMetadata` — the tenant's OpenID configuration as a JSON string, whose endpoints are the stand-in's
 *   real `http:` URLs; MSAL takes endpoints from it without checking their scheme (only the authority is checked).
 * MSAL's token requests then go to `http://host:port/{tenant}/oauth2/v2.0/token` with its default fetch client;
 * `getAuthCodeUrl` returns the stand-in's `http:` authorize URL.
 *
 * In production the same client takes `{clientId, clientSecret, authority: 'https://login.microsoftonline.com/<tenant>'}`
 * and none of the three extras: MSAL knows login.microsoftonline.com and discovers its endpoints itself.
 */

export interface StandInEntraIdentity {
  /** The stand-in's base URL, `http://127.0.0.1:<port>`. */
  url: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

export type StandInAuthOptions = Required<
  Pick<NodeAuthOptions, 'clientId' | 'clientSecret' | 'authority' | 'knownAuthorities' | 'authorityMetadata'>
>;

/** Pure: computable in another process from the stand-in's URL and ids (e.g. the app started in sandbox mode). */
export function msalAuthOptionsForStandIn(identity: StandInEntraIdentity): StandInAuthOptions {
  const { host } = new URL(identity.url);
  return {
    clientId: identity.clientId,
    clientSecret: identity.clientSecret,
    authority: `https://${host}/${identity.tenantId}`,
    knownAuthorities: [host],
    authorityMetadata: JSON.stringify(entraOpenIdConfiguration(identity.url, identity.tenantId)),
  };
}

/** Production Entra ID for the same app: `msalAuthOptionsForEntra` in src/cosell/targets/microsoft. */
export { msalAuthOptionsForEntra } from '../../src/cosell/targets/microsoft/microsoft-referrals-client.ts';

/**
 * The scopes to ask for. `.default` (all the app's configured permissions, here Partner Center's user_impersonation)
 * is what the referrals docs' samples use; MSAL adds `openid profile offline_access` by itself, and `offline_access`
 * is what brings back a refresh token.
 */
export const PARTNER_CENTER_API_SCOPES: readonly string[] = [PARTNER_CENTER_SCOPES.default];
