import { type AddAlertAction, Flex, hubspot, Text } from '@hubspot/ui-extensions';
import { useMemo } from 'react';
import type { CardFetcher } from '../cards/card-client.ts';
import { apiBaseFrom } from '../cards/card-config.ts';
import { ProgrammeConnections } from './components/ProgrammeConnections.tsx';
import { type FieldLabel, SettingsForm } from './components/SettingsForm.tsx';
import { createSettingsClient } from './settings-client.ts';

export interface PartnerLoopSettingsProps {
  /** Only the profile variables are read (`SERVICE_ORIGIN`, where the service is). */
  context: { variables?: Readonly<Record<string, string | number | bigint | boolean>> | undefined };
  actions: { addAlert: AddAlertAction };
  /** Defaults to `hubspot.fetch`; tests pass their own. */
  fetcher?: CardFetcher;
  apiBase?: string;
}

const hubspotFetcher: CardFetcher = (url, options) => hubspot.fetch(url, options);

export const ATTRIBUTION_LABELS: Record<string, FieldLabel> = {
  involvement: { label: 'What makes a deal partner-involved' },
  stageOrder: { label: 'Stage order per pipeline' },
  defaultPipeline: { label: 'Default pipeline' },
  segments: { label: 'Segments (amount bands)', description: 'Also what partner-match rules name.' },
  requirements: { label: 'What a partner-involved deal must carry, from which stage' },
  autoTag: { label: 'Automatic tagging' },
  freezeAfterClose: { label: 'Freeze attribution after close (changes only by admin override)' },
  requireLossReason: { label: 'Require a loss reason on closed-lost deals' },
  newBusinessDealTypes: { label: 'Deal types that count as new business' },
  countUntypedAsNewBusiness: { label: 'Count deals without a type as new business' },
  inferIntentFromDealName: { label: 'Flag renewals named as new business' },
};

export const SCORING_LABELS: Record<string, FieldLabel> = {
  weights: { label: 'Score weights' },
  tiers: { label: 'Tier thresholds' },
  activity: { label: 'Activity, dormancy and decay' },
  shrinkage: { label: 'Small-sample correction' },
  fit: { label: 'Deal fit' },
  matchRules: {
    label: 'Partner-match rules (next-best partner)',
    description:
      'Prefer or exclude partners per segment or region, and weight amount, region and product. Preview what changes on open deals from the operator home.',
  },
  excludedDealTypes: { label: 'Deal types ignored by partner metrics' },
  referencePercentile: { label: 'Reference percentile' },
};

export const DEDUPE_LABELS: Record<string, FieldLabel> = {
  matchThreshold: { label: 'Duplicate threshold', description: 'Pairs scoring at least this (0–1) are duplicates.' },
  clusterLinkThreshold: { label: 'Cluster link threshold (0–1)' },
  maxClusterSize: { label: 'Largest duplicate cluster' },
  maxCloseDateGapDays: { label: 'Largest close-date gap (days)' },
  renewalGapDays: { label: 'Renewal gap (days)' },
  expansionGapDays: { label: 'Expansion gap (days)' },
  maxCreatedGapDays: { label: 'Largest created-date gap (days)' },
  merge: { label: 'Automatic merge (opt-in)' },
};

/** The dedupe settings' numbers the service fills in itself when left out (sync/dedupe `dedupeSettingsSchema`). */
export const DEDUPE_OPTIONAL_NUMBERS = [
  'matchThreshold',
  'clusterLinkThreshold',
  'maxClusterSize',
  'maxCloseDateGapDays',
  'renewalGapDays',
  'expansionGapDays',
  'maxCreatedGapDays',
] as const;

/**
 * The app's Settings page (2026.03 `settings` component, SPEC §2.6): attribution rules, scoring config with the
 * partner-match rules, dedupe settings and programme connections. Everyone can read; saving is for super admins,
 * which the service checks on every PUT.
 */
export function PartnerLoopSettings({
  context,
  actions,
  fetcher = hubspotFetcher,
  apiBase = apiBaseFrom(context.variables),
}: PartnerLoopSettingsProps) {
  const client = useMemo(() => createSettingsClient({ fetcher, apiBase }), [fetcher, apiBase]);
  const common = { client, addAlert: actions.addAlert };
  return (
    <Flex direction="column" gap="md" testId="partnerloop-settings">
      <Text variant="microcopy">
        Anyone in this account can read these settings; only a HubSpot super admin can save them. Every change is
        audit-logged.
      </Text>
      <SettingsForm
        {...common}
        document="attributionRules"
        title="Attribution rules"
        intro="When a deal counts as partner-involved, and what it must carry from which stage on."
        labels={ATTRIBUTION_LABELS}
        testId="settings-attribution"
      />
      <SettingsForm
        {...common}
        document="scoringConfig"
        title="Scoring config"
        intro="How partners are scored and tiered, when they count as dormant, and how next-best partners are matched. Saving re-scores the portal."
        labels={SCORING_LABELS}
        testId="settings-scoring"
      />
      <SettingsForm
        {...common}
        document="dedupeSettings"
        title="Dedupe settings"
        intro="When two deals are flagged as duplicates, and whether confirmed duplicates are merged."
        labels={DEDUPE_LABELS}
        optionalNumbers={DEDUPE_OPTIONAL_NUMBERS}
        testId="settings-dedupe"
      />
      <ProgrammeConnections client={client} testId="settings-programmes" />
    </Flex>
  );
}
