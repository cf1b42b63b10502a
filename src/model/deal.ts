import { z } from 'zod';

export const PARTNER_ROLES = ['sourced', 'influenced', 'cosell', 'reseller', 'referral'] as const;
export const partnerRoleSchema = z.enum(PARTNER_ROLES);
export type PartnerRole = z.infer<typeof partnerRoleSchema>;

export const DEAL_TYPES = ['new_business', 'expansion', 'renewal', 'churn'] as const;
export const dealTypeSchema = z.enum(DEAL_TYPES);
export type DealType = z.infer<typeof dealTypeSchema>;

/** Ids arrive as strings or numbers (CRM exports); the model keeps strings. */
export const idSchema = z.union([z.string().trim().min(1), z.number().int().nonnegative()]).transform(String);

export const isoDateSchema = z.iso.date({ message: 'expected a date YYYY-MM-DD' });
export const isoDateTimeSchema = z.union([z.iso.datetime({ offset: true }), z.iso.date()], {
  message: 'expected an ISO-8601 date-time',
});

const optionalText = z
  .string()
  .nullish()
  .transform((v) => (v === undefined || v === '' ? null : v));

export const dealPartnerSchema = z.object({
  partnerId: idSchema,
  role: partnerRoleSchema,
  splitPct: z
    .number()
    .min(0)
    .max(100)
    .nullish()
    .transform((v) => v ?? null),
});
export type DealPartner = z.infer<typeof dealPartnerSchema>;

export const accountSchema = z.object({
  id: idSchema,
  name: z.string().trim().min(1),
  domain: optionalText,
});

/**
 * Deal of the interchange schema (SPEC §4.4). Required: id, name, account, createdAt, stage, isClosed, isWon; the
 * nullable fields may be omitted and default to null / empty. Unknown fields are dropped.
 */
export const dealSchema = z.object({
  id: idSchema,
  name: z.string().trim().min(1),
  account: accountSchema,
  amount: z
    .number()
    .finite()
    .nullish()
    .transform((v) => v ?? null),
  currency: z
    .string()
    .trim()
    .length(3)
    .nullish()
    .transform((v) => (v ? v.toUpperCase() : null)),
  closeDate: isoDateSchema.nullish().transform((v) => v ?? null),
  createdAt: isoDateTimeSchema,
  stage: z.string().trim().min(1),
  isClosed: z.boolean(),
  isWon: z.boolean(),
  type: dealTypeSchema.nullish().transform((v) => v ?? null),
  ownerId: idSchema.nullish().transform((v) => v ?? null),
  region: optionalText,
  leadSource: optionalText,
  products: z
    .array(z.string().trim().min(1))
    .nullish()
    .transform((v) => v ?? []),
  partners: z
    .array(dealPartnerSchema)
    .nullish()
    .transform((v) => v ?? []),
  lossReason: optionalText,
});
export type Deal = z.infer<typeof dealSchema>;
export type DealInput = z.input<typeof dealSchema>;
