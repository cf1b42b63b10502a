import { chunks } from '../../shared/chunks.ts';
import type { HubSpotClient } from './hubspot-client.ts';

/** The date-based CRM object API (SPEC §5). Object types by name or id: deals = 0-3, companies = 0-2. */
export const OBJECTS_API = '/crm/objects/2026-03';
const PIPELINES_API = '/crm/pipelines/2026-03/deals';
export const BATCH_LIMIT = 100;
/** Association batch reads take up to 1,000 inputs. */
export const ASSOCIATION_BATCH_LIMIT = 1_000;
export const ASSOCIATIONS_API = '/crm/associations/2026-03';
export const LIST_PAGE_LIMIT = 100;
export const SEARCH_PAGE_LIMIT = 200;

export type ObjectType = 'deals' | 'companies' | '0-3' | '0-2' | (string & {});

export interface CrmRecord {
  id: string;
  properties: Record<string, string | null>;
  createdAt?: string;
  updatedAt?: string;
  archived?: boolean;
}

interface Paging {
  next?: { after: string };
}

interface ListResponse {
  results: CrmRecord[];
  paging?: Paging;
}

interface SearchResponse extends ListResponse {
  total: number;
}

interface BatchResponse {
  status?: string;
  results: CrmRecord[];
  errors?: unknown[];
}

export interface Filter {
  propertyName: string;
  operator:
    | 'EQ'
    | 'NEQ'
    | 'LT'
    | 'LTE'
    | 'GT'
    | 'GTE'
    | 'BETWEEN'
    | 'IN'
    | 'NOT_IN'
    | 'HAS_PROPERTY'
    | 'NOT_HAS_PROPERTY'
    | 'CONTAINS_TOKEN'
    | 'NOT_CONTAINS_TOKEN';
  value?: string;
  highValue?: string;
  values?: string[];
}

export interface SearchRequest {
  filterGroups: Array<{ filters: Filter[] }>;
  sorts?: Array<{ propertyName: string; direction: 'ASCENDING' | 'DESCENDING' }>;
  properties?: string[];
  limit?: number;
  after?: string;
}

export interface AssociationLink {
  toId: string;
  typeIds: number[];
  labels: string[];
}

interface AssociationBatchResponse {
  results: Array<{
    from: { id: string };
    to: Array<{ toObjectId: number | string; associationTypes: Array<{ typeId: number; label?: string | null }> }>;
    /** Present when the record has more associations than one page holds: ask again with `{id, after}`. */
    paging?: { next?: { after?: string } };
  }>;
}

export class HubSpotObjects {
  constructor(private readonly client: HubSpotClient) {}

  /** Every record of a type, page by page (100 per page, the list maximum). */
  async *listAll(type: ObjectType, properties: readonly string[]): AsyncGenerator<CrmRecord[]> {
    let after: string | undefined;
    do {
      const page = await this.client.call<ListResponse>({
        method: 'GET',
        path: `${OBJECTS_API}/${type}`,
        qs: { limit: LIST_PAGE_LIMIT, after, properties: properties.join(','), archived: 'false' },
        idempotent: true,
        operation: `list of ${type}`,
      });
      if (!page) return;
      yield page.results;
      after = page.paging?.next?.after;
    } while (after);
  }

  async read(type: ObjectType, id: string, properties: readonly string[]): Promise<CrmRecord | undefined> {
    return this.client.call<CrmRecord>({
      method: 'GET',
      path: `${OBJECTS_API}/${type}/${encodeURIComponent(id)}`,
      qs: { properties: properties.join(',') },
      idempotent: true,
      notFoundIsEmpty: true,
      operation: `read of ${type} ${id}`,
    });
  }

  async search(type: ObjectType, request: SearchRequest): Promise<SearchResponse> {
    const response = await this.client.call<SearchResponse>({
      method: 'POST',
      path: `${OBJECTS_API}/${type}/search`,
      body: { limit: SEARCH_PAGE_LIMIT, ...request },
      kind: 'search',
      idempotent: true,
      operation: `search of ${type}`,
    });
    return response ?? { total: 0, results: [] };
  }

  async batchRead(type: ObjectType, ids: readonly string[], properties: readonly string[]): Promise<CrmRecord[]> {
    const out: CrmRecord[] = [];
    for (const batch of chunks(ids, BATCH_LIMIT)) {
      const response = await this.client.call<BatchResponse>({
        method: 'POST',
        path: `${OBJECTS_API}/${type}/batch/read`,
        body: { properties, inputs: batch.map((id) => ({ id })) },
        idempotent: true,
        operation: `batch read of ${type}`,
      });
      out.push(...(response?.results ?? []));
    }
    return out;
  }

  /** Creates one record. Not idempotent: callers look for the record first (see `HubSpotConnector.createDeal`). */
  async create(type: ObjectType, properties: Record<string, string>): Promise<CrmRecord> {
    const record = await this.client.call<CrmRecord>({
      method: 'POST',
      path: `${OBJECTS_API}/${type}`,
      body: { properties },
      idempotent: false,
      operation: `create of ${type}`,
    });
    if (!record) throw new Error(`HubSpot answered the create of ${type} without a record`);
    return record;
  }

  /** The first open stage of the first deal pipeline (by display order): where a new deal starts. */
  async firstOpenDealStage(): Promise<{ pipeline: string; stage: string } | undefined> {
    const answer = await this.client.call<{
      results: Array<{
        id: string;
        displayOrder: number;
        stages: Array<{ id: string; displayOrder: number; metadata?: { isClosed?: string } }>;
      }>;
    }>({ method: 'GET', path: PIPELINES_API, idempotent: true, operation: 'read of the deal pipelines' });
    const pipelines = [...(answer?.results ?? [])].sort((a, b) => a.displayOrder - b.displayOrder);
    for (const pipeline of pipelines) {
      const stage = [...pipeline.stages]
        .sort((a, b) => a.displayOrder - b.displayOrder)
        .find((candidate) => candidate.metadata?.isClosed !== 'true');
      if (stage) return { pipeline: pipeline.id, stage: stage.id };
    }
    return undefined;
  }

  /** Sets properties (absolute values, so a retry cannot double anything), 100 records per call. */
  async batchUpdate(
    type: ObjectType,
    inputs: ReadonlyArray<{ id: string; properties: Record<string, string> }>,
  ): Promise<number> {
    let calls = 0;
    for (const batch of chunks(inputs, BATCH_LIMIT)) {
      await this.client.call<BatchResponse>({
        method: 'POST',
        path: `${OBJECTS_API}/${type}/batch/update`,
        body: { inputs: batch },
        idempotent: true,
        operation: `batch update of ${type}`,
      });
      calls += 1;
    }
    return calls;
  }

  /**
   * Associations of many records at once (1,000 per call); records without any are simply absent. HubSpot pages each
   * record's associations: a record with more than one page is asked again with its `after`, batched with the other
   * records still paging, so extra calls are made only for records that need them. `stats.calls` counts the calls.
   */
  async batchReadAssociations(
    fromType: ObjectType,
    toType: ObjectType,
    ids: readonly string[],
    stats?: { calls: number },
  ): Promise<Map<string, AssociationLink[]>> {
    const links = new Map<string, AssociationLink[]>();
    let pending: Array<{ id: string; after?: string }> = ids.map((id) => ({ id }));
    const asked = new Set<string>();
    while (pending.length > 0) {
      const next: Array<{ id: string; after: string }> = [];
      for (const batch of chunks(pending, ASSOCIATION_BATCH_LIMIT)) {
        const response = await this.client.call<AssociationBatchResponse>({
          method: 'POST',
          path: `${ASSOCIATIONS_API}/${fromType}/${toType}/batch/read`,
          body: { inputs: batch },
          idempotent: true,
          operation: `association read of ${fromType}`,
        });
        if (stats) stats.calls += 1;
        for (const result of response?.results ?? []) {
          const id = String(result.from.id);
          const page = result.to.map((to) => ({
            toId: String(to.toObjectId),
            typeIds: to.associationTypes.map((type) => type.typeId),
            labels: to.associationTypes
              .map((type) => type.label)
              .filter((label): label is string => typeof label === 'string' && label !== ''),
          }));
          links.set(id, [...(links.get(id) ?? []), ...page]);
          const after = result.paging?.next?.after;
          // A cursor seen before would loop forever: stop paging that record instead.
          if (after && !asked.has(`${id}\u0000${after}`)) {
            asked.add(`${id}\u0000${after}`);
            next.push({ id, after });
          }
        }
      }
      pending = next;
    }
    return links;
  }

  /**
   * Adds labelled associations (e.g. a partner role on a deal→company link), 100 per call. Absolute (set semantics),
   * so a retry cannot double anything.
   */
  async batchAssociate(
    fromType: ObjectType,
    toType: ObjectType,
    inputs: ReadonlyArray<{
      fromId: string;
      toId: string;
      typeId: number;
      category?: 'USER_DEFINED' | 'HUBSPOT_DEFINED';
    }>,
  ): Promise<number> {
    let calls = 0;
    for (const batch of chunks(inputs, BATCH_LIMIT)) {
      await this.client.call({
        method: 'POST',
        path: `${ASSOCIATIONS_API}/${fromType}/${toType}/batch/create`,
        body: {
          inputs: batch.map((input) => ({
            from: { id: input.fromId },
            to: { id: input.toId },
            types: [{ associationCategory: input.category ?? 'USER_DEFINED', associationTypeId: input.typeId }],
          })),
        },
        idempotent: true,
        operation: `association of ${fromType} to ${toType}`,
      });
      calls += 1;
    }
    return calls;
  }

  /** Removes association labels only (the link itself stays), 100 per call. */
  async batchRemoveLabels(
    fromType: ObjectType,
    toType: ObjectType,
    inputs: ReadonlyArray<{
      fromId: string;
      toId: string;
      typeId: number;
      category?: 'USER_DEFINED' | 'HUBSPOT_DEFINED';
    }>,
  ): Promise<number> {
    let calls = 0;
    for (const batch of chunks(inputs, BATCH_LIMIT)) {
      await this.client.call({
        method: 'POST',
        path: `${ASSOCIATIONS_API}/${fromType}/${toType}/batch/labels/archive`,
        body: {
          inputs: batch.map((input) => ({
            from: { id: input.fromId },
            to: { id: input.toId },
            types: [{ associationCategory: input.category ?? 'USER_DEFINED', associationTypeId: input.typeId }],
          })),
        },
        idempotent: true,
        operation: `label removal on ${fromType} to ${toType}`,
      });
      calls += 1;
    }
    return calls;
  }

  /** Merges `mergeId` into `primaryId`; not idempotent, so only 429s are retried. Returns the surviving record. */
  async merge(type: ObjectType, primaryId: string, mergeId: string): Promise<CrmRecord | undefined> {
    return this.client.call<CrmRecord>({
      method: 'POST',
      path: `${OBJECTS_API}/${type}/merge`,
      body: { primaryObjectId: primaryId, objectIdToMerge: mergeId },
      idempotent: false,
      operation: `merge of ${type}`,
    });
  }
}
