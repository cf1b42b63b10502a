import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { StoreSchema } from './schema.ts';

const inputDigestCheckpoint = z.strictObject({ inputDigest: z.string() });

/**
 * Sync checkpoints: one small zod-validated object per tenant and stream, saved after every page. A checkpoint that
 * no longer validates (the shape moved on) reads as absent, which means a full read.
 */
export class CheckpointsRepository {
  constructor(private readonly db: Kysely<StoreSchema>) {}

  async load<S extends z.ZodType>(tenantId: string, stream: string, schema: S): Promise<z.infer<S> | undefined> {
    const row = await this.db
      .selectFrom('sync_checkpoints')
      .select('checkpoint')
      .where('tenant_id', '=', tenantId)
      .where('stream', '=', stream)
      .executeTakeFirst();
    if (!row) return undefined;
    const parsed = schema.safeParse(row.checkpoint);
    return parsed.success ? parsed.data : undefined;
  }

  async save<S extends z.ZodType>(tenantId: string, stream: string, schema: S, checkpoint: z.input<S>): Promise<void> {
    const value = JSON.stringify(schema.parse(checkpoint));
    await this.db
      .insertInto('sync_checkpoints')
      .values({ tenant_id: tenantId, stream, checkpoint: value })
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'stream']).doUpdateSet({ checkpoint: value, updated_at: new Date() }),
      )
      .execute();
  }

  /**
   * The digest of the input a stored result was computed from (dedupe's full-pass clusters, the scoring run), saved in
   * the transaction that stores the result; none (`undefined`) clears the stream, so a result stored without one is
   * never taken for another input's. Read back in the result's own statement: `checkpoint ->> 'inputDigest'`.
   */
  async recordInputDigest(tenantId: string, stream: string, inputDigest: string | undefined): Promise<void> {
    if (inputDigest === undefined) await this.clear(tenantId, stream);
    else await this.save(tenantId, stream, inputDigestCheckpoint, { inputDigest });
  }

  async clear(tenantId: string, stream: string): Promise<void> {
    await this.db
      .deleteFrom('sync_checkpoints')
      .where('tenant_id', '=', tenantId)
      .where('stream', '=', stream)
      .execute();
  }
}
