/** OAuth credentials of one installed tenant, as the CRM adapters see them. */
export interface OAuthCredentials {
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  scopes: string[];
}

/**
 * Where a tenant's credentials live (the service implements it on the encrypted tenants table). `save` must be
 * durable before the new access token is used: HubSpot may rotate the refresh token, and losing the new one would
 * disconnect the tenant.
 */
export interface CredentialStore {
  load(): Promise<OAuthCredentials | undefined>;
  save(credentials: OAuthCredentials): Promise<void>;
  /** Called when a refresh is refused for good (revoked/uninstalled): the tenant must reconnect. */
  markDisconnected(reason: string): Promise<void>;
}
