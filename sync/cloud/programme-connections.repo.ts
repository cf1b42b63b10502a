import type { Kysely } from 'kysely';
import { z } from 'zod';
import { AWS_CATALOGS } from '../../src/cosell/targets/aws-ace/aws-opportunity.ts';
import { NotFoundError } from '../../src/shared/errors.ts';
import { AuditLogRepository } from '../platform/store/audit-log.repo.ts';
import type { ProgrammeConnectionsTable, StoreSchema } from '../platform/store/schema.ts';
import type { TokenCipher } from '../platform/store/token-cipher.ts';

export type ProgrammeKind = ProgrammeConnectionsTable['programme'];

/** An IAM role ARN (`arn:aws:iam::123456789012:role/Name`, also in partitions such as aws-cn / aws-us-gov). */
const roleArnSchema = z
  .string()
  .trim()
  .regex(
    /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]{1,128}$/,
    'an IAM role ARN such as arn:aws:iam::123456789012:role/PartnerLoop',
  );

/**
 * What an admin sends to connect AWS Partner Central: an IAM role in the customer's own account that PartnerLoop
 * assumes with the tenant's external id (production), or an access key pair (the stand-in, a test account). Exactly
 * one of the two.
 */
export const awsConnectionInputSchema = z
  .strictObject({
    catalog: z.enum(AWS_CATALOGS).default('Sandbox'),
    region: z
      .string()
      .trim()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as us-east-1')
      .default('us-east-1'),
    roleArn: roleArnSchema.optional(),
    accessKeyId: z.string().trim().min(16).max(128).optional(),
    secretAccessKey: z.string().min(16).max(128).optional(),
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
  })
  .superRefine((input, ctx) => {
    const keys = input.accessKeyId !== undefined || input.secretAccessKey !== undefined;
    if (input.roleArn !== undefined && keys) {
      ctx.addIssue({
        code: 'custom',
        path: ['roleArn'],
        message: 'give either roleArn or an access key pair, not both',
      });
    } else if (
      input.roleArn === undefined &&
      (input.accessKeyId === undefined || input.secretAccessKey === undefined)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: input.accessKeyId === undefined && input.secretAccessKey === undefined ? ['roleArn'] : keysMissing(input),
        message:
          input.accessKeyId === undefined && input.secretAccessKey === undefined
            ? 'give roleArn (an IAM role PartnerLoop assumes with your external id) or accessKeyId and secretAccessKey'
            : 'accessKeyId and secretAccessKey go together',
      });
    }
  });
export type AwsConnectionInput = z.output<typeof awsConnectionInputSchema>;

function keysMissing(input: { accessKeyId?: string | undefined }): string[] {
  return [input.accessKeyId === undefined ? 'accessKeyId' : 'secretAccessKey'];
}

/** Sealed as one JSON document; rows written before roles existed hold a bare key pair. */
const awsCredentialsSchema = z.union([
  z.strictObject({ kind: z.literal('role'), roleArn: z.string(), externalId: z.string() }),
  z
    .strictObject({ kind: z.literal('keys').optional(), accessKeyId: z.string(), secretAccessKey: z.string() })
    .transform((keys) => ({ ...keys, kind: 'keys' as const })),
]);
export type AwsCredentials = z.output<typeof awsCredentialsSchema>;
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
  credentials: AwsCredentials;
  checkpoint: Date | null;
}

/** What an admin chooses when connecting Microsoft (the sign-in itself happens in their browser). */
export const microsoftConnectionInputSchema = z.strictObject({
  /** The partner's Entra tenant (directory) id or domain, where PartnerLoop's app signs in. */
  entraTenantId: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9.-]{3,100}$/, 'an Entra tenant id (GUID) or domain such as contoso.onmicrosoft.com'),
  countryCode: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{2}$/, 'a two-letter country code')
    .transform((value) => value.toUpperCase())
    .optional(),
  currency: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{3}$/, 'a three-letter currency code')
    .transform((value) => value.toUpperCase())
    .optional(),
  solutionId: z.string().trim().min(1).max(100).optional(),
  consent: z.strictObject({ shareInfoWithOthers: z.boolean(), contact: z.boolean() }).optional(),
});
export type MicrosoftConnectionInput = z.output<typeof microsoftConnectionInputSchema>;

const microsoftSettingsSchema = z.object({
  entraTenantId: z.string(),
  countryCode: z.string().nullable().default(null),
  currency: z.string().nullable().default(null),
  solutionId: z.string().nullable().default(null),
  consent: z.object({ shareInfoWithOthers: z.boolean(), contact: z.boolean() }).default({
    shareInfoWithOthers: false,
    contact: true,
  }),
  /** Only in sandbox mode: the stand-in's referrals base URL. */
  baseUrl: z.string().nullable().default(null),
});
export type MicrosoftConnectionSettings = z.output<typeof microsoftSettingsSchema>;

/** MSAL's auth options as sealed for a stand-in connection (production takes PartnerLoop's app from the env). */
const standInAuthSchema = z.strictObject({
  clientId: z.string(),
  clientSecret: z.string(),
  authority: z.string(),
  knownAuthorities: z.array(z.string()).optional(),
  authorityMetadata: z.string().optional(),
  cloudDiscoveryMetadata: z.string().optional(),
});
export type MicrosoftStandInAuth = z.output<typeof standInAuthSchema>;

/** Sealed: MSAL's serialized token cache (it holds the refresh token), the signed-in account, a stand-in's auth. */
const microsoftCredentialsSchema = z.strictObject({
  kind: z.literal('msal'),
  cache: z.string().nullable(),
  homeAccountId: z.string().nullable(),
  username: z.string().nullable(),
  standInAuth: standInAuthSchema.nullable().default(null),
});
export type MicrosoftCredentials = z.output<typeof microsoftCredentialsSchema>;

export interface MicrosoftConnection {
  tenantId: string;
  settings: MicrosoftConnectionSettings;
  credentials: MicrosoftCredentials;
  checkpoint: Date | null;
}

/** A connection as settings show it: never a secret. */
export interface ProgrammeConnectionView {
  programme: ProgrammeKind;
  connected: true;
  settings: Record<string, unknown>;
  /** The role ARN, or the access key id masked to its last four characters. */
  credential: string;
  /** With a role: the external id its trust policy requires. */
  externalId?: string;
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

  /** The connection an admin's input describes, before anything is stored (so it can be tried first). */
  awsCandidate(tenantId: string, input: AwsConnectionInput, options: { allowEndpoint: boolean }): AwsConnection {
    const settings: AwsConnectionSettings = awsSettingsSchema.parse({
      catalog: input.catalog,
      region: input.region,
      endpoint: options.allowEndpoint ? (input.endpoint ?? null) : null,
      countryCode: input.countryCode ?? null,
      industry: input.industry ?? null,
      customerUseCase: input.customerUseCase ?? null,
      ...(input.deliveryModels ? { deliveryModels: input.deliveryModels } : {}),
    });
    const credentials: AwsCredentials =
      input.roleArn !== undefined
        ? { kind: 'role', roleArn: input.roleArn, externalId: this.awsExternalId(tenantId) }
        : { kind: 'keys', accessKeyId: input.accessKeyId as string, secretAccessKey: input.secretAccessKey as string };
    return { tenantId, settings, credentials, checkpoint: null };
  }

  async setAws(tenantId: string, connection: AwsConnection, actor: string): Promise<ProgrammeConnectionView> {
    const { settings, credentials } = connection;
    await this.#store(tenantId, 'aws_ace', { settings, credentials }, actor, {
      ...settings,
      credential: credentialLabel(credentials),
    });
    return this.view(tenantId, 'aws_ace');
  }

  /** Stores (or replaces) a connection, sealed, with its audit entry, in one transaction; the poll starts afresh. */
  async #store(
    tenantId: string,
    programme: ProgrammeKind,
    connection: { settings: unknown; credentials: unknown },
    actor: string,
    audited: Record<string, unknown>,
  ): Promise<void> {
    const values = {
      credentials: this.cipher.encryptJson(connection.credentials, tenantId),
      settings: JSON.stringify(connection.settings),
    };
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('programme_connections')
        .values({ tenant_id: tenantId, programme, ...values })
        .onConflict((oc) =>
          oc
            .columns(['tenant_id', 'programme'])
            .doUpdateSet({ ...values, checkpoint: null, last_error: null, updated_at: new Date() }),
        )
        .execute();
      await this.#audit.append(
        {
          tenantId,
          actor,
          action: 'programme.connect',
          subjectType: 'programme',
          subjectId: programme,
          after: audited,
        },
        trx,
      );
    });
  }

  /**
   * The external id this tenant's IAM role must require in its trust policy (the confused-deputy guard): stable per
   * tenant, different for every tenant, shown before connecting so the customer can write the policy first.
   */
  awsExternalId(tenantId: string): string {
    return `partnerloop-${this.cipher.derive('aws-external-id', tenantId).slice(0, 32)}`;
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

  /** The settings an admin chose, as stored with a Microsoft connection (sandbox: the stand-in's URL too). */
  microsoftSettings(input: MicrosoftConnectionInput, sandbox: { baseUrl: string } | null): MicrosoftConnectionSettings {
    return microsoftSettingsSchema.parse({
      entraTenantId: input.entraTenantId,
      countryCode: input.countryCode ?? null,
      currency: input.currency ?? null,
      solutionId: input.solutionId ?? null,
      ...(input.consent ? { consent: input.consent } : {}),
      baseUrl: sandbox?.baseUrl ?? null,
    });
  }

  /**
   * Stores (or replaces) the Microsoft connection after a sign-in: the token cache MSAL just wrote, sealed. Audited.
   */
  async setMicrosoft(
    tenantId: string,
    connection: { settings: MicrosoftConnectionSettings; credentials: MicrosoftCredentials },
    actor: string,
  ): Promise<ProgrammeConnectionView> {
    await this.#store(tenantId, 'microsoft_referrals', connection, actor, {
      ...connection.settings,
      signedInAs: connection.credentials.username,
    });
    return this.view(tenantId, 'microsoft_referrals');
  }

  /**
   * MSAL's cache after a token refresh (a rotated refresh token): sealed and stored before the new token is used, so a
   * crash right after cannot leave us holding only the old, now spent, refresh token.
   */
  async saveMicrosoftCache(tenantId: string, cache: string): Promise<void> {
    const row = await this.#row(tenantId, 'microsoft_referrals');
    if (!row) return;
    const current = microsoftCredentialsSchema.parse(this.cipher.decryptJson(row.credentials, tenantId));
    await this.db
      .updateTable('programme_connections')
      .set({ credentials: this.cipher.encryptJson({ ...current, cache }, tenantId), updated_at: new Date() })
      .where('tenant_id', '=', tenantId)
      .where('programme', '=', 'microsoft_referrals')
      .execute();
  }

  async microsoft(tenantId: string): Promise<MicrosoftConnection | undefined> {
    const row = await this.#row(tenantId, 'microsoft_referrals');
    if (!row) return undefined;
    return {
      tenantId,
      settings: microsoftSettingsSchema.parse(row.settings),
      credentials: microsoftCredentialsSchema.parse(this.cipher.decryptJson(row.credentials, tenantId)),
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
    const sealed = this.cipher.decryptJson(row.credentials, tenantId);
    const aws = programme === 'aws_ace' ? awsCredentialsSchema.safeParse(sealed) : undefined;
    const microsoft = programme === 'microsoft_referrals' ? microsoftCredentialsSchema.safeParse(sealed) : undefined;
    const credential = aws?.success
      ? credentialLabel(aws.data)
      : microsoft?.success
        ? `signed in as ${microsoft.data.username ?? 'the integration user'}`
        : '****';
    return {
      programme,
      connected: true,
      settings: row.settings,
      credential,
      ...(aws?.success && aws.data.kind === 'role' ? { externalId: aws.data.externalId } : {}),
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

/** How a credential is shown: the role's ARN (not a secret), or the access key masked to its last four characters. */
function credentialLabel(credentials: AwsCredentials): string {
  return credentials.kind === 'role' ? credentials.roleArn : mask(credentials.accessKeyId);
}

function mask(value: string): string {
  return value.length <= 4 ? '****' : `****${value.slice(-4)}`;
}
