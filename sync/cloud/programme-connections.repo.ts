import type { Kysely } from 'kysely';
import { z } from 'zod';
import { AWS_CATALOGS } from '../../src/cosell/targets/aws-ace/aws-opportunity.ts';
import { NotFoundError } from '../../src/shared/errors.ts';
import { AuditLogRepository } from '../platform/store/audit-log.repo.ts';
import type { ProgrammeConnectionsTable, StoreSchema } from '../platform/store/schema.ts';
import type { TokenCipher } from '../platform/store/token-cipher.ts';

export type ProgrammeKind = ProgrammeConnectionsTable['programme'];

/**
 * What an admin sends to connect AWS Partner Central. Keys are what the stand-in and a test account use; a
 * production tenant gives an IAM role in its own account (with the external id PartnerLoop shows it) — see the README.
 */
export const awsConnectionInputSchema = z.strictObject({
  catalog: z.enum(AWS_CATALOGS).default('Sandbox'),
  region: z
    .string()
    .trim()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as us-east-1')
    .default('us-east-1'),
  accessKeyId: z.string().trim().min(16).max(128),
  secretAccessKey: z.string().min(16).max(128),
  /** Only honoured in sandbox mode (the stand-in's loopback URL); production always uses AWS's endpoint. */
  endpoint: z.url().optional(),
  countryCode: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{2}$/, 'a two-letter country code')
    .transform((value) => value.toUpperCase())
    .optional(),
  industry: z.string().trim().min(1).max(100).optional(),
  customerUseCase: z.string().trim().min(1).max(100).optional(),
  deliveryModels: z.array(z.string().trim().min(1).max(50)).max(6).optional(),
});
export type AwsConnectionInput = z.output<typeof awsConnectionInputSchema>;

const awsCredentialsSchema = z.strictObject({ accessKeyId: z.string(), secretAccessKey: z.string() });
const awsSettingsSchema = z.object({
  catalog: z.enum(AWS_CATALOGS),
  region: z.string(),
  endpoint: z.string().nullable().default(null),
  countryCode: z.string().nullable().default(null),
  industry: z.string().nullable().default(null),
  customerUseCase: z.string().nullable().default(null),
  deliveryModels: z.array(z.string()).default(['SaaS or PaaS']),
});
export type AwsConnectionSettings = z.output<typeof awsSettingsSchema>;

export interface AwsConnection {
  tenantId: string;
  settings: AwsConnectionSettings;
  credentials: z.output<typeof awsCredentialsSchema>;
  checkpoint: Date | null;
}

/** A connection as settings show it: never a secret. */
export interface ProgrammeConnectionView {
  programme: ProgrammeKind;
  connected: true;
  settings: Record<string, unknown>;
  /** The access key id, masked to its last four characters. */
  credential: string;
  checkpoint: string | null;
  lastError: string | null;
  connectedAt: string;
}

/**
 * Programme connections per tenant: credentials sealed with the TokenCipher (AES-256-GCM, tenant id as AAD), so a
 * ciphertext moved onto another tenant's row does not decrypt; read back only to call the programme.
 */
export class ProgrammeConnectionsRepository {
  readonly #audit: AuditLogRepository;

  constructor(
    private readonly db: Kysely<StoreSchema>,
    private readonly cipher: TokenCipher,
  ) {
    this.#audit = new AuditLogRepository(db);
  }

  async setAws(
    tenantId: string,
    input: AwsConnectionInput,
    actor: string,
    options: { allowEndpoint: boolean },
  ): Promise<ProgrammeConnectionView> {
    const settings: AwsConnectionSettings = awsSettingsSchema.parse({
      catalog: input.catalog,
      region: input.region,
      endpoint: options.allowEndpoint ? (input.endpoint ?? null) : null,
      countryCode: input.countryCode ?? null,
      industry: input.industry ?? null,
      customerUseCase: input.customerUseCase ?? null,
      ...(input.deliveryModels ? { deliveryModels: input.deliveryModels } : {}),
    });
    const sealed = this.cipher.encrypt(
      JSON.stringify({ accessKeyId: input.accessKeyId, secretAccessKey: input.secretAccessKey }),
      tenantId,
    );
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('programme_connections')
        .values({ tenant_id: tenantId, programme: 'aws_ace', credentials: sealed, settings: JSON.stringify(settings) })
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'programme']).doUpdateSet({
            credentials: sealed,
            settings: JSON.stringify(settings),
            last_error: null,
            updated_at: new Date(),
          }),
        )
        .execute();
      await this.#audit.append(
        {
          tenantId,
          actor,
          action: 'programme.connect',
          subjectType: 'programme',
          subjectId: 'aws_ace',
          after: { ...settings, accessKeyId: mask(input.accessKeyId) },
        },
        trx,
      );
    });
    return this.view(tenantId, 'aws_ace');
  }

  async aws(tenantId: string): Promise<AwsConnection | undefined> {
    const row = await this.#row(tenantId, 'aws_ace');
    if (!row) return undefined;
    return {
      tenantId,
      settings: awsSettingsSchema.parse(row.settings),
      credentials: awsCredentialsSchema.parse(this.cipher.decryptJson(row.credentials, tenantId)),
      checkpoint: row.checkpoint,
    };
  }

  async isConnected(tenantId: string, programme: ProgrammeKind): Promise<boolean> {
    return (await this.#row(tenantId, programme)) !== undefined;
  }

  /** The programmes this tenant connected. */
  async connectedProgrammes(tenantId: string): Promise<ProgrammeKind[]> {
    const rows = await this.db
      .selectFrom('programme_connections')
      .select('programme')
      .where('tenant_id', '=', tenantId)
      .orderBy('programme')
      .execute();
    return rows.map((row) => row.programme);
  }

  /** Tenants connected to `programme`, for the polling job's fan-out. */
  async tenantsOf(programme: ProgrammeKind): Promise<string[]> {
    const rows = await this.db
      .selectFrom('programme_connections')
      .select('tenant_id')
      .where('programme', '=', programme)
      .orderBy('tenant_id')
      .execute();
    return rows.map((row) => row.tenant_id);
  }

  /** Moves the polling checkpoint forward only (a late, slower poll never moves it back). */
  async advanceCheckpoint(tenantId: string, programme: ProgrammeKind, to: Date, lastError: string | null) {
    await this.db
      .updateTable('programme_connections')
      .set((eb) => ({
        checkpoint: eb.fn.coalesce(eb.fn('greatest', [eb.ref('checkpoint'), eb.val(to)]), eb.val(to)) as never,
        last_error: lastError,
        updated_at: new Date(),
      }))
      .where('tenant_id', '=', tenantId)
      .where('programme', '=', programme)
      .execute();
  }

  async recordError(tenantId: string, programme: ProgrammeKind, error: string | null): Promise<void> {
    await this.db
      .updateTable('programme_connections')
      .set({ last_error: error, updated_at: new Date() })
      .where('tenant_id', '=', tenantId)
      .where('programme', '=', programme)
      .execute();
  }

  async view(tenantId: string, programme: ProgrammeKind): Promise<ProgrammeConnectionView> {
    const row = await this.#row(tenantId, programme);
    if (!row) throw new NotFoundError(`${programme === 'aws_ace' ? 'AWS' : 'Microsoft'} is not connected.`);
    const credentials = this.cipher.decryptJson(row.credentials, tenantId) as { accessKeyId?: string };
    return {
      programme,
      connected: true,
      settings: row.settings,
      credential: mask(credentials.accessKeyId ?? ''),
      checkpoint: row.checkpoint?.toISOString() ?? null,
      lastError: row.last_error,
      connectedAt: row.connected_at.toISOString(),
    };
  }

  async #row(tenantId: string, programme: ProgrammeKind) {
    return this.db
      .selectFrom('programme_connections')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('programme', '=', programme)
      .executeTakeFirst();
  }
}

function mask(value: string): string {
  return value.length <= 4 ? '****' : `****${value.slice(-4)}`;
}
