import { z } from 'zod';

/**
 * What the operator decided for a partner from the operator home (SPEC §2.5 levers, §4.5): re-engage it, or archive
 * it. Written to the partner company as `pl_roster_action`; empty when no action stands.
 */
export const ROSTER_ACTIONS = ['reengage', 'archive'] as const;
export const rosterActionSchema = z.enum(ROSTER_ACTIONS);
export type RosterAction = z.infer<typeof rosterActionSchema>;

/** The CRM value of `pl_roster_action` for a decision (HubSpot clears a property with the empty string). */
export function rosterActionValue(action: RosterAction | null): string {
  return action ?? '';
}

/** A `pl_roster_action` value read from the CRM: one of ours, or none (empty, unknown or missing). */
export function rosterActionOf(value: string | null | undefined): RosterAction | null {
  const parsed = rosterActionSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}
