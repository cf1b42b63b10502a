import type { CrmConnector, CrmConnectors, PartnerLink } from '../../src/crm/crm-connector.ts';
import {
  type CanonicalDeal,
  type CrmChangeSet,
  type CrmSnapshot,
  changedProperties,
} from '../../src/model/crm-record.ts';
import type { PartnerRole } from '../../src/model/deal.ts';
import type { Partner } from '../../src/model/partner.ts';
import type { Logger } from '../platform/log/logger.ts';
import type { CrmMirrorRepository } from './crm-mirror.repo.ts';

/**
 * One feature's write-back: which properties it owns, and their desired values per record id. The sync compares
 * against what HubSpot holds and writes only differences, batched, for every writer at once.
 *
 * A deal writer answers for the deals it is given and may also name other deals its result changed (a deal that
 * stopped being another's duplicate): the sync reads those from the mirror and compares them too. A company writer
 * (partner scores) runs on full passes only, over the partner roster.
 */
export interface DealWriter {
  readonly name: string;
  readonly properties: readonly string[];
  desired(input: DealWriterInput): Promise<ReadonlyMap<string, Record<string, string>>>;
  /**
   * For writers too costly to run inline on a large webhook drain round (it shares a thread with the
   * acknowledgements): a webhook pass with more than `inlineLimit` deals only hands them the changed deal ids to note,
   * and their own debounced job writes later. Smaller rounds, full passes and passes naming the writer run it inline.
   */
  defer?(tenantId: string, dealIds: readonly string[]): Promise<void>;
  readonly inlineLimit?: number;
  /**
   * The writer adds to the deals it is given (attribution's auto-tags) so the writers after it in the same pass see
   * the result: it runs once the writers before it have ended, and the writers after it wait for it — until it calls
   * its input's `amended`, or ends.
   */
  readonly amendsDeals?: boolean;
}

/** Whether a deferring writer runs inline for a webhook pass over `deals` deals. */
function runsInline(writer: DealWriter, deals: number): boolean {
  return !writer.defer || deals <= (writer.inlineLimit ?? 0);
}
export type CompanyWriter = DealWriter;

export interface DealWriterInput {
  tenantId: string;
  /** The deals to compute values for (changed ones on a webhook; all live deals on a reconcile). */
  deals: readonly CanonicalDeal[];
  /** The tenant's partner roster. */
  partners: readonly Partner[];
  /** True on a full reconcile (writers may use portal-wide context). */
  full: boolean;
  /** Partner links a writer wants made (auto-tags): written through the CRM port after every writer ran. */
  links?: PartnerLinkSink;
  /**
   * Given to an amending writer (`amendsDeals`): it calls this once its changes to `deals` are final, before work that
   * leaves them alone (storing its own results), and the writers after it start then rather than when it ends. Should
   * it fail after calling it, the pass fails once the others have ended (nothing is written to the CRM, its links
   * neither); what they stored meanwhile (scores, clusters, computed with its amendments) stands until the next pass.
   */
  amended?: () => void;
}

export interface PartnerLinkSink {
  /** The roles the tenant's CRM can link now. */
  linkableRoles(): Promise<ReadonlySet<PartnerRole>>;
  /** Queues links; the sync writes them, then runs `afterLinked` (e.g. the audit entries). */
  link(links: readonly PartnerLink[], afterLinked: () => Promise<void>): void;
}

export interface WriteBackResult {
  /** Deals whose CRM values changed. */
  deals: number;
  /** Partner companies whose CRM values changed (full passes only). */
  companies: number;
  /** Batch update calls made. */
  calls: number;
}

export interface ReconcileResult extends WriteBackResult {
  tenantId: string;
  dealsRead: number;
  partnersRead: number;
  deletedDeals: number;
  readCalls: number;
}

export interface WebhookWorkResult extends WriteBackResult {
  refreshedDeals: number;
  missingDeals: number;
  refreshedCompanies: number;
  aliases: number;
}

export interface CrmTenantSyncOptions {
  crm: CrmConnectors;
  mirror: CrmMirrorRepository;
  writers?: readonly DealWriter[];
  companyWriters?: readonly CompanyWriter[];
  logger: Logger;
  /**
   * Refreshes the store's planner statistics where tables grew (`refreshPlannerStatistics`): a full pass runs it once
   * its writers have stored their results (evaluations, clusters, scores), so what reads them next — the card above
   * all — is planned for the tables as they are. (The mirror analyses its own tables during the read, before the
   * writers query them: `CrmMirrorRepository.refreshStatistics`.)
   */
  refreshPlannerStatistics?: () => Promise<readonly string[]>;
}

/** Deal write-back slice: 10 HubSpot batch calls, recorded in the mirror as soon as they are written. */
const WRITE_SLICE = 1_000;

/**
 * Keeps the store's mirror of a tenant's CRM current (a full reconcile, or the records a change set names) through the
 * CRM port, and runs the deal writers over what changed. Every step is idempotent: re-running it converges on the
 * same CRM state. CRM-neutral: the tenant's connector does the reading and writing.
 */
export class CrmTenantSync {
  readonly #writers: readonly DealWriter[];
  readonly #companyWriters: readonly CompanyWriter[];

  constructor(private readonly options: CrmTenantSyncOptions) {
    this.#writers = options.writers ?? [];
    this.#companyWriters = options.companyWriters ?? [];
    // Each property has one writer: the write-back compares each writer's values on their own.
    for (const writers of [this.#writers, this.#companyWriters]) {
      const owner = new Map<string, string>();
      for (const writer of writers) {
        for (const property of writer.properties) {
          const other = owner.get(property);
          if (other !== undefined && other !== writer.name) {
            throw new Error(`writers ${other} and ${writer.name} both write ${property}`);
          }
          owner.set(property, writer.name);
        }
      }
    }
  }

  /** Deal properties the writers own: read with every deal so write-back can compare. */
  get writtenProperties(): string[] {
    return [...new Set(this.#writers.flatMap((writer) => writer.properties))];
  }

  /** Company properties the company writers own: read with every partner on a full pass. */
  get writtenCompanyProperties(): string[] {
    return [...new Set(this.#companyWriters.flatMap((writer) => writer.properties))];
  }

  /**
   * A full pass: read everything, refresh the mirror, write back what changed. `signal` (a lost lease, the service
   * stopping) is checked between pages and between write batches; what was written by then is recorded, so the
   * retry after a restart does not write it again.
   */
  async reconcile(
    tenantId: string,
    onProgress?: (read: number) => void,
    signal?: AbortSignal,
  ): Promise<ReconcileResult> {
    const { mirror, crm } = this.options;
    // What this read covers starts now, or earlier when an incremental pass (a drain) is under way: it may still
    // write what it read before now, and the webhook drain skips events from before this moment.
    const { startedAt: readStartedAt, coversFrom, read } = await mirror.fullReadStart(tenantId);
    // The roster, then each piece of deals, goes into the mirror while the next pages are read (the reads wait on the
    // rate limit); the roster first, so no mirrored deal names a partner the mirror lacks.
    const load = new BackgroundChain(signal);
    let dealRowsWritten = 0;
    let snapshot: CrmSnapshot;
    try {
      snapshot = await crm
        .connector(tenantId)
        .readSnapshot({
          dealProperties: this.writtenProperties,
          partnerProperties: this.writtenCompanyProperties,
          ...(onProgress ? { onProgress } : {}),
          onPartners: (partners, properties) =>
            load.add(async () => {
              await mirror.upsertPartners(tenantId, partners, properties);
              const seen = new Set(partners.map((partner) => partner.id));
              await mirror.markUnseenDeleted(tenantId, 'companies', seen, readStartedAt);
            }),
          onDeals: (deals) =>
            load.add(async () => {
              dealRowsWritten += await mirror.upsertDeals(tenantId, deals, read);
            }),
        })
        .finally(() => load.idle());
      await load.settled();
    } finally {
      // Whatever went in, even from a read that failed half-way: its retry may write too few rows to refresh them.
      await mirror
        .refreshStatistics(dealRowsWritten)
        .catch((error: unknown) =>
          this.options.logger.warn({ err: error, tenantId }, 'mirror planner statistics not refreshed'),
        );
    }
    // A stop during the read skipped the pieces not yet written: nothing more is done.
    signal?.throwIfAborted();
    const deletedDeals = await mirror.markUnseenDeleted(
      tenantId,
      'deals',
      new Set(snapshot.deals.map((entry) => entry.deal.id)),
      readStartedAt,
      read,
    );
    signal?.throwIfAborted();
    // Deals a webhook pass re-read (and stored) since this read began: the pass computes from the mirror's newer rows.
    const newer = await mirror.readsAfter(tenantId, read);
    const deals = await this.#newest(tenantId, snapshot.deals, newer);
    const written = await this.writeBack(tenantId, deals, snapshot.partners, true, {
      read: { number: read, newer },
      partnerProperties: snapshot.partnerProperties,
      fewChanges: (dealRowsWritten + deletedDeals) * 100 <= snapshot.deals.length,
      ...(signal ? { signal } : {}),
    });
    // Only a pass that ended: change events from before its read need no re-read (the webhook drain skips them).
    await mirror.recordFullRead(tenantId, coversFrom);
    return {
      tenantId,
      dealsRead: snapshot.deals.length,
      partnersRead: snapshot.partners.length,
      deletedDeals,
      readCalls: snapshot.readCalls,
      ...written,
    };
  }

  /**
   * Resolves once `calls` CRM requests could start for the tenant without waiting on its rate window, nor spending
   * faster than it refills (`SlidingWindowLimiter.whenFree`).
   */
  async whenCallsFree(tenantId: string, calls: number): Promise<void> {
    await this.options.crm.connector(tenantId).whenCallsFree?.(calls);
  }

  /** When the tenant's last successful full pass began reading (events before it need no re-read). */
  lastFullReadStartedAt(tenantId: string): Promise<Date | undefined> {
    return this.options.mirror.lastFullReadStartedAt(tenantId);
  }

  /** Applies a change set (webhook events, a poll): aliases first, then fresh reads of every touched record. */
  async applyWebhookWork(tenantId: string, work: CrmChangeSet): Promise<WebhookWorkResult> {
    const { mirror, crm } = this.options;
    const connector = crm.connector(tenantId);
    for (const alias of work.aliases) await mirror.addAlias(tenantId, alias.objectType, alias.oldId, alias.newId);

    let refreshedCompanies = 0;
    if (work.companies.length > 0) {
      const companyIds = await this.resolveAll(tenantId, 'companies', work.companies);
      const read = await connector.readPartners(companyIds, this.writtenCompanyProperties);
      const partners = read.partners;
      await mirror.upsertPartners(tenantId, partners, read.properties);
      const stillPartners = new Set(partners.map((partner) => partner.id));
      await mirror.retirePartners(
        tenantId,
        work.companies.filter((id) => !stillPartners.has(id)),
      );
      refreshedCompanies = read.read;
    }

    const dealIds = await this.resolveAll(tenantId, 'deals', work.deals);
    const merged = work.aliases.filter((alias) => alias.objectType === 'deals').map((alias) => alias.oldId);
    // The roster tells which companies linked to a deal's account are partners (account-based auto-tag).
    const roster = dealIds.length > 0 ? await mirror.livePartners(tenantId) : [];
    const readNumber = await mirror.readStart();
    const read = await connector.readDeals(dealIds, {
      dealProperties: this.writtenProperties,
      partnerIds: new Set(roster.map((partner) => partner.id)),
    });
    await mirror.upsertPartners(tenantId, read.partners);
    await mirror.upsertDeals(tenantId, read.deals, readNumber);
    await mirror.markDeleted(tenantId, 'deals', [...read.missing, ...merged], readNumber);
    const partners = this.#writers.length > 0 ? await mirror.livePartners(tenantId) : [];
    const changedIds = read.deals.map((entry) => entry.deal.id);
    for (const writer of this.#writers) {
      if (writer.defer && !runsInline(writer, changedIds.length)) await writer.defer(tenantId, changedIds);
    }
    // A reconcile that began after this read may have stored some of them since: it read them later.
    const newer = await mirror.readsAfter(
      tenantId,
      readNumber,
      read.deals.map((entry) => entry.deal.id),
    );
    const deals = await this.#newest(tenantId, read.deals, newer);
    const written = await this.writeBack(tenantId, deals, partners, false, { read: { number: readNumber, newer } });
    return {
      refreshedDeals: read.deals.length,
      missingDeals: read.missing.length,
      refreshedCompanies,
      aliases: work.aliases.length,
      ...written,
    };
  }

  /**
   * A full pass from the mirror, without reading the CRM: what a scheduled refresh runs after changes (scores move
   * when a deal closes anywhere in the portal). `writers` limits it to some writers by name.
   */
  async refreshFromMirror(tenantId: string, writers?: readonly string[]): Promise<WriteBackResult> {
    const { mirror } = this.options;
    const [deals, partners, partnerProperties] = await Promise.all([
      mirror.liveDeals(tenantId),
      mirror.livePartners(tenantId),
      mirror.livePartnerProperties(tenantId),
    ]);
    return this.writeBack(tenantId, deals, partners, true, {
      partnerProperties,
      ...(writers ? { writers } : {}),
    });
  }

  /**
   * The deals a pass read, each one a later read stored meanwhile (`newer`, see `readsAfter`) replaced by the
   * mirror's row, or left out when that read found it gone: the pass computes from the newest read.
   */
  async #newest(
    tenantId: string,
    deals: readonly CanonicalDeal[],
    newer: ReadonlyMap<string, string>,
  ): Promise<readonly CanonicalDeal[]> {
    if (newer.size === 0) return deals;
    const ids = deals.flatMap((entry) => (newer.has(entry.deal.id) ? [entry.deal.id] : []));
    if (ids.length === 0) return deals;
    const stored = new Map(
      (await this.options.mirror.dealsByIds(tenantId, ids)).map((entry) => [entry.deal.id, entry]),
    );
    return deals.flatMap((entry) => {
      if (!newer.has(entry.deal.id)) return [entry];
      const row = stored.get(entry.deal.id);
      return row ? [row] : [];
    });
  }

  /**
   * Runs the writers over `deals` (and company writers on a full pass) and writes only the values the CRM does not
   * already hold, batched by the connector.
   */
  async writeBack(
    tenantId: string,
    deals: readonly CanonicalDeal[],
    partners: readonly Partner[],
    full: boolean,
    options: {
      partnerProperties?: ReadonlyMap<string, Record<string, string | null>>;
      writers?: readonly string[];
      /** Checked between write batches: a stop ends the pass there, with what was written recorded. */
      signal?: AbortSignal;
      /**
       * A full pass whose read found few changed deals: the writers after attribution start beside it rather than
       * after it (it is unlikely to auto-tag anything; should it tag a deal after all, they run again after it).
       */
      fewChanges?: boolean;
      /**
       * The read the pass computes from (its number) and the deals it took from newer reads (`#newest`, with their
       * numbers): before each write batch, a deal a still newer read has stored since is left out — the pass that
       * read it writes it, from what it read.
       */
      read?: { number: string; newer: ReadonlyMap<string, string> };
    } = {},
  ): Promise<WriteBackResult> {
    const { signal } = options;
    // A full pass's writers see one order for one set of deals and partners (their engines keep results by input
    // digest).
    if (full) {
      deals = inIdOrder(deals, (entry) => entry.deal.id);
      partners = inIdOrder(partners, (partner) => partner.id);
    }
    // Named writers run; otherwise all of them, except deferring ones on a large webhook (non-full) pass.
    const chosen = (list: readonly DealWriter[]) =>
      options.writers
        ? list.filter((writer) => options.writers?.includes(writer.name))
        : list.filter((writer) => full || runsInline(writer, deals.length));
    const connector = this.options.crm.connector(tenantId);
    const pending: Array<{ links: readonly PartnerLink[]; afterLinked: () => Promise<void> }> = [];
    const collected = await collect(
      chosen(this.#writers),
      { tenantId, deals, partners, full, links: linkSink(connector, pending) },
      options.fewChanges === true,
    );
    const input = collected.input;
    if (full) await this.#refreshPlannerStatistics(tenantId);
    const { updates: dealUpdates, compared } = await this.#dealUpdates(tenantId, deals, collected.desired);
    let calls = 0;
    // Links first: the values written next (attribution status) already count the linked partners.
    for (const { links, afterLinked } of pending) {
      signal?.throwIfAborted();
      await connector.linkPartners(links);
      await afterLinked();
    }
    // In slices, each recorded once written: a stop between slices loses nothing and rewrites nothing.
    const updates = [...dealUpdates];
    const given = options.read ? new Set(deals.map((entry) => entry.deal.id)) : undefined;
    for (let start = 0; start < updates.length; start += WRITE_SLICE) {
      signal?.throwIfAborted();
      let slice = updates.slice(start, start + WRITE_SLICE);
      if (options.read && given) {
        const { number, newer } = options.read;
        const since = await this.options.mirror.readsAfter(
          tenantId,
          number,
          slice.flatMap(([id]) => (given.has(id) ? [id] : [])),
        );
        const outdated = (id: string) => {
          const stored = since.get(id);
          return stored !== undefined && stored !== newer.get(id);
        };
        if (since.size > 0) {
          for (const [id] of slice) if (outdated(id)) dealUpdates.delete(id);
          slice = slice.filter(([id]) => !outdated(id));
          if (slice.length === 0) continue;
        }
      }
      const written = await connector.writeProperties(
        'deals',
        slice.map(([id, properties]) => ({ id, properties })),
      );
      calls += written.calls;
      // A record the CRM refused (in the error inbox) keeps its old values here, so the next pass tries it again.
      const refused = new Set(written.refused);
      await this.options.mirror.recordDealValues(
        tenantId,
        new Map(refused.size === 0 ? slice : slice.filter(([id]) => !refused.has(id))),
        compared,
      );
    }
    const companyUpdates = new Map<string, Record<string, string>>();
    const companyWriters = full ? chosen(this.#companyWriters) : [];
    if (companyWriters.length > 0) {
      const current = options.partnerProperties ?? (await this.options.mirror.livePartnerProperties(tenantId));
      const desired = (await collect(companyWriters, input)).desired;
      for (const id of idsOf(desired)) {
        const changed = current.has(id) ? changesOf(current.get(id) ?? {}, id, desired) : undefined;
        if (changed) companyUpdates.set(id, changed);
      }
      if (companyUpdates.size > 0) {
        signal?.throwIfAborted();
        const written = await connector.writeProperties(
          'partners',
          [...companyUpdates].map(([id, properties]) => ({ id, properties })),
        );
        calls += written.calls;
        for (const id of written.refused) companyUpdates.delete(id);
        await this.options.mirror.recordPartnerValues(tenantId, companyUpdates);
      }
    }
    if (calls > 0) {
      this.options.logger.info(
        { tenantId, deals: dealUpdates.size, companies: companyUpdates.size, calls },
        'CRM properties written back',
      );
      this.options.logger.debug(
        { tenantId, deals: Object.fromEntries(dealUpdates), companies: Object.fromEntries(companyUpdates) },
        'CRM values written',
      );
    }
    return { deals: dealUpdates.size, companies: companyUpdates.size, calls };
  }

  /** The store's planner statistics after a full pass's writers stored their results; a failure only costs plans. */
  async #refreshPlannerStatistics(tenantId: string): Promise<void> {
    try {
      const analysed = (await this.options.refreshPlannerStatistics?.()) ?? [];
      if (analysed.length > 0) {
        this.options.logger.debug({ tenantId, tables: analysed }, 'planner statistics refreshed');
      }
    } catch (error) {
      this.options.logger.warn({ err: error, tenantId }, 'planner statistics not refreshed');
    }
  }

  /** Desired deal values → only the changed ones; deals named beyond `deals` are compared from the mirror. */
  async #dealUpdates(
    tenantId: string,
    deals: readonly CanonicalDeal[],
    desired: WritersValues,
  ): Promise<{
    updates: Map<string, Record<string, string>>;
    /** The stored values each update was compared against. */
    compared: Map<string, Readonly<Record<string, string | null>>>;
  }> {
    const updates = new Map<string, Record<string, string>>();
    const compared = new Map<string, Readonly<Record<string, string | null>>>();
    if (desired.every((values) => values.size === 0)) return { updates, compared };
    const given = new Set(deals.map((entry) => entry.deal.id));
    const related = [...idsOf(desired, given)];
    const others = related.length > 0 ? await this.options.mirror.dealsByIds(tenantId, related) : [];
    for (const entry of [...deals, ...others]) {
      const changed = changesOf(entry.properties, entry.deal.id, desired);
      if (changed) {
        updates.set(entry.deal.id, changed);
        compared.set(entry.deal.id, entry.properties);
      }
    }
    return { updates, compared };
  }

  private async resolveAll(tenantId: string, objectType: string, ids: readonly string[]): Promise<string[]> {
    const resolved = await this.options.mirror.resolveIds(tenantId, objectType, ids);
    return [...new Set(resolved.values())];
  }
}

/**
 * Tasks run one after another in the background while the caller goes on. Once a task fails the rest are skipped and
 * the next `add` throws that failure (a read stops there); `settled` waits for them all and throws it. Once `signal`
 * is aborted (a lost lease, a stop) the tasks not started yet are skipped too.
 */
class BackgroundChain {
  #chain: Promise<void> = Promise.resolve();
  #failure: { error: unknown } | undefined;

  constructor(private readonly signal?: AbortSignal) {}

  add(task: () => Promise<void>): void {
    if (this.#failure) throw this.#failure.error;
    this.#chain = this.#chain.then(async () => {
      if (this.#failure || this.signal?.aborted) return;
      try {
        await task();
      } catch (error) {
        this.#failure = { error };
      }
    });
  }

  /** Waits for every task added so far, failed or not. */
  idle(): Promise<void> {
    return this.#chain;
  }

  async settled(): Promise<void> {
    await this.#chain;
    if (this.#failure) throw this.#failure.error;
  }
}

function linkSink(
  connector: CrmConnector,
  pending: Array<{ links: readonly PartnerLink[]; afterLinked: () => Promise<void> }>,
): PartnerLinkSink {
  return {
    linkableRoles: () => connector.linkableRoles(),
    link: (links, afterLinked) => {
      pending.push({ links, afterLinked });
    },
  };
}

/** Each writer's desired values (by record id), in the writers' order: writers own disjoint properties. */
type WritersValues = ReadonlyArray<ReadonlyMap<string, Record<string, string>>>;

/**
 * Every writer's desired values, in the writers' order, and the input the pass goes on with. The
 * writers run at once — each reads its own inputs and owns its properties and tables, and the costly ones (dedupe,
 * scoring) compute on worker threads, so they overlap the in-thread ones — except around a writer that amends the
 * deals (`amendsDeals`), which starts once the writers before it have ended, and the writers after it once it said its
 * changes are final (`DealWriterInput.amended`) or ended. All of them have ended before a
 * failure is thrown (none still writing after a pass).
 *
 * `speculate` (a full pass whose read found at most 1 % of the deals changed — the links the last pass's auto-tags
 * wrote among them — so the amending writer is unlikely to amend anything) runs even the writers after the amending one
 * beside it, on the deals as read; should it amend a deal after all, those writers run again after it, on a fresh
 * input (a pass's shared computations are keyed by the input object, `ScoringService`). Their first run's side
 * effects stand until the second replaces them (stored clusters or scores, computed from the deals as read).
 */
async function collect(
  writers: readonly DealWriter[],
  input: DealWriterInput,
  speculate = false,
): Promise<{ desired: WritersValues; input: DealWriterInput }> {
  const amending = writers.findIndex((writer) => writer.amendsDeals);
  if (speculate && amending >= 0) {
    const start = (writer: DealWriter) => Promise.resolve().then(() => writer.desired(input));
    // The writers before the amending one have ended, none failed, before it starts (as without speculation).
    const before = valuesOf(await Promise.allSettled(writers.slice(0, amending).map(start)));
    const asRead = input.deals.map((entry) => entry.deal);
    const rest = await Promise.allSettled(writers.slice(amending).map(start));
    if (!input.deals.some((entry, i) => entry.deal !== asRead[i])) {
      return { desired: [...before, ...valuesOf(rest)], input };
    }
    // It amended a deal: what the writers after it computed is dropped (a failure among them too), and they run again.
    const amended = valuesOf(rest.slice(0, 1));
    const again = await collect(writers.slice(amending + 1), { ...input });
    return { desired: [...before, ...amended, ...again.desired], input: again.input };
  }
  const runs: Array<Promise<ReadonlyMap<string, Record<string, string>>>> = [];
  let after: Promise<unknown> = Promise.resolve();
  for (const writer of writers) {
    if (writer.amendsDeals) {
      let amended = () => {};
      const final = new Promise<void>((resolve) => {
        amended = resolve;
      });
      // Once the writers before it have ended, and only if none failed (the pass fails: nothing to amend for).
      const run = Promise.allSettled(runs).then((before) => {
        const failed = before.find((outcome) => outcome.status === 'rejected');
        if (failed) throw failed.reason;
        return writer.desired({ ...input, amended });
      });
      runs.push(run);
      // The writers after it start once its amendments are final; a failure before that fails them without running
      // (their runs carry it; `after` itself may have no writer after it to observe it).
      after = Promise.race([final, run]);
      after.catch(() => {});
    } else {
      runs.push(after.then(() => writer.desired(input)));
    }
  }
  return { desired: valuesOf(await Promise.allSettled(runs)), input };
}

/** The writers' values; the first failure, if any, is thrown. */
function valuesOf(
  outcomes: ReadonlyArray<PromiseSettledResult<ReadonlyMap<string, Record<string, string>>>>,
): WritersValues {
  return outcomes.map((outcome) => {
    if (outcome.status === 'rejected') throw outcome.reason;
    return outcome.value;
  });
}

/**
 * Shorter ids first, then by code unit: numeric ids (HubSpot's) in numeric order, equal-length ones (Salesforce's) as
 * text. Not dedupe's `compareIds`, which tests each pair against a pattern (a 100k sort several times slower) and orders
 * other ids as plain text.
 */
function compareById(x: string, y: string): number {
  return x.length - y.length || (x < y ? -1 : x > y ? 1 : 0);
}

/**
 * The items in id order (`compareById`; the same array when they already are): a CRM may read one set of records in
 * another order each time — Salesforce pages opportunities and accounts by modification stamp, which every write
 * moves — and the engines' input digests (dedupe's clusters, the scoring run) follow the order of their input.
 */
function inIdOrder<T>(items: readonly T[], idOf: (item: T) => string): readonly T[] {
  const byId = (a: T, b: T) => compareById(idOf(a), idOf(b));
  for (let index = 1; index < items.length; index += 1) {
    if (byId(items[index - 1] as T, items[index] as T) > 0) return [...items].sort(byId);
  }
  return items;
}

/** Every record id some writer has values for, except those in `except`. */
function idsOf(desired: WritersValues, except?: ReadonlySet<string>): Set<string> {
  const ids = new Set<string>();
  for (const values of desired) for (const id of values.keys()) if (!except?.has(id)) ids.add(id);
  return ids;
}

/**
 * The values the writers want for record `id` that differ from `current`, or undefined: compared writer by writer, so
 * a pass that changes nothing builds no object per record.
 */
function changesOf(
  current: Readonly<Record<string, string | null>>,
  id: string,
  desired: WritersValues,
): Record<string, string> | undefined {
  let changed: Record<string, string> | undefined;
  for (const values of desired) {
    const want = values.get(id);
    const diff = want && changedProperties(current, want);
    if (diff) changed = changed ? Object.assign(changed, diff) : diff;
  }
  return changed;
}
