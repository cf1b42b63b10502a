import type { CredentialStore, OAuthCredentials } from '../../crm-credentials.ts';

/** In-memory stores for client tests: they record every save so tests can assert ordering and content. */
export function memoryCredentials(initial: OAuthCredentials | undefined) {
  let current = initial;
  const saves: OAuthCredentials[] = [];
  const disconnects: string[] = [];
  const store: CredentialStore = {
    load: async () => current,
    save: async (credentials) => {
      saves.push(credentials);
      current = credentials;
    },
    markDisconnected: async (reason) => {
      disconnects.push(reason);
      current = undefined;
    },
  };
  return { store, saves, disconnects, current: () => current };
}
