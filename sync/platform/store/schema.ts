import type { ColumnType, Generated } from 'kysely';
import type { MotionState } from '../../../src/cosell/motion-state-machine.ts';
import type { ScoreComponents } from '../../../src/scoring/partner-scoring.ts';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface TenantsTable {
  id: string;
  provider: 'hubspot' | 'salesforce';
  external_id: string;
  status: 'active' | 'disconnected';
  /** AES-256-GCM envelope (see token-cipher.ts); never plaintext. */
  credentials: string | null;
  settings: Json<Record<string, unknown>>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  disconnected_at: Date | null;
  disconnect_reason: string | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  tenant_id: string | null;
  actor: string;
  action: string;
  subject_type: string;
  subject_id: string;
  before: Json<unknown> | null;
  after: Json<unknown> | null;
  reason: string | null;
  created_at: CreatedAt;
}

export interface SyncCheckpointsTable {
  tenant_id: string;
  stream: string;
  checkpoint: Json<unknown>;
  updated_at: UpdatedAt;
}

export interface CadenceRunsTable {
  id: Generated<number>;
  cadence: string;
  period_key: string;
  tenant_id: string | null;
  status: 'running' | 'completed' | 'failed';
  result: Json<unknown> | null;
  started_at: CreatedAt;
  finished_at: Date | null;
}

export interface OAuthStatesTable {
  state: string;
  provider: string;
  created_at: CreatedAt;
  consumed_at: Date | null;
  /** The tenant a sign-in was started for (programme connections); null for an install. */
  tenant_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** Sealed (token-cipher.ts, the state as associated data): what the callback needs, e.g. a PKCE verifier. */
  payload: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface WebhookEventsTable {
  id: Generated<string>;
  tenant_id: string;
  dedupe_key: string;
  event_id: string;
  subscription_type: string;
  object_type: string;
  object_id: string;
  occurred_at: Date | string;
  payload: Json<Record<string, unknown>>;
  received_at: CreatedAt;
  processed_at: Date | null;
}

export interface CrmDealsTable {
  tenant_id: string;
  deal_id: string;
  deal: Json<unknown>;
  properties: Json<Record<string, string | null>>;
  unlabeled_partner_ids: Json<string[]>;
  /** Partner companies associated with the deal's account (migration 0009). */
  account_partner_ids: ColumnType<string[], string | undefined, string>;
  /** Digest of the values last read from the CRM (migration 0010); null after our own write-back changed them. */
  digest: ColumnType<string | null, string | null | undefined, string | null>;
  /**
   * The number of the read that stored the row (sequence `crm_read_starts`, in the order reads began; migration 0018);
   * null: unknown, any read replaces it.
   */
  read_seq: ColumnType<string | null, string | null | undefined, string | null>;
  synced_at: UpdatedAt;
  deleted_at: Date | null;
}

export interface CrmPartnersTable {
  tenant_id: string;
  partner_id: string;
  partner: Json<unknown>;
  properties: Json<Record<string, string | null>>;
  synced_at: UpdatedAt;
  deleted_at: Date | null;
}

/** Moved by triggers on `crm_partners` (migration 0020); read through `roster_version(tenant)`. */
export interface RosterVersionsTable {
  tenant_id: string;
  version: string;
}

export interface RecordAliasesTable {
  tenant_id: string;
  object_type: string;
  old_id: string;
  new_id: string;
  merged_at: CreatedAt;
}

export interface CoSellMotionsTable {
  tenant_id: string;
  id: string;
  deal_id: string;
  partner_id: string | null;
  programme: string | null;
  ask: string;
  owner_id: string;
  sla_due_at: ColumnType<Date, Date | string, Date | string>;
  state: MotionState;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  /** Optimistic concurrency: bumped by every change, which is written only against the version it read. */
  version: number;
}

export interface CoSellMotionEventsTable {
  id: Generated<string>;
  tenant_id: string;
  motion_id: string;
  at: ColumnType<Date, Date | string, never>;
  from_state: MotionState | null;
  to_state: MotionState;
  actor: string;
  note: string | null;
}

export interface PartnerWebhookEndpointsTable {
  tenant_id: string;
  partner_id: string;
  url: string;
  /** AES-256-GCM envelope (token-cipher.ts, tenant id as AAD); never plaintext. */
  secret: string;
  enabled: boolean;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface OutboundDeliveriesTable {
  delivery_id: string;
  tenant_id: string;
  motion_id: string;
  event_id: string;
  target: string;
  payload: Json<unknown>;
  status: 'pending' | 'delivered' | 'failed';
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  delivered_at: Date | null;
}

export interface DealPartnerSplitsTable {
  tenant_id: string;
  deal_id: string;
  partner_id: string;
  role: string;
  split_pct: number;
  updated_by: string;
  updated_at: UpdatedAt;
}

export interface DealAttributionsTable {
  tenant_id: string;
  deal_id: string;
  status: string;
  partner_involved: boolean;
  issues: Json<string[]>;
  partners_at_close: Json<unknown> | null;
  evaluated_at: UpdatedAt;
}

export interface DealDuplicatesTable {
  tenant_id: string;
  deal_id: string;
  survivor_id: string;
  member_ids: Json<string[]>;
  kind: string;
  confidence: number;
  reasons: Json<string[]>;
  updated_at: UpdatedAt;
}

export interface DealMatchKeysTable {
  tenant_id: string;
  match_key: string;
  deal_id: string;
}

export interface DedupePendingTable {
  tenant_id: string;
  deal_id: string;
  noted_at: UpdatedAt;
}

export interface DedupeDecisionsTable {
  tenant_id: string;
  deal_a: string;
  deal_b: string;
  decided_by: string;
  decided_at: UpdatedAt;
}

export interface PartnerScoresTable {
  tenant_id: string;
  partner_id: string;
  partner_type: string;
  score: number;
  tier: string;
  win_rate: number;
  win_rate_low: number;
  raw_win_rate: number | null;
  closed_deals: number;
  won_deals: number;
  open_deals: number;
  won_revenue: number;
  avg_deal_size: number | null;
  open_pipeline: number;
  avg_days_to_close: number | null;
  activity: number;
  last_opportunity_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  days_since_last_opportunity: number | null;
  recent_opportunities: number;
  baseline_opportunities: number;
  dormant: boolean;
  decaying: boolean;
  components: Json<ScoreComponents>;
  /** YYYY-MM-DD (UTC day). */
  as_of: string;
  fingerprint: string;
  computed_at: UpdatedAt;
}

export interface DealFitsTable {
  tenant_id: string;
  deal_id: string;
  partner_fit_score: number | null;
  next_best_partner_id: string | null;
  next_best_fit_score: number | null;
  next_best_reason: string | null;
  /** YYYY-MM-DD (UTC day). */
  as_of: string;
  fingerprint: string;
  computed_at: UpdatedAt;
}

export interface ScoringRunsTable {
  tenant_id: string;
  as_of: string;
  config: Json<unknown>;
  priors: Json<unknown>;
  partners: number;
  open_deals: number;
  duration_ms: number;
  computed_at: UpdatedAt;
}

export interface OperatorLoopResultsTable {
  tenant_id: string;
  loop: string;
  period_key: string;
  version: number;
  period_start: string;
  period_end: string;
  result: Json<unknown>;
  fingerprint: string;
  reason: string;
  computed_at: CreatedAt;
}

export interface ProgrammeConnectionsTable {
  tenant_id: string;
  programme: 'aws_ace' | 'microsoft_referrals';
  /** AES-256-GCM envelope of the credentials JSON (token-cipher.ts, tenant id as AAD); never plaintext. */
  credentials: string;
  settings: Json<Record<string, unknown>>;
  /** Changes up to here were read (the next poll starts a little before it). */
  checkpoint: Date | null;
  last_error: string | null;
  connected_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface CloudOpportunitiesTable {
  tenant_id: string;
  programme: 'aws_ace' | 'microsoft_referrals';
  motion_id: string;
  deal_id: string;
  external_id: string | null;
  attempt: ColumnType<number, number | undefined, number>;
  client_token: string | null;
  request: Json<unknown> | null;
  phase: 'invalid' | 'creating' | 'created' | 'submitted' | 'closed';
  issues: Json<Array<{ field: string; message: string }>>;
  review_status: string | null;
  stage: string | null;
  remote_modified_at: Date | null;
  sent_fields: Json<Record<string, string>> | null;
  last_error: string | null;
  /** While a send is in flight: until when it holds the row (see `claim`). */
  claimed_until: ColumnType<Date | null, Date | null | undefined, Date | null>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ProgrammeOpportunitiesTable {
  tenant_id: string;
  programme: 'aws_ace' | 'microsoft_referrals';
  external_id: string;
  /** A `CloudOpportunity` (src/cosell/cloud-reconciliation.ts). */
  record: Json<unknown>;
  last_modified_at: Date;
  mirrored_at: UpdatedAt;
}

export interface ProgrammeInvitationsTable {
  tenant_id: string;
  programme: 'aws_ace' | 'microsoft_referrals';
  invitation_id: string;
  status: 'pending' | 'accepting' | 'accepted' | 'rejected' | 'expired';
  title: string;
  customer_name: string;
  sender: string;
  invited_at: Date;
  expires_at: Date | null;
  payload: Json<unknown>;
  opportunity_id: string | null;
  deal_id: string | null;
  deal_created: boolean | null;
  accepted_by: string | null;
  last_error: string | null;
  updated_at: UpdatedAt;
}

export interface ErrorInboxTable {
  tenant_id: string;
  source: string;
  object_type: string;
  record_id: string;
  deal_id: string | null;
  reason: string;
  details: Json<unknown>;
  attempts: ColumnType<number, number | undefined, number>;
  /** Moves when a resolved entry reopens. */
  first_seen_at: UpdatedAt;
  last_seen_at: UpdatedAt;
  resolved_at: Date | null;
}

export interface CardKeysTable {
  tenant_id: string;
  key_hash: string;
  issued_at: UpdatedAt;
}

export interface StoreSchema {
  tenants: TenantsTable;
  audit_log: AuditLogTable;
  sync_checkpoints: SyncCheckpointsTable;
  cadence_runs: CadenceRunsTable;
  oauth_states: OAuthStatesTable;
  webhook_events: WebhookEventsTable;
  crm_deals: CrmDealsTable;
  crm_partners: CrmPartnersTable;
  roster_versions: RosterVersionsTable;
  record_aliases: RecordAliasesTable;
  cosell_motions: CoSellMotionsTable;
  cosell_motion_events: CoSellMotionEventsTable;
  partner_webhook_endpoints: PartnerWebhookEndpointsTable;
  outbound_deliveries: OutboundDeliveriesTable;
  deal_partner_splits: DealPartnerSplitsTable;
  deal_attributions: DealAttributionsTable;
  deal_duplicates: DealDuplicatesTable;
  dedupe_decisions: DedupeDecisionsTable;
  dedupe_pending: DedupePendingTable;
  deal_match_keys: DealMatchKeysTable;
  partner_scores: PartnerScoresTable;
  deal_fits: DealFitsTable;
  scoring_runs: ScoringRunsTable;
  operator_loop_results: OperatorLoopResultsTable;
  programme_connections: ProgrammeConnectionsTable;
  cloud_opportunities: CloudOpportunitiesTable;
  programme_opportunities: ProgrammeOpportunitiesTable;
  programme_invitations: ProgrammeInvitationsTable;
  error_inbox: ErrorInboxTable;
  card_keys: CardKeysTable;
}
