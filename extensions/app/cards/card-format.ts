// What the seller reads for each contract value. Pure and deterministic (UTC dates), so tests can assert on text.

import type { AttributionStatus, DedupeStatus, MotionState, PartnerRole } from './card-api.ts';

export const ROLE_LABELS: Record<PartnerRole, string> = {
  sourced: 'Sourced',
  influenced: 'Influenced',
  cosell: 'Co-sell',
  reseller: 'Reseller',
  referral: 'Referral',
};

type StatusVariant = 'danger' | 'warning' | 'info' | 'success' | 'default';

export const ATTRIBUTION_STATUS: Record<AttributionStatus, { label: string; variant: StatusVariant }> = {
  complete: { label: 'Attribution complete', variant: 'success' },
  missing_partner: { label: 'Partner missing', variant: 'danger' },
  missing_role: { label: 'Partner role missing', variant: 'danger' },
  invalid_split: { label: 'Splits do not add up', variant: 'warning' },
  conflict: { label: 'Conflicting partners', variant: 'warning' },
  not_partner_involved: { label: 'Not partner-involved', variant: 'default' },
};

export const DEDUPE_STATUS: Record<DedupeStatus, { label: string; variant: StatusVariant }> = {
  unique: { label: 'No duplicates', variant: 'success' },
  suspected: { label: 'Possible duplicate', variant: 'warning' },
  confirmed: { label: 'Confirmed duplicate', variant: 'danger' },
  not_duplicate: { label: 'Marked not a duplicate', variant: 'default' },
};

export const MOTION_STATE: Record<MotionState, { label: string; variant: StatusVariant }> = {
  draft: { label: 'Draft', variant: 'default' },
  requested: { label: 'Requested', variant: 'info' },
  accepted: { label: 'Accepted', variant: 'info' },
  rejected: { label: 'Rejected', variant: 'danger' },
  active: { label: 'Active', variant: 'info' },
  won: { label: 'Won', variant: 'success' },
  lost: { label: 'Lost', variant: 'danger' },
  withdrawn: { label: 'Withdrawn', variant: 'default' },
};

/** The verb on the button that moves a motion into a state. */
export const TRANSITION_ACTIONS: Record<MotionState, { label: string; destructive: boolean }> = {
  draft: { label: 'Back to draft', destructive: false },
  requested: { label: 'Send request', destructive: false },
  accepted: { label: 'Accept', destructive: false },
  rejected: { label: 'Reject', destructive: true },
  active: { label: 'Mark active', destructive: false },
  won: { label: 'Mark won', destructive: false },
  lost: { label: 'Mark lost', destructive: true },
  withdrawn: { label: 'Withdraw', destructive: true },
};

export function formatSplit(splitPct: number | null): string {
  return splitPct === null ? '—' : `${formatNumber(splitPct)}%`;
}

export function formatScore(score: number | null): string {
  return score === null ? '—' : formatNumber(Math.round(score));
}

export function formatTier(tier: string | null): string {
  if (tier === null || tier === '') return '—';
  const words = tier.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A 0–1 confidence as a whole percentage. */
export function formatConfidence(confidence: number): string {
  return `${Math.round(Math.min(Math.max(confidence, 0), 1) * 100)}%`;
}

export function formatAmount(amount: number | null, currency: string | null): string {
  if (amount === null) return 'No amount';
  if (currency) {
    try {
      return new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 0 }).format(amount);
    } catch {
      // An unknown currency code: fall through to the plain number.
    }
  }
  return formatNumber(amount);
}

/** ISO timestamp → `YYYY-MM-DD HH:mm UTC`; unparseable input is shown as sent. */
export function formatTimestamp(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** ISO timestamp → `YYYY-MM-DD` (UTC). */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(0, 10);
}

function formatNumber(value: number): string {
  return new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 }).format(value);
}
