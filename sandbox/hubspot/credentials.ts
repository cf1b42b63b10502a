import type { SandboxApp } from './oauth.ts';

/** The HubSpot app variables sandbox mode replaces with the sandbox app's values. */
const REPLACED = ['HUBSPOT_CLIENT_ID', 'HUBSPOT_CLIENT_SECRET', 'HUBSPOT_APP_ID', 'HUBSPOT_API_BASE_URL'] as const;

/**
 * One line for `partnerloop start --sandbox` when the environment names a HubSpot app: sandbox mode talks to the
 * local sandbox with the sandbox app's credentials, so those variables are ignored — said once, never silently.
 * Undefined when none is set. Secrets are named, never printed.
 */
export function sandboxCredentialsNotice(env: NodeJS.ProcessEnv, app: SandboxApp): string | undefined {
  const ignored = REPLACED.filter((name) => (env[name] ?? '').trim() !== '');
  if (ignored.length === 0) return undefined;
  return (
    `sandbox mode: ${ignored.join(', ')} from the environment ${ignored.length === 1 ? 'is' : 'are'} ignored; ` +
    `the service uses the sandbox app (client id ${app.clientId}, app id ${app.appId}) and the local sandbox — ` +
    'start without --sandbox to use your HubSpot app'
  );
}
