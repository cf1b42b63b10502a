import type { DeliveryOutcome, MotionTarget } from '../../src/cosell/motion-targets.ts';
import {
  closeReferralPatch,
  cloudOpportunityFromMicrosoft,
  isReadOnly,
  type MicrosoftCloseOutcome,
  type MicrosoftFieldIssue,
  type MicrosoftReferral,
  type MicrosoftReferralBody,
  microsoftExternalReference,
  microsoftReferralFromDeal,
  microsoftStatusText,
  microsoftTrackedFields,
  motionMovesForMicrosoft,
  referralPatch,
} from '../../src/cosell/targets/microsoft/microsoft-referral.ts';
import {
  classifyMicrosoftError,
  createPkcePair,
  type MicrosoftAuthOptions,
  MicrosoftReferralsClient,
  msalAuthOptionsForEntra,
} from '../../src/cosell/targets/microsoft/microsoft-referrals-client.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../../src/shared/errors.ts';
import type { CrmMirrorRepository } from '../crm/crm-mirror.repo.ts';
import type { ErrorInboxRepository, RetryOutcome } from '../inbox/error-inbox.repo.ts';
import type { Logger } from '../platform/log/logger.ts';
import type { OAuthStatesRepository } from '../platform/store/oauth-states.repo.ts';
import type { MotionMover } from './aws-ace.cosell.ts';
import type { CloudOpportunitiesRepository, CloudOpportunityRow } from './cloud-opportunities.repo.ts';
import type {
  MicrosoftConnection,
  MicrosoftConnectionInput,
  MicrosoftStandInAuth,
  ProgrammeConnectionsRepository,
  ProgrammeConnectionView,
} from './programme-connections.repo.ts';
import type { ProgrammeRecordsRepository } from './programme-records.repo.ts';

const KEY = 'microsoft_referrals' as const;
/** How long one send may hold its row: longer than a create with its retries takes. */
const SEND_CLAIM_MS = 2 * 60_000;
const ACTOR = 'system:microsoft_referrals';
/** Error inbox object types (the same as AWS's: a motion's referral, an update of it). */
const MOTION_RECORD = 'cosell_motion';
const UPDATE_RECORD = 'cloud_update';
/** Changes are read again from a little before the checkpoint: the list is eventually consistent. */
export const MICROSOFT_POLL_OVERLAP_MS = 5 * 60_000;

export interface MicrosoftCoSellDeps {
  connections: ProgrammeConnectionsRepository;
  opportunities: CloudOpportunitiesRepository;
  records: Pick<ProgrammeRecordsRepository, 'mirror'>;
  inbox: Pick<ErrorInboxRepository, 'record' | 'resolve'>;
  states: OAuthStatesRepository;
  mirror: Pick<CrmMirrorRepository, 'findDeal'>;
  logger: Logger;
  /** PartnerLoop's Entra app (MICROSOFT_CLIENT_ID…); undefined: only stand-in connections can be made. */
  app: { clientId: string; clientSecret: string } | undefined;
  now?: () => Date;
}

export interface MicrosoftPollResult {
  changed: number;
  moved: number;
  updated: number;
  closed: number;
  resent: number;
  dealIds: string[];
}

/** What the sign-in carries from its start to the callback (sealed in the state row). */
interface SignInPayload {
  verifier: string;
  redirectUri: string;
  actor: string;
  input: MicrosoftConnectionInput;
  standIn: { auth: MicrosoftStandInAuth; baseUrl: string } | null;
}

function issuesText(issues: readonly MicrosoftFieldIssue[]): string {
  return issues.map((issue) => issue.message).join(' ');
}

/**
 * Microsoft Partner Center referrals as a co-sell target (SPEC §2.7). Connecting is a sign-in: an admin consents in
 * their browser (auth code + PKCE through MSAL); the token cache, refresh token included, is sealed per tenant and
 * saved on every rotation. A requested motion becomes a referral (validated first, its external reference id derived
 * from tenant + deal + motion + attempt and stored with the body before the create, so a retry after a crash finds
 * the referral instead of making a second); polling by `updatedDateTime` moves the motion with Microsoft's status,
 * keeps open referrals in step with the deal (JSON Patch) and closes them when the deal closes or the motion is
 * withdrawn. Closed referrals are read-only: nothing is sent to them.
 */
export class MicrosoftReferralsCoSell {
  readonly #deps: MicrosoftCoSellDeps;
  readonly #now: () => Date;
  /** Set by the composition root once co-sell's write-back exists. */
  onDealChanged: ((tenantId: string, dealId: string) => Promise<unknown>) | undefined;

  constructor(deps: MicrosoftCoSellDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? (() => new Date());
  }

  // --- connecting -------------------------------------------------------------------------------------------------

  #auth(entraTenantId: string, standInAuth: MicrosoftStandInAuth | null): MicrosoftAuthOptions {
    if (standInAuth) {
      // Only what is set: MSAL's options take no explicit undefined.
      return Object.fromEntries(
        Object.entries(standInAuth).filter(([, value]) => value !== undefined),
      ) as unknown as MicrosoftAuthOptions;
    }
    if (!this.#deps.app) {
      throw new ConflictError(
        'Microsoft cannot be connected: PartnerLoop has no Entra app configured (MICROSOFT_CLIENT_ID and MICROSOFT_CLIENT_SECRET).',
      );
    }
    return msalAuthOptionsForEntra({ ...this.#deps.app, tenantId: entraTenantId });
  }

  clientFor(connection: MicrosoftConnection): MicrosoftReferralsClient {
    const { tenantId, settings, credentials } = connection;
    return new MicrosoftReferralsClient({
      auth: this.#auth(settings.entraTenantId, credentials.standInAuth),
      tokenCache: {
        cache: credentials.cache,
        saveCache: (serialized) => this.#deps.connections.saveMicrosoftCache(tenantId, serialized),
      },
      homeAccountId: credentials.homeAccountId,
      baseUrl: settings.baseUrl ?? undefined,
    });
  }

  /** Starts the admin's sign-in: the URL to open (Entra's consent screen); the PKCE verifier stays in the store. */
  async beginSignIn(
    tenantId: string,
    input: MicrosoftConnectionInput,
    options: {
      actor: string;
      redirectUri: string;
      standIn: { auth: MicrosoftStandInAuth; baseUrl: string } | null;
    },
  ): Promise<{ authorizeUrl: string }> {
    const pkce = await createPkcePair();
    const payload: SignInPayload = {
      verifier: pkce.verifier,
      redirectUri: options.redirectUri,
      actor: options.actor,
      input,
      standIn: options.standIn,
    };
    const state = await this.#deps.states.create('microsoft', { tenantId, payload });
    const client = new MicrosoftReferralsClient({
      auth: this.#auth(input.entraTenantId, options.standIn?.auth ?? null),
      tokenCache: { cache: null, saveCache: async () => {} },
    });
    return {
      authorizeUrl: await client.authorizeUrl({
        state,
        redirectUri: options.redirectUri,
        codeChallenge: pkce.challenge,
      }),
    };
  }

  /** The callback: redeems the code with the stored verifier, then stores the connection (its token cache sealed). */
  async finishSignIn(state: string, code: string): Promise<{ tenantId: string; view: ProgrammeConnectionView }> {
    const { tenantId, payload } = await this.#deps.states.consume('microsoft', state);
    const signIn = payload as SignInPayload | undefined;
    if (!tenantId || !signIn) throw new InvalidInputError('this sign-in was not started by PartnerLoop; start again');
    let cache: string | null = null;
    const standInAuth = signIn.standIn?.auth ?? null;
    const client = new MicrosoftReferralsClient({
      auth: this.#auth(signIn.input.entraTenantId, standInAuth),
      tokenCache: {
        cache: null,
        saveCache: async (serialized) => {
          cache = serialized;
        },
      },
    });
    const user = await client.redeemCode({ code, redirectUri: signIn.redirectUri, codeVerifier: signIn.verifier });
    const settings = this.#deps.connections.microsoftSettings(
      signIn.input,
      signIn.standIn ? { baseUrl: signIn.standIn.baseUrl } : null,
    );
    const view = await this.#deps.connections.setMicrosoft(
      tenantId,
      {
        settings,
        credentials: {
          kind: 'msal',
          cache,
          homeAccountId: user.homeAccountId,
          username: user.username,
          standInAuth,
        },
      },
      signIn.actor,
    );
    return { tenantId, view };
  }

  // --- sending ----------------------------------------------------------------------------------------------------

  /** The `microsoft_referrals` motion target: `requested` sends the referral, `withdrawn` closes it. */
  target(): MotionTarget {
    return {
      kind: KEY,
      notify: async (motion, event) => {
        let outcome: DeliveryOutcome = { status: 'delivered', httpStatus: 204 };
        if (event.to === 'requested') {
          outcome = await this.send(motion.tenantId, { id: motion.id, dealId: motion.dealId, ask: motion.ask });
        } else if (event.to === 'withdrawn') {
          outcome = await this.close(motion.tenantId, motion.id, 'withdrawn');
        } else {
          return outcome;
        }
        await this.onDealChanged?.(motion.tenantId, motion.dealId).catch((error: unknown) =>
          this.#deps.logger.warn({ err: error, dealId: motion.dealId }, 'cloud status write-back after a send failed'),
        );
        return outcome;
      },
    };
  }

  /**
   * Creates (or finds again) the motion's referral. Idempotent: a row already sent sends nothing; one cut short between
   * create and storing the id is looked up by its external reference id before anything is created again.
   */
  async send(tenantId: string, motion: { id: string; dealId: string; ask: string }): Promise<DeliveryOutcome> {
    const key = { tenantId, programme: KEY, motionId: motion.id };
    const row = await this.#deps.opportunities.forMotion(tenantId, KEY, motion.id);
    if (row?.phase === 'submitted' || row?.phase === 'closed') return { status: 'delivered', httpStatus: 200 };
    const connection = await this.#deps.connections.microsoft(tenantId);
    if (!connection) return { status: 'failed', error: 'Microsoft Partner Center is not connected for this portal.' };
    const client = this.clientFor(connection);
    let claimed = false;
    try {
      const attempt = row?.attempt ?? 1;
      let referral: MicrosoftReferral | null = null;
      let body: MicrosoftReferralBody;
      if (row?.phase === 'creating' && row.request !== null && row.client_token !== null) {
        // A crash after the create was sent: Microsoft has no idempotency key, so look for the referral first.
        body = row.request as MicrosoftReferralBody;
        referral = await client.findByExternalReference(row.client_token);
      } else {
        const reference = microsoftExternalReference({ tenantId, dealId: motion.dealId, motionId: motion.id, attempt });
        const mapped = await this.#map(tenantId, connection, motion, reference);
        if (!mapped.ok) {
          await this.#deps.opportunities.markInvalid({ ...key, dealId: motion.dealId }, mapped.issues, attempt);
          await this.#refused(tenantId, motion, mapped.issues);
          return { status: 'failed', error: `Not sent to Microsoft: ${issuesText(mapped.issues)}` };
        }
        body = mapped.body;
        await this.#deps.opportunities.begin({
          ...key,
          dealId: motion.dealId,
          attempt,
          clientToken: reference,
          request: body,
        });
      }
      // Microsoft has no idempotency key: one send at a time per motion (the delivery job and the poll may both try).
      if (!(await this.#deps.opportunities.claim(key, SEND_CLAIM_MS))) {
        return { status: 'retry', error: 'another send of this referral is in flight' };
      }
      claimed = true;
      if (referral === null && row?.phase === 'creating' && row.client_token !== null) {
        // Looked up again under the claim: the other sender may have created it meanwhile.
        referral = await client.findByExternalReference(row.client_token);
      }
      referral ??= await client.create(body);
      await this.#deps.opportunities.update(key, {
        externalId: referral.id,
        phase: isReadOnly(referral.status) ? 'closed' : 'submitted',
        reviewStatus: microsoftStatusText(referral),
        stage: referral.substatus ?? null,
        remoteModifiedAt: new Date(referral.updatedDateTime),
        sentFields: fieldsOf(body),
        lastError: null,
      });
      await this.#deps.inbox.resolve({ tenantId, source: KEY, objectType: MOTION_RECORD }, [motion.id]);
      return { status: 'delivered', httpStatus: 200 };
    } catch (error) {
      const decision = classifyMicrosoftError(error);
      const current = await this.#deps.opportunities.forMotion(tenantId, KEY, motion.id);
      if (decision.action === 'invalid') {
        await this.#deps.opportunities.markInvalid(
          { ...key, dealId: motion.dealId },
          decision.issues,
          (current?.attempt ?? 1) + 1,
        );
        await this.#refused(tenantId, motion, decision.issues);
        return { status: 'failed', error: `Microsoft refused the referral: ${issuesText(decision.issues)}` };
      }
      const { reason } = decision;
      if (current) await this.#deps.opportunities.update(key, { lastError: reason });
      if (decision.action === 'reauthorize') await this.#deps.connections.recordError(tenantId, KEY, reason);
      if (decision.action === 'retry') return { status: 'retry', error: reason };
      return { status: 'failed', error: reason };
    } finally {
      if (claimed) await this.#deps.opportunities.release(key);
    }
  }

  /** Closes the motion's referral (deal won or lost, motion withdrawn); a closed one is left as it is. */
  async close(tenantId: string, motionId: string, outcome: MicrosoftCloseOutcome): Promise<DeliveryOutcome> {
    const row = await this.#deps.opportunities.forMotion(tenantId, KEY, motionId);
    if (!row || row.external_id === null || row.phase === 'closed') return { status: 'delivered', httpStatus: 204 };
    const connection = await this.#deps.connections.microsoft(tenantId);
    if (!connection) return { status: 'failed', error: 'Microsoft Partner Center is not connected for this portal.' };
    const client = this.clientFor(connection);
    const key = { tenantId, programme: KEY, motionId };
    try {
      const current = await client.get(row.external_id);
      if (!isReadOnly(current.status)) {
        await client.update(row.external_id, closeReferralPatch(outcome), current.eTag ?? undefined);
      }
      const after = isReadOnly(current.status) ? current : await client.get(row.external_id);
      await this.#deps.opportunities.update(key, {
        phase: 'closed',
        reviewStatus: microsoftStatusText(after),
        stage: after.substatus ?? null,
        remoteModifiedAt: new Date(after.updatedDateTime),
        lastError: null,
      });
      return { status: 'delivered', httpStatus: 200 };
    } catch (error) {
      const decision = classifyMicrosoftError(error);
      const { reason } = decision;
      await this.#deps.opportunities.update(key, { lastError: reason });
      return decision.action === 'retry' ? { status: 'retry', error: reason } : { status: 'failed', error: reason };
    }
  }

  // --- following Microsoft ----------------------------------------------------------------------------------------

  /**
   * One polling pass: motions waiting to be (re)sent, then what Microsoft changed since the checkpoint (mirrored for
   * the reconciliation; our referrals move their motions), then open referrals whose deal changed (patched) or closed
   * (closed). The checkpoint moves forward page by page, only to what was stored.
   */
  async poll(tenantId: string, motions: MotionMover): Promise<MicrosoftPollResult> {
    const result: MicrosoftPollResult = { changed: 0, moved: 0, updated: 0, closed: 0, resent: 0, dealIds: [] };
    const connection = await this.#deps.connections.microsoft(tenantId);
    if (!connection) return result;
    const deals = new Set<string>();
    for (const row of await this.#deps.opportunities.open(tenantId, KEY)) {
      if (row.phase !== 'invalid' && row.phase !== 'creating' && row.phase !== 'created') continue;
      const motion = await motions.get(tenantId, row.motion_id);
      if (motion.state !== 'requested') continue;
      const outcome = await this.send(tenantId, { id: motion.id, dealId: motion.dealId, ask: motion.ask });
      if (outcome.status === 'delivered') result.resent += 1;
      deals.add(row.deal_id);
    }

    const client = this.clientFor(connection);
    try {
      const after = connection.checkpoint
        ? new Date(connection.checkpoint.getTime() - MICROSOFT_POLL_OVERLAP_MS).toISOString()
        : null;
      for await (const page of client.changedPages(after)) {
        await this.#deps.records.mirror(tenantId, KEY, page.referrals.map(cloudOpportunityFromMicrosoft));
        const rows = new Map(
          (
            await this.#deps.opportunities.byExternalIds(
              tenantId,
              KEY,
              page.referrals.map((referral) => referral.id),
            )
          ).map((row) => [row.external_id as string, row]),
        );
        for (const referral of page.referrals) {
          const row = rows.get(referral.id);
          if (!row) continue;
          result.changed += 1;
          deals.add(row.deal_id);
          await this.#deps.opportunities.update(
            { tenantId, programme: KEY, motionId: row.motion_id },
            {
              reviewStatus: microsoftStatusText(referral),
              stage: referral.substatus ?? null,
              remoteModifiedAt: new Date(referral.updatedDateTime),
              ...(isReadOnly(referral.status) ? { phase: 'closed' as const } : {}),
            },
          );
          result.moved += await this.#follow(tenantId, row, referral, motions);
        }
        if (page.newestUpdate) {
          await this.#deps.connections.advanceCheckpoint(tenantId, KEY, new Date(page.newestUpdate), null);
        }
      }

      for (const row of await this.#deps.opportunities.open(tenantId, KEY)) {
        if (row.external_id === null || row.phase !== 'submitted') continue;
        const outcome = await this.#keepInStep(tenantId, connection, row, client);
        if (outcome === 'updated') result.updated += 1;
        if (outcome === 'closed') result.closed += 1;
        if (outcome !== 'same') deals.add(row.deal_id);
      }
    } catch (error) {
      const decision = classifyMicrosoftError(error);
      const { reason } = decision;
      await this.#deps.connections.recordError(tenantId, KEY, reason);
      if (decision.action !== 'retry') {
        throw new ConflictError(`Microsoft poll failed: ${reason}.`, { cause: error });
      }
      throw error;
    }
    result.dealIds = [...deals];
    return result;
  }

  async #follow(
    tenantId: string,
    row: CloudOpportunityRow,
    referral: MicrosoftReferral,
    motions: MotionMover,
  ): Promise<number> {
    const motion = await motions.get(tenantId, row.motion_id);
    const path = motionMovesForMicrosoft(motion.state, referral.status, referral.substatus ?? null);
    for (const to of path) {
      await motions.transition(
        tenantId,
        motion.id,
        { to, note: `Microsoft: ${microsoftStatusText(referral)}` },
        { actor: ACTOR },
      );
    }
    return path.length;
  }

  /** An open referral whose deal changed: patched with what changed; a deal that closed closes it. */
  async #keepInStep(
    tenantId: string,
    connection: MicrosoftConnection,
    row: CloudOpportunityRow,
    client: MicrosoftReferralsClient,
  ): Promise<'updated' | 'closed' | 'same' | 'failed'> {
    const found = await this.#deps.mirror.findDeal(tenantId, row.deal_id);
    if (!found || found.deletedAt) return 'same';
    const key = { tenantId, programme: KEY, motionId: row.motion_id };
    const deal = found.deal;
    try {
      if (deal.isClosed) {
        const closed = await this.close(tenantId, row.motion_id, deal.isWon ? 'won' : 'lost');
        return closed.status === 'delivered' ? 'closed' : 'failed';
      }
      const mapped = await this.#map(
        tenantId,
        connection,
        { dealId: row.deal_id, ask: (row.request as MicrosoftReferralBody | null)?.details?.notes ?? '' },
        row.client_token ?? '',
      );
      if (!mapped.ok) return 'same';
      const next = microsoftTrackedFields(mapped.body);
      const ops = referralPatch((row.sent_fields ?? {}) as never, next);
      if (ops.length === 0) return 'same';
      const current = await client.get(row.external_id as string);
      if (isReadOnly(current.status)) {
        await this.#deps.opportunities.update(key, { phase: 'closed', reviewStatus: microsoftStatusText(current) });
        return 'same';
      }
      await client.update(row.external_id as string, ops, current.eTag ?? undefined);
      await this.#deps.opportunities.update(key, { sentFields: fieldsOf(mapped.body), lastError: null });
      await this.#deps.inbox.resolve({ tenantId, source: KEY, objectType: UPDATE_RECORD }, [row.motion_id]);
      return 'updated';
    } catch (error) {
      const decision = classifyMicrosoftError(error);
      const reason = decision.action === 'invalid' ? issuesText(decision.issues) : decision.reason;
      await this.#deps.opportunities.update(key, { lastError: reason });
      if (decision.action === 'invalid') {
        await this.#deps.inbox.record(
          { tenantId, source: KEY, objectType: UPDATE_RECORD, recordId: row.motion_id },
          { reason: `Microsoft refused the update: ${reason}`, details: decision.issues, dealId: row.deal_id },
        );
      }
      this.#deps.logger.warn({ tenantId, motionId: row.motion_id, reason }, 'Microsoft referral update not sent');
      return 'failed';
    }
  }

  /** The operator's retry from the error inbox (see `AwsAceCoSell.retry`). */
  async retry(tenantId: string, objectType: string, motionId: string, motions: MotionMover): Promise<RetryOutcome> {
    const motion = await motions.get(tenantId, motionId);
    if (objectType === MOTION_RECORD) {
      if (motion.state !== 'requested') {
        await this.#deps.inbox.resolve({ tenantId, source: KEY, objectType }, [motionId]);
        return { status: 'gone', message: `The motion is ${motion.state}: nothing is left to send.` };
      }
      const outcome = await this.send(tenantId, { id: motion.id, dealId: motion.dealId, ask: motion.ask });
      await this.onDealChanged?.(tenantId, motion.dealId);
      return outcome.status === 'delivered'
        ? { status: 'sent', message: 'Sent to Microsoft as a referral.' }
        : { status: outcome.status === 'retry' ? 'waiting' : 'refused', message: outcome.error };
    }
    if (objectType === UPDATE_RECORD) {
      const connection = await this.#deps.connections.microsoft(tenantId);
      const row = await this.#deps.opportunities.forMotion(tenantId, KEY, motionId);
      if (!connection || !row?.external_id || row.phase === 'closed') {
        await this.#deps.inbox.resolve({ tenantId, source: KEY, objectType }, [motionId]);
        return { status: 'gone', message: 'The referral is closed or gone: nothing is left to update.' };
      }
      const outcome = await this.#keepInStep(tenantId, connection, row, this.clientFor(connection));
      if (outcome === 'same') await this.#deps.inbox.resolve({ tenantId, source: KEY, objectType }, [motionId]);
      return outcome === 'failed'
        ? { status: 'refused', message: 'Microsoft refused the update again; see the reason.' }
        : { status: 'sent', message: 'Microsoft holds the deal as it is.' };
    }
    throw new NotFoundError(`Microsoft records of type ${objectType} are not retried here.`);
  }

  async #refused(tenantId: string, motion: { id: string; dealId: string }, issues: readonly MicrosoftFieldIssue[]) {
    await this.#deps.inbox.record(
      { tenantId, source: KEY, objectType: MOTION_RECORD, recordId: motion.id },
      { reason: `Not sent to Microsoft: ${issuesText(issues)}`, details: issues, dealId: motion.dealId },
    );
  }

  async #map(
    tenantId: string,
    connection: MicrosoftConnection,
    motion: { dealId: string; ask: string },
    externalReferenceId: string,
  ) {
    const found = await this.#deps.mirror.findDeal(tenantId, motion.dealId);
    if (!found || found.deletedAt) {
      return {
        ok: false as const,
        issues: [{ field: 'referral', message: 'The deal is no longer in the CRM.' }],
      };
    }
    const { settings } = connection;
    return microsoftReferralFromDeal(
      { deal: found.deal, ask: motion.ask, today: this.#now().toISOString().slice(0, 10), externalReferenceId },
      {
        countryCode: settings.countryCode,
        currency: settings.currency,
        solutionId: settings.solutionId,
        consent: settings.consent,
      },
    );
  }
}

/** What was sent, as the tracked fields `referralPatch` compares (text, stored like AWS's `sent_fields`). */
function fieldsOf(body: MicrosoftReferralBody): Record<string, string> {
  return { ...microsoftTrackedFields(body) };
}
