// What the operator reads for each value of the operator home. Pure and deterministic (UTC), so tests assert on text.

import { formatTier } from '../cards/card-format.ts';
import type { CloudMismatchKind, HomeLoop, LoopStamp, ReconciliationKind, RosterActionValue } from './operator-api.ts';

export const LOOP_LABELS: Record<HomeLoop, string> = {
  daily: 'Daily queue',
  weekly: 'Weekly reconciliation',
  monthly: 'Monthly activation',
  quarterly: 'Quarterly lift',
};

export const QUEUE_REASONS: Record<string, string> = {
  draft_not_requested: 'Draft not sent to the partner',
  awaiting_partner_answer: 'Waiting for the partner to answer',
  awaiting_activation: 'Accepted, not started',
  active_aging: 'Active and aging',
};

export const RECONCILIATION_KINDS: Record<ReconciliationKind, string> = {
  attribution_exception: 'Attribution exception',
  cosell_role_without_motion: 'Co-sell partner, no motion',
  motion_without_cosell_partner: 'Motion, no co-sell partner',
};

export const CLOUD_MISMATCH_LABELS: Record<CloudMismatchKind, string> = {
  cloud_only: 'In the cloud, not the CRM',
  crm_only: 'Co-sell in the CRM, not the cloud',
  stage_drift: 'Stage differs',
  closed_one_side: 'Closed on one side only',
  close_date_drift: 'Close date differs',
  amount_drift: 'Amount differs',
};

export const PROGRAMME_LABELS: Record<string, string> = {
  aws_ace: 'AWS ACE',
  microsoft_referrals: 'Microsoft referrals',
};

export const ROSTER_ACTION_LABELS: Record<RosterActionValue, string> = {
  reengage: 'Re-engage',
  archive: 'Archive',
};

export const ATTRIBUTION_EXCEPTION_LABELS: Record<string, string> = {
  missing_partner: 'Partner missing',
  missing_role: 'Partner role missing',
  invalid_split: 'Splits do not add up',
  conflict: 'Conflicting partners',
};

/** `pl_cosell_status` (e.g. `requested_aging`) in words. */
export function cosellStatusLabel(status: string): string {
  const aging = status.endsWith('_aging');
  const state = aging ? status.slice(0, -'_aging'.length) : status;
  const words = state.replace(/_/g, ' ');
  return `${words.charAt(0).toUpperCase()}${words.slice(1)}${aging ? ' (aging)' : ''}`;
}

/** A 0–1 rate as a percentage with one decimal; `—` without a value. */
export function formatRate(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(1)}%`;
}

/** A difference of rates (0.07) as signed percentage points (`+7.0 pts`). */
export function formatPoints(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const points = value * 100;
  const sign = points > 0 ? '+' : points < 0 ? '−' : '±';
  return `${sign}${Math.abs(points).toFixed(1)} pts`;
}

/** A 95 % interval as points: `[+1.2, +9.8] pts`. */
export function formatInterval(low: number | null, high: number | null): string {
  if (low === null || high === null) return '—';
  const one = (value: number) => {
    const points = value * 100;
    return `${points > 0 ? '+' : points < 0 ? '−' : ''}${Math.abs(points).toFixed(1)}`;
  };
  return `[${one(low)}, ${one(high)}] pts`;
}

/** A rate as chart points (percent, one decimal), or undefined when there is none. */
export function percentValue(rate: number | null | undefined): number | undefined {
  return rate === null || rate === undefined ? undefined : Math.round(rate * 1000) / 10;
}

export function formatCount(value: number): string {
  return new Intl.NumberFormat('en-US').format(value);
}

/** `1 motion waiting`, `12 motions waiting`. */
export function countOf(value: number, one: string, many: string): string {
  return `${formatCount(value)} ${value === 1 ? one : many}`;
}

export function formatMoney(amount: number): string {
  return new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 }).format(amount);
}

/** Where a section's numbers come from: `2026-W48 · version 2 · computed 2026-12-01 07:00 UTC`. */
export function stampLine(stamp: LoopStamp): string {
  const computed = `${stamp.computedAt.slice(0, 16).replace('T', ' ')} UTC`;
  const version = stamp.version > 1 ? ` · version ${stamp.version} (${stamp.reason})` : '';
  return `${periodLabel(stamp)}${version} · computed ${computed}`;
}

/** A loop period in words: the daily key is the day; periods read as their key and range. */
export function periodLabel(stamp: Pick<LoopStamp, 'loop' | 'periodKey' | 'period'>): string {
  if (stamp.loop === 'daily') return stamp.periodKey;
  return `${stamp.periodKey} (${stamp.period.start} to ${lastDay(stamp.period.end)})`;
}

function lastDay(endExclusive: string): string {
  const end = Date.parse(`${endExclusive}T00:00:00Z`);
  return Number.isNaN(end) ? endExclusive : new Date(end - 86_400_000).toISOString().slice(0, 10);
}

/** `2026-12-07 06:00 UTC (in 3 days)` for "the first results arrive …". */
export function whenLabel(iso: string, now: Date): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const hours = Math.max(0, Math.round((at.getTime() - now.getTime()) / 3_600_000));
  const relative = hours < 1 ? 'within the hour' : hours < 48 ? `in ${hours} h` : `in ${Math.round(hours / 24)} days`;
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC (${relative})`;
}

export { formatTier };
