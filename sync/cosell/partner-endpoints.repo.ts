import type { Kysely } from 'kysely';
import type { PartnerWebhookEndpoint } from '../../src/cosell/motion-targets.ts';
import { InvalidInputError } from '../../src/shared/errors.ts';
import { AuditLogRepository } from '../platform/store/audit-log.repo.ts';
import type { StoreSchema } from '../platform/store/schema.ts';
import type { TokenCipher } from '../platform/store/token-cipher.ts';
import { PARTNER_SECRET_MIN_CHARS, type PartnerEndpointRequest } from './cosell-requests.ts';

/** An endpoint as settings show it: never the secret. */
export interface PartnerEndpointView {
  partnerId: string;
  url: string;
  enabled: boolean;
  updatedAt: Date;
}

/**
 * Partner webhook endpoints per tenant. The secret is sealed with the TokenCipher (AES-256-GCM, tenant id as AAD), so
 * a ciphertext copied onto another tenant's row does not decrypt; it is read back only to sign deliveries.
 */
export class PartnerEndpointsRepository {
  constructor(
    private readonly db: Kysely<StoreSchema>,
    private readonly cipher: TokenCipher,
  ) {}

  /**
   * Sets a partner's endpoint from a validated request (`partnerEndpointRequest`). A new endpoint needs a secret: that
   * depends on what is stored, so it is checked here, under the row lock.
   */
  async set(
    tenantId: string,
    partnerId: string,
    input: PartnerEndpointRequest,
    actor: string,
  ): Promise<PartnerEndpointView> {
    return this.db.transaction().execute(async (trx) => {
      const before = await trx
        .selectFrom('partner_webhook_endpoints')
        .select(['url', 'enabled'])
        .where('tenant_id', '=', tenantId)
        .where('partner_id', '=', partnerId)
        .forUpdate()
        .executeTakeFirst();
      if (!before && input.secret === undefined) {
        throw new InvalidInputError('A new partner webhook needs a signing secret.', {
          details: [`secret: required, at least ${PARTNER_SECRET_MIN_CHARS} characters`],
        });
      }
      const now = new Date();
      const sealed = input.secret === undefined ? undefined : this.cipher.encrypt(input.secret, tenantId);
      const row = await trx
        .insertInto('partner_webhook_endpoints')
        .values({
          tenant_id: tenantId,
          partner_id: partnerId,
          url: input.url,
          secret: sealed ?? '',
          enabled: input.enabled,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'partner_id']).doUpdateSet({
            url: input.url,
            enabled: input.enabled,
            updated_at: now,
            ...(sealed === undefined ? {} : { secret: sealed }),
          }),
        )
        .returning(['partner_id', 'url', 'enabled', 'updated_at'])
        .executeTakeFirstOrThrow();
      await new AuditLogRepository(trx).append(
        {
          tenantId,
          actor,
          action: 'cosell.partner_endpoint.set',
          subjectType: 'partner',
          subjectId: partnerId,
          before: before ?? null,
          after: { url: row.url, enabled: row.enabled, secretChanged: sealed !== undefined },
        },
        trx,
      );
      return { partnerId: row.partner_id, url: row.url, enabled: row.enabled, updatedAt: row.updated_at };
    });
  }

  /** The endpoint with its secret decrypted (for signing), if configured. */
  async get(tenantId: string, partnerId: string): Promise<PartnerWebhookEndpoint | undefined> {
    const row = await this.db
      .selectFrom('partner_webhook_endpoints')
      .select(['partner_id', 'url', 'secret', 'enabled'])
      .where('tenant_id', '=', tenantId)
      .where('partner_id', '=', partnerId)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      partnerId: row.partner_id,
      url: row.url,
      secret: this.cipher.decrypt(row.secret, tenantId),
      enabled: row.enabled,
    };
  }

  async list(tenantId: string): Promise<PartnerEndpointView[]> {
    const rows = await this.db
      .selectFrom('partner_webhook_endpoints')
      .select(['partner_id', 'url', 'enabled', 'updated_at'])
      .where('tenant_id', '=', tenantId)
      .orderBy('partner_id')
      .execute();
    return rows.map((row) => ({
      partnerId: row.partner_id,
      url: row.url,
      enabled: row.enabled,
      updatedAt: row.updated_at,
    }));
  }
}
