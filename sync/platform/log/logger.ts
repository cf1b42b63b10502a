import { pino } from 'pino';

export type Logger = pino.Logger;

/**
 * Paths pino censors wherever they appear one or two levels deep. Tokens, secrets and credentials never reach the
 * log stream, even when an object holding them is logged by mistake.
 */
const SECRET_KEYS = [
  'accessToken',
  'refreshToken',
  'access_token',
  'refresh_token',
  'clientSecret',
  'client_secret',
  'credentials',
  'password',
  'authorization',
  'Authorization',
  'tokenEncryptionKey',
  'code',
];
export const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((key) => `*.${key}`),
  ...SECRET_KEYS.map((key) => `*.*.${key}`),
  'req.headers.authorization',
  'req.headers["x-hubspot-signature-v3"]',
];

export function createLogger(
  level: string,
  destination?: pino.DestinationStream,
  bindings: Record<string, unknown> = {},
): Logger {
  return pino(
    {
      level,
      base: { service: 'partnerloop', ...bindings },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
