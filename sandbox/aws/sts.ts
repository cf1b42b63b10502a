import { randomBytes } from 'node:crypto';
import type { Clock } from '../../src/shared/clock.ts';

/**
 * The part of AWS STS the connection uses: `AssumeRole` (AWS Query protocol — a form-encoded POST, an XML answer), so
 * a tenant can connect with an IAM role and the external id its trust policy requires instead of keys. A role is
 * trusted with `trust({ roleArn, externalId })`, as a customer's trust policy would say; the caller must sign with
 * the stand-in's service credentials (PartnerLoop's own AWS identity). Issued session credentials are then accepted
 * by the Selling API handler with their session token, until they expire (by the stand-in's clock).
 */

export interface TrustedRole {
  roleArn: string;
  /** The `sts:ExternalId` condition; undefined = the policy has none (AWS's advice is to always set one). */
  externalId: string | undefined;
}

export interface IssuedSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  roleArn: string;
  expiresAt: number;
}

export type StsAnswer = { status: number; xml: string };

const NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';
const MIN_DURATION = 900;
const MAX_DURATION = 43_200;

export class StsStandIn {
  readonly #roles = new Map<string, TrustedRole>();
  readonly #sessions = new Map<string, IssuedSession>();
  readonly #clock: Clock;
  readonly #accountId: string;
  /** AssumeRole calls answered (successful or not). */
  calls = 0;

  constructor(options: { clock: Clock; accountId: string }) {
    this.#clock = options.clock;
    this.#accountId = options.accountId;
  }

  trust(role: TrustedRole): void {
    this.#roles.set(role.roleArn, { ...role });
  }

  /** A live session's credentials by access key id (undefined once expired or never issued). */
  session(accessKeyId: string): IssuedSession | undefined {
    const session = this.#sessions.get(accessKeyId);
    if (!session || session.expiresAt <= this.#clock.now()) return undefined;
    return session;
  }

  /** Ends every session (a revoked trust, a test of expiry). */
  expireAll(): void {
    this.#sessions.clear();
  }

  handle(form: URLSearchParams, requestId: string): StsAnswer {
    this.calls += 1;
    const action = form.get('Action');
    if (action !== 'AssumeRole') {
      return fault(
        400,
        'InvalidAction',
        `The action ${action ?? '(none)'} is not valid for this web service.`,
        requestId,
      );
    }
    const roleArn = form.get('RoleArn') ?? '';
    const sessionName = form.get('RoleSessionName') ?? '';
    const duration = Number(form.get('DurationSeconds') ?? '3600');
    if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
      return fault(400, 'ValidationError', 'RoleSessionName must be 2-64 characters of [\\w+=,.@-].', requestId);
    }
    if (!Number.isInteger(duration) || duration < MIN_DURATION || duration > MAX_DURATION) {
      return fault(
        400,
        'ValidationError',
        `DurationSeconds must be between ${MIN_DURATION} and ${MAX_DURATION}.`,
        requestId,
      );
    }
    const role = this.#roles.get(roleArn);
    const externalId = form.get('ExternalId') ?? undefined;
    // AWS answers the same AccessDenied whether the role is unknown or its condition fails: nothing leaks.
    if (!role || (role.externalId !== undefined && role.externalId !== externalId)) {
      return fault(
        403,
        'AccessDenied',
        `User is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
        requestId,
      );
    }
    const now = this.#clock.now();
    const session: IssuedSession = {
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(48).toString('base64'),
      roleArn,
      expiresAt: now + duration * 1000,
    };
    this.#sessions.set(session.accessKeyId, session);
    const roleName = roleArn.split('/').pop() ?? 'role';
    return {
      status: 200,
      xml: `<AssumeRoleResponse xmlns="${NAMESPACE}">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <AssumedRoleId>AROA${this.#accountId}:${escapeXml(sessionName)}</AssumedRoleId>
      <Arn>arn:aws:sts::${this.#accountId}:assumed-role/${escapeXml(roleName)}/${escapeXml(sessionName)}</Arn>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>${session.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${escapeXml(session.secretAccessKey)}</SecretAccessKey>
      <SessionToken>${escapeXml(session.sessionToken)}</SessionToken>
      <Expiration>${new Date(session.expiresAt).toISOString()}</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>${requestId}</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>`,
    };
  }
}

/** The Query protocol's error document. */
export function fault(status: number, code: string, message: string, requestId: string): StsAnswer {
  return {
    status,
    xml: `<ErrorResponse xmlns="${NAMESPACE}">
  <Error>
    <Type>Sender</Type>
    <Code>${code}</Code>
    <Message>${escapeXml(message)}</Message>
  </Error>
  <RequestId>${requestId}</RequestId>
</ErrorResponse>`,
  };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
