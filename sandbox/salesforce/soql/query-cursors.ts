import type { StoredRecord } from '../org/salesforce-org.ts';
import { apiError, errors } from '../salesforce-errors.ts';

/**
 * Server-side query cursors (REST API "Query" and "Query More Results"; help article "INVALID_QUERY_LOCATOR"): a
 * result bigger than one batch answers the first batch, `done: false` and `nextRecordsUrl:
 * /services/data/vXX.X/query/<locator>-<offset>`; the locator is 18 characters starting `0r8` and stays usable for two
 * days (the 10-cursors-per-user limit was lifted in API 56.0). The batch is 2,000 rows unless the request's
 * `Sforce-Query-Options: batchSize=N` asks for 200–2,000. The matching rows are fixed when the query runs; each page
 * renders its rows as they are at that moment.
 */

export interface QueryPage {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: Array<Record<string, unknown>>;
}

interface Cursor {
  rows: StoredRecord[];
  render: (row: StoredRecord) => Record<string, unknown>;
  batchSize: number;
  expiresAt: number;
  basePath: string;
}

export const DEFAULT_BATCH_SIZE = 2_000;
const CURSOR_LIFETIME_MS = 2 * 86_400_000;

/** `batchSize=500` from `Sforce-Query-Options`, kept within 200–2,000; absent → 2,000. */
export function batchSizeFrom(header: string | undefined): number {
  const match = /batchSize\s*=\s*(\d+)/i.exec(header ?? '');
  if (!match) return DEFAULT_BATCH_SIZE;
  return Math.min(DEFAULT_BATCH_SIZE, Math.max(200, Number(match[1])));
}

export class QueryCursors {
  private readonly cursors = new Map<string, Cursor>();

  constructor(private readonly mintId: () => string) {}

  get open(): number {
    return this.cursors.size;
  }

  /** The first page of a result; opens a cursor when more remain. `basePath` is `/services/data/vXX.X[/tooling]`. */
  first(
    rows: StoredRecord[],
    render: (row: StoredRecord) => Record<string, unknown>,
    options: { batchSize: number; basePath: string; now: number },
  ): QueryPage {
    this.prune(options.now);
    if (rows.length <= options.batchSize) {
      return { totalSize: rows.length, done: true, records: rows.map(render) };
    }
    const id = this.mintId();
    this.cursors.set(id, {
      rows,
      render,
      batchSize: options.batchSize,
      expiresAt: options.now + CURSOR_LIFETIME_MS,
      basePath: options.basePath,
    });
    return this.page(id, 0, options.now);
  }

  /** `…/query/<locator>-<offset>`: the batch starting at `offset`. */
  more(locator: string, now: number): QueryPage {
    const match = /^([A-Za-z0-9]+)-(\d+)$/.exec(locator);
    if (!match?.[1]) throw invalidLocator();
    const cursor = this.cursors.get(match[1]);
    if (!cursor || cursor.expiresAt <= now) throw invalidLocator();
    return this.page(match[1], Number(match[2]), now);
  }

  private page(id: string, offset: number, now: number): QueryPage {
    const cursor = this.cursors.get(id);
    if (!cursor || cursor.expiresAt <= now) throw invalidLocator();
    if (offset > cursor.rows.length) throw errors.notFound('The requested resource does not exist');
    const end = Math.min(cursor.rows.length, offset + cursor.batchSize);
    const records = cursor.rows.slice(offset, end).map(cursor.render);
    const done = end >= cursor.rows.length;
    return {
      totalSize: cursor.rows.length,
      done,
      ...(done ? {} : { nextRecordsUrl: `${cursor.basePath}/query/${id}-${end}` }),
      records,
    };
  }

  private prune(now: number): void {
    for (const [id, cursor] of this.cursors) if (cursor.expiresAt <= now) this.cursors.delete(id);
  }
}

function invalidLocator() {
  return apiError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
}
