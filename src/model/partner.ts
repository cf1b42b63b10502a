import { z } from 'zod';
import { idSchema, isoDateTimeSchema } from './deal.ts';

export const PARTNER_TYPES = ['named', 'self_serve'] as const;
export const partnerTypeSchema = z.enum(PARTNER_TYPES);
export type PartnerType = z.infer<typeof partnerTypeSchema>;

/** `pl_partner_tier` values (SPEC §2.3, §4.5), best first; the scorer decides which applies (`src/scoring`). */
export const PARTNER_TIERS = ['strategic', 'core', 'emerging', 'long_tail', 'dormant'] as const;
export type PartnerTier = (typeof PARTNER_TIERS)[number];

/** Partner of the interchange schema (SPEC §4.4). */
export const partnerSchema = z.object({
  id: idSchema,
  name: z.string().trim().min(1),
  type: partnerTypeSchema,
  registeredAt: isoDateTimeSchema,
  region: z
    .string()
    .nullish()
    .transform((v) => (v ? v : null)),
});
export type Partner = z.infer<typeof partnerSchema>;
export type PartnerInput = z.input<typeof partnerSchema>;
