import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, systemClock } from '../../src/shared/clock.ts';
import { applyFault, type FaultAction, FaultInjector, type FaultRule } from '../kit/faults.ts';
import { RollingWindow } from '../kit/limits.ts';
import { AwsServiceError, awsErrors } from './aws-errors.ts';
import { seedDemoAccount } from './demo-seed.ts';
import {
  type Catalog,
  type ContactShape,
  isOperationName,
  type OperationName,
  type OpportunityBody,
  type ReviewStatusValue,
  type StageValue,
} from './selling-schemas.ts';
import { type InvitationSpec, iso, renderInvitation, renderOpportunity, SellingStore } from './selling-store.ts';
import { verifySigV4 } from './sigv4-verifier.ts';
import { StsStandIn, fault as stsFault } from './sts.ts';

/**
 * AWS Partner Central Selling stand-in (SPEC §5): a loopback HTTP server speaking the AWS JSON 1.0 protocol of the
 * `partnercentral-selling` service, so the real `@aws-sdk/client-partnercentral-selling` works against it:
 *
 *   new PartnerCentralSellingClient({ endpoint: standIn.url, region: standIn.region, credentials: standIn.credentials })
 *
 * Wire: `POST /`, `Content-Type: application/x-amz-json-1.0`, `X-Amz-Target: AWSPartnerCentralSelling.<Operation>`,
 * SigV4-signed (service `partnercentral-selling`); errors carry `__type` and the HTTP status of the model's
 * `@httpError`. Per request, in order: fault injection → signature → throttling → JSON → the operation.
 *
 * Faults (sandbox/kit/faults.ts) match the pseudo-path `/<Operation>` — the same path the service model gives each
 * operation in its `@http` trait — with method POST: `{ route: 'POST /CreateOpportunity', script: [500, 'pass'] }`,
 * `{ route: '/List*', … }`, `{ route: '**', … }`. Statuses become AWS-shaped errors (429 → ThrottlingException,
 * 500 → InternalServerException, 502/503/504 → ServiceUnavailableException) unless the rule carries its own body.
 *
 * Operations: CreateOpportunity, GetOpportunity, ListOpportunities, UpdateOpportunity,
 * StartEngagementFromOpportunityTask, ListEngagementFromOpportunityTasks, ListEngagementInvitations,
 * GetEngagementInvitation, StartEngagementByAcceptingInvitationTask, ListEngagementByAcceptingInvitationTasks,
 * RejectEngagementInvitation, GetAwsOpportunitySummary. Others answer UnknownOperationException.
 */

export interface AwsPartnerCentralOptions {
  /** 0 (default) = a free port. */
  port?: number;
  host?: string;
  /** The one clock: LastModifiedDate stamps, invitation expiry, review progression, throttling windows. */
  clock?: Clock;
  faults?: FaultRule[];
  faultSeed?: number;
  /**
   * Throttling (ThrottlingException, HTTP 429): a number is one per-second window for every operation; an object
   * splits reads and writes like AWS's quotas (`DOCUMENTED_QUOTAS`: 10 reads, 1 write per second). Default: none.
   */
  requestsPerSecond?: number | { read: number; write: number };
  /** Optional time-driven review: Submitted → In review → Approved after these delays. Default: AWS never reviews. */
  reviewAfterMs?: { submittedToInReview: number; inReviewToDecision: number };
  /** 0 (default): Start*Task answers COMPLETE; more: IN_PROGRESS, completing that many ms later. */
  taskCompletionMs?: number;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /**
   * PartnerLoop's own AWS identity: the only caller STS lets assume a trusted role (`trustRole`). Default:
   * `DEFAULT_SERVICE_CREDENTIALS`.
   */
  serviceCredentials?: { accessKeyId: string; secretAccessKey: string };
  /** The partner's AWS account id (in ARNs and invitations). */
  accountId?: string;
  region?: string;
  /** A few opportunities in various review states and two pending invitations, dated from the clock. */
  seedDemo?: boolean;
}

/** The per-partner-account quotas of the Selling API (developer guide, "Quotas"). */
export const DOCUMENTED_QUOTAS = { read: 10, write: 1 } as const;

export const DEFAULT_CREDENTIALS = {
  accessKeyId: 'AKIASTANDIN000000001',
  secretAccessKey: 'stand-in/secret/access/key/0000000000001',
} as const;

/** PartnerLoop's own identity in the stand-in (it may only assume roles, not call the Selling API). */
export const DEFAULT_SERVICE_CREDENTIALS = {
  accessKeyId: 'AKIAPARTNERLOOP00001',
  secretAccessKey: 'stand-in/partnerloop/service/key/000001',
} as const;

/** The demo customer's role for PartnerLoop and the external id its trust policy requires (`seedDemo`). */
export const DEMO_ROLE_ARN = 'arn:aws:iam::111122223333:role/PartnerLoopCoSell';

const SERVICE = 'partnercentral-selling';
const TARGET_PREFIX = 'AWSPartnerCentralSelling.';
const WRITE_OPERATIONS: readonly OperationName[] = [
  'CreateOpportunity',
  'UpdateOpportunity',
  'StartEngagementFromOpportunityTask',
  'StartEngagementByAcceptingInvitationTask',
  'RejectEngagementInvitation',
];
const MAX_BODY_BYTES = 1_048_576;

/** An opportunity as GetOpportunity answers it, plus its `Origin` (which only GetAwsOpportunitySummary shows). */
export interface AwsOpportunity {
  readonly Catalog: Catalog;
  readonly Id: string;
  readonly Arn: string;
  readonly CreatedDate: string;
  readonly LastModifiedDate: string;
  readonly Origin: 'AWS Referral' | 'Partner Referral';
  readonly PrimaryNeedsFromAws?: readonly string[];
  readonly NationalSecurity?: string;
  readonly PartnerOpportunityIdentifier?: string;
  readonly Customer: OpportunityBody['Customer'];
  readonly Project: OpportunityBody['Project'];
  readonly OpportunityType?: string;
  readonly Marketing?: OpportunityBody['Marketing'];
  readonly SoftwareRevenue?: OpportunityBody['SoftwareRevenue'];
  readonly LifeCycle: OpportunityBody['LifeCycle'] & {
    ReviewStatus?: ReviewStatusValue;
    ReviewComments?: string;
    ReviewStatusReason?: string;
  };
  readonly OpportunityTeam?: readonly ContactShape[];
}

export interface AwsStandInStats {
  calls: number;
  /** Requests per X-Amz-Target operation (`unknown` when the header names none we know). */
  byOperation: Record<string, number>;
  /** ThrottlingExceptions the limiter sent (injected 429s are counted in `injected`). */
  throttled: number;
  /** Requests that got an injected fault (status, drop or latency). */
  injected: number;
  /** Responses per HTTP status. */
  statuses: Record<string, number>;
}

export class AwsPartnerCentralStandIn {
  readonly region: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  readonly serviceCredentials: { accessKeyId: string; secretAccessKey: string };
  readonly accountId: string;
  readonly sts: StsStandIn;
  readonly clock: Clock;
  readonly faults: FaultInjector;
  #url = '';
  #server: Server | undefined;
  #stats: AwsStandInStats = emptyStats();
  readonly #store: SellingStore;
  readonly #limiter: ((operation: OperationName, now: number) => boolean) | undefined;

  private constructor(options: AwsPartnerCentralOptions) {
    this.region = options.region ?? 'us-east-1';
    this.credentials = { ...(options.credentials ?? DEFAULT_CREDENTIALS) };
    this.serviceCredentials = { ...(options.serviceCredentials ?? DEFAULT_SERVICE_CREDENTIALS) };
    this.accountId = options.accountId ?? '111122223333';
    this.clock = options.clock ?? systemClock;
    this.sts = new StsStandIn({ clock: this.clock, accountId: this.accountId });
    this.faults = new FaultInjector(options.faults ?? [], options.faultSeed ?? 1);
    this.#store = new SellingStore({
      accountId: this.accountId,
      region: this.region,
      reviewAfterMs: options.reviewAfterMs,
      taskCompletionMs: options.taskCompletionMs,
    });
    this.#limiter = limiterFor(options.requestsPerSecond);
  }

  static async start(options: AwsPartnerCentralOptions = {}): Promise<AwsPartnerCentralStandIn> {
    const standIn = new AwsPartnerCentralStandIn(options);
    if (options.seedDemo) seedDemoAccount(standIn.#store, standIn.clock.now());
    const server = createServer((req, res) => {
      standIn.#serve(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    standIn.#url = `http://${host}:${address.port}`;
    standIn.#server = server;
    return standIn;
  }

  /** Base URL, e.g. `http://127.0.0.1:52133`: the SDK client's `endpoint`. */
  get url(): string {
    return this.#url;
  }

  // --- control API (tests and demos) ---------------------------------------------------------------------------

  /** Lets PartnerLoop's identity assume `roleArn` when it names `externalId` (the customer's trust policy). */
  trustRole(roleArn: string, externalId: string | undefined): void {
    this.sts.trust({ roleArn, externalId });
  }

  opportunities(catalog?: Catalog): readonly AwsOpportunity[] {
    this.#store.advance(this.clock.now());
    return this.#store
      .opportunities()
      .filter((opportunity) => catalog === undefined || opportunity.catalog === catalog)
      .map(
        (opportunity) =>
          ({ ...renderOpportunity(opportunity), Origin: opportunity.origin }) as unknown as AwsOpportunity,
      );
  }

  opportunity(id: string): AwsOpportunity | undefined {
    this.#store.advance(this.clock.now());
    const stored = this.#store.opportunity(id);
    return stored ? ({ ...renderOpportunity(stored), Origin: stored.origin } as unknown as AwsOpportunity) : undefined;
  }

  /** AWS's reviewer: any review status, with comments (why) and a reason code. Returns the new LastModifiedDate. */
  setReviewStatus(id: string, status: ReviewStatusValue, note: { comments?: string; reason?: string } = {}): string {
    const now = this.clock.now();
    this.#store.advance(now);
    const opportunity = this.#required(id);
    this.#store.setReview(opportunity, status, now, note);
    return iso(opportunity.lastModifiedDate);
  }

  /** The stage as changed in Partner Central (e.g. `Launched`, or `Closed Lost` with its reason). */
  setStage(id: string, stage: StageValue, options: { closedLostReason?: string } = {}): string {
    if (stage === 'Closed Lost' && !options.closedLostReason) throw new Error('Closed Lost needs a closedLostReason');
    const now = this.clock.now();
    this.#store.advance(now);
    const opportunity = this.#required(id);
    const { ClosedLostReason: _reason, ...lifeCycle } = opportunity.body.LifeCycle;
    opportunity.body = {
      ...opportunity.body,
      LifeCycle: {
        ...lifeCycle,
        Stage: stage,
        ...(stage === 'Closed Lost'
          ? { ClosedLostReason: options.closedLostReason as OpportunityBody['LifeCycle']['ClosedLostReason'] }
          : {}),
      },
    };
    this.#store.touch(opportunity, now);
    return iso(opportunity.lastModifiedDate);
  }

  /**
   * A field changed on Partner Central's side (drift tests): a dotted path into the opportunity document, e.g.
   * `LifeCycle.TargetCloseDate` or `Project.ExpectedCustomerSpend[0].Amount`; `undefined` removes the field. The value
   * is not validated. Review fields go through `setReviewStatus`. Returns the new LastModifiedDate.
   */
  setField(id: string, path: string, value: unknown): string {
    const now = this.clock.now();
    this.#store.advance(now);
    const opportunity = this.#required(id);
    const parts = parsePath(path);
    const root = parts[0];
    const editableRoots = [
      'PrimaryNeedsFromAws',
      'NationalSecurity',
      'PartnerOpportunityIdentifier',
      'Customer',
      'Project',
      'OpportunityType',
      'Marketing',
      'SoftwareRevenue',
      'LifeCycle',
    ];
    if (typeof root !== 'string' || !editableRoots.includes(root) || /^LifeCycle\.Review/.test(path)) {
      throw new Error(`setField: ${path} is not an editable opportunity field`);
    }
    const body = structuredClone(opportunity.body) as unknown as Record<string, unknown>;
    setAtPath(body, parts, value);
    opportunity.body = body as unknown as OpportunityBody;
    this.#store.touch(opportunity, now);
    return iso(opportunity.lastModifiedDate);
  }

  /** An engagement invitation from AWS to this partner (status PENDING, expiring 15 days after `createdAt`). */
  addInvitation(spec: InvitationSpec): string {
    return this.#store.addInvitation(spec, this.clock.now()).id;
  }

  /** GetEngagementInvitation's answer for an invitation, as of the clock. */
  invitation(id: string): Record<string, unknown> | undefined {
    const stored = this.#store.invitation(id);
    return stored ? renderInvitation(stored, this.clock.now()) : undefined;
  }

  stats(): AwsStandInStats {
    return structuredClone(this.#stats);
  }

  resetStats(): void {
    this.#stats = emptyStats();
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  }

  #required(id: string) {
    const opportunity = this.#store.opportunity(id);
    if (!opportunity) throw new Error(`no opportunity ${id} in the stand-in`);
    return opportunity;
  }

  // --- HTTP ----------------------------------------------------------------------------------------------------

  #serve(req: IncomingMessage, res: ServerResponse): void {
    const target = header(req, 'x-amz-target');
    const name = target?.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
    const operation = name !== undefined && isOperationName(name) ? name : undefined;
    this.#stats.calls++;
    const key = operation ?? 'unknown';
    this.#stats.byOperation[key] = (this.#stats.byOperation[key] ?? 0) + 1;
    res.on('finish', () => {
      const status = String(res.statusCode);
      this.#stats.statuses[status] = (this.#stats.statuses[status] ?? 0) + 1;
    });
    res.setHeader('x-amzn-RequestId', randomUUID());

    readBody(req)
      .then((body) => {
        const fault = this.faults.next(req.method ?? 'POST', `/${name ?? ''}`);
        if (!fault || fault.type === 'pass') {
          this.#respond(req, res, body, name, operation);
          return;
        }
        this.#stats.injected++;
        applyFault(
          fault,
          req,
          res,
          () => this.#respond(req, res, body, name, operation),
          (injected) => this.#injectedStatus(injected, res),
        );
      })
      .catch((error: unknown) => {
        send(res, error instanceof AwsServiceError ? error : awsErrors.internal());
      });
  }

  #respond(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    name: string | undefined,
    operation: OperationName | undefined,
  ): void {
    try {
      if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/') {
        throw new AwsServiceError(404, 'UnknownOperationException', `No operation at ${req.method} ${req.url}`);
      }
      if (name === undefined && (header(req, 'content-type') ?? '').startsWith('application/x-www-form-urlencoded')) {
        this.#respondSts(req, res, body);
        return;
      }
      const { accessKeyId, secretAccessKey } = this.credentials;
      const auth = verifySigV4(
        { method: req.method, url: req.url ?? '/', headers: req.headers, body },
        (id) => (id === accessKeyId ? secretAccessKey : this.sts.session(id)?.secretAccessKey),
        { region: this.region, service: SERVICE },
      );
      if (!auth.ok) throw auth.error;
      const session = auth.accessKeyId === accessKeyId ? undefined : this.sts.session(auth.accessKeyId);
      if (session && header(req, 'x-amz-security-token') !== session.sessionToken) {
        throw new AwsServiceError(
          403,
          'UnrecognizedClientException',
          'The security token included in the request is invalid.',
        );
      }
      if (!operation) throw awsErrors.unknownOperation(name === undefined ? undefined : `${TARGET_PREFIX}${name}`);
      const now = this.clock.now();
      if (this.#limiter && !this.#limiter(operation, now)) {
        this.#stats.throttled++;
        throw awsErrors.throttling();
      }
      let input: unknown;
      try {
        input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
      } catch (error) {
        throw awsErrors.serialization(`The request body is not valid JSON: ${(error as Error).message}`);
      }
      if (input === null || typeof input !== 'object' || Array.isArray(input)) {
        throw awsErrors.serialization('The request body must be a JSON object.');
      }
      const answer = this.#store.handle(operation, input, now);
      res.statusCode = 200;
      res.setHeader('content-type', 'application/x-amz-json-1.0');
      res.end(JSON.stringify(answer));
    } catch (error) {
      send(
        res,
        error instanceof AwsServiceError ? error : awsErrors.internal(`internal error: ${(error as Error).message}`),
      );
    }
  }

  /** STS on the same loopback endpoint (the SDK's STS client is pointed at it like the Selling client). */
  #respondSts(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const requestId = randomUUID();
    const { accessKeyId, secretAccessKey } = this.serviceCredentials;
    const auth = verifySigV4(
      { method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, body },
      (id) => (id === accessKeyId ? secretAccessKey : undefined),
      { region: this.region, service: 'sts' },
    );
    const answer = auth.ok
      ? this.sts.handle(new URLSearchParams(body.toString('utf8')), requestId)
      : stsFault(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.', requestId);
    res.statusCode = answer.status;
    res.setHeader('content-type', 'text/xml');
    res.end(answer.xml);
  }

  /** An injected status as AWS JSON 1.0 answers it (the error type in the body, `x-amzn-ErrorType`). */
  #injectedStatus(fault: Extract<FaultAction, { type: 'status' }>, res: ServerResponse): void {
    const headers: Record<string, string> =
      fault.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(fault.retryAfterSeconds) };
    if (fault.body !== undefined) {
      res.statusCode = fault.status;
      for (const [headerName, value] of Object.entries(headers)) res.setHeader(headerName, value);
      res.setHeader('content-type', 'application/x-amz-json-1.0');
      res.end(JSON.stringify(fault.body));
      return;
    }
    const error = injectedError(fault.status);
    send(res, new AwsServiceError(error.status, error.type, error.message, error.members, headers));
  }
}

export function startAwsPartnerCentral(options: AwsPartnerCentralOptions = {}): Promise<AwsPartnerCentralStandIn> {
  return AwsPartnerCentralStandIn.start(options);
}

function injectedError(status: number): AwsServiceError {
  switch (status) {
    case 400:
      return awsErrors.validation('REQUEST_VALIDATION_FAILED', [], 'Injected validation failure.');
    case 403:
      return awsErrors.accessDenied('Injected access denied.');
    case 404:
      return awsErrors.notFound('Injected not found.');
    case 409:
      return awsErrors.conflict('Injected conflict.');
    case 429:
      return awsErrors.throttling();
    case 500:
      return awsErrors.internal();
    case 502:
    case 503:
    case 504:
      return awsErrors.serviceUnavailable(status);
    default:
      return new AwsServiceError(status, 'InjectedFault', `Injected HTTP ${status}.`);
  }
}

function limiterFor(
  rate: AwsPartnerCentralOptions['requestsPerSecond'],
): ((operation: OperationName, now: number) => boolean) | undefined {
  if (rate === undefined) return undefined;
  if (typeof rate === 'number') {
    const window = new RollingWindow(rate, 1_000);
    return (_operation, now) => window.tryAcquire(now).allowed;
  }
  const reads = new RollingWindow(rate.read, 1_000);
  const writes = new RollingWindow(rate.write, 1_000);
  return (operation, now) => (WRITE_OPERATIONS.includes(operation) ? writes : reads).tryAcquire(now).allowed;
}

function send(res: ServerResponse, error: AwsServiceError): void {
  if (res.headersSent) return;
  res.statusCode = error.status;
  res.setHeader('content-type', 'application/x-amz-json-1.0');
  res.setHeader('x-amzn-ErrorType', error.type);
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res.end(JSON.stringify(error.body()));
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(awsErrors.serialization(`The request body is larger than ${MAX_BODY_BYTES} bytes.`));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function emptyStats(): AwsStandInStats {
  return { calls: 0, byOperation: {}, throttled: 0, injected: 0, statuses: {} };
}

/** `Project.ExpectedCustomerSpend[0].Amount` → `['Project', 'ExpectedCustomerSpend', 0, 'Amount']`. */
function parsePath(path: string): Array<string | number> {
  const parts: Array<string | number> = [];
  for (const segment of path.split('.')) {
    const match = /^([^[\]]+)((?:\[\d+\])*)$/.exec(segment);
    if (!match?.[1]) throw new Error(`setField: cannot read the path ${path}`);
    parts.push(match[1]);
    for (const index of (match[2] ?? '').matchAll(/\[(\d+)\]/g)) parts.push(Number(index[1]));
  }
  return parts;
}

function setAtPath(target: Record<string, unknown>, parts: ReadonlyArray<string | number>, value: unknown): void {
  let current: Record<string | number, unknown> = target;
  for (let index = 0; index < parts.length - 1; index++) {
    const part = parts[index] as string | number;
    const nextIsIndex = typeof parts[index + 1] === 'number';
    let child = current[part];
    if (child === null || typeof child !== 'object') {
      child = nextIsIndex ? [] : {};
      current[part] = child;
    }
    current = child as Record<string | number, unknown>;
  }
  const last = parts[parts.length - 1] as string | number;
  if (value === undefined) {
    if (Array.isArray(current) && typeof last === 'number') current.splice(last, 1);
    else delete current[last];
  } else {
    current[last] = value;
  }
}
