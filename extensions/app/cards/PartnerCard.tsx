import {
  Alert,
  Button,
  type CrmContext,
  type CrmHostActions,
  Divider,
  ErrorState,
  Flex,
  Heading,
  hubspot,
  List,
  LoadingSpinner,
  Text,
} from '@hubspot/ui-extensions';
import { useCallback, useMemo, useState } from 'react';
import { type CardFetcher, type CardRequestError, createCardClient } from './card-client.ts';
import { apiBaseFrom } from './card-config.ts';
import { ROLE_LABELS } from './card-format.ts';
import { AttachedPartners } from './components/AttachedPartners.tsx';
import { AttributionSummary } from './components/AttributionSummary.tsx';
import { CoSellForm, coSellCandidates } from './components/CoSellForm.tsx';
import { DuplicateWarnings } from './components/DuplicateWarnings.tsx';
import { MotionTimeline } from './components/MotionTimeline.tsx';
import { NextBestPartner } from './components/NextBestPartner.tsx';
import { PartnerPicker, type PickedPartner } from './components/PartnerPicker.tsx';
import { useDealCard } from './use-deal-card.ts';

// Registered by partner-card-hsmeta.json (location crm.record.tab, object deals).
hubspot.extend<'crm.record.tab'>(({ context, actions }) => <PartnerCard context={context} actions={actions} />);

export interface PartnerCardProps {
  /** The record the card sits on: `crm.objectId` (the deal id), and the profile's `SERVICE_ORIGIN` variable. */
  context: Pick<CrmContext, 'crm' | 'variables'>;
  /** Host actions; only `addAlert` is used, to confirm a change. */
  actions: Pick<CrmHostActions, 'addAlert'>;
  /** Defaults to `hubspot.fetch`; tests and the local preview pass their own. */
  fetcher?: CardFetcher;
  /** Origin of the sync service; defaults to the profile's `SERVICE_ORIGIN` variable, else `DEFAULT_API_BASE`. */
  apiBase?: string;
}

// Read `hubspot.fetch` at call time, not at import, so it is the one the host (or a test spy) provides then.
const hubspotFetcher: CardFetcher = (url, options) => hubspot.fetch(url, options);

/** The PartnerLoop deal card: attribution, duplicates, partners, suggestions and co-sell for one deal. */
export function PartnerCard({
  context,
  actions,
  fetcher = hubspotFetcher,
  apiBase = apiBaseFrom(context.variables),
}: PartnerCardProps) {
  const dealId = String(context.crm.objectId);
  const client = useMemo(() => createCardClient({ fetcher, apiBase }), [fetcher, apiBase]);
  const card = useDealCard(client, dealId);
  const [picked, setPicked] = useState<PickedPartner | null>(null);

  const mutate = card.mutate;
  const change = useCallback(
    async (name: string, request: Parameters<typeof mutate>[1], confirmation: string) => {
      const ok = await mutate(name, request);
      if (ok) actions.addAlert({ type: 'success', message: confirmation });
      return ok;
    },
    [mutate, actions],
  );

  if (card.load.status === 'loading') {
    return <LoadingSpinner label="Loading partner data…" layout="centered" showLabel={true} testId="card-loading" />;
  }
  if (card.load.status === 'failed') {
    return (
      <ErrorState title="Partner data is unavailable" type="error" testId="card-error">
        <Text>{card.load.error.userMessage}</Text>
        <Button
          onClick={() => {
            void card.reload();
          }}
          testId="retry"
        >
          Try again
        </Button>
      </ErrorState>
    );
  }

  const view = card.load.view;
  const busy = card.pending !== null;
  const { attribution, nextBestPartner } = view;

  return (
    <Flex direction="column" gap="md" testId="partner-card">
      {card.actionError !== null && <ActionError error={card.actionError} />}
      <AttributionSummary
        attribution={attribution}
        busy={busy}
        onApplyFix={(fix) => {
          void change(
            'apply-fix',
            (api) => api.tagPartner(dealId, { partnerId: fix.partnerId, role: fix.role }),
            `${fix.name} tagged as ${ROLE_LABELS[fix.role]}.`,
          );
        }}
      />
      <DuplicateWarnings
        dedupe={view.dedupe}
        busy={busy}
        onNotDuplicate={(duplicate) => {
          void change(
            'not-duplicate',
            (api) => api.markNotDuplicate(dealId, { otherDealId: duplicate.otherDealId }),
            'Marked as not a duplicate. PartnerLoop will not flag this pair again.',
          );
        }}
      />
      <Divider />
      <AttachedPartners
        attribution={attribution}
        busy={busy}
        onUntag={(partner) => {
          void change(
            'untag',
            (api) => api.untagPartner(dealId, partner.partnerId, partner.role),
            `${partner.name} is no longer tagged as ${ROLE_LABELS[partner.role]}.`,
          );
        }}
      />
      {nextBestPartner !== null && (
        <NextBestPartner
          suggestion={nextBestPartner}
          disabled={busy || attribution.frozen}
          onChoose={(suggestion) => setPicked({ id: suggestion.partnerId, name: suggestion.name })}
        />
      )}
      {!attribution.frozen && (
        <PartnerPicker
          search={(query) => client.searchPartners(query)}
          picked={picked}
          onPick={setPicked}
          busy={busy}
          onTag={(request) =>
            change(
              'tag',
              (api) => api.tagPartner(dealId, request),
              `${picked?.name ?? 'Partner'} tagged as ${ROLE_LABELS[request.role]}.`,
            )
          }
        />
      )}
      <Divider />
      <Heading>Co-sell</Heading>
      <MotionTimeline
        motions={view.motions}
        busy={busy}
        onTransition={(motion, to, note) =>
          change(
            'transition',
            (api) => api.transitionMotion(motion.id, note === null ? { to } : { to, note }),
            'Co-sell motion updated.',
          )
        }
      />
      {view.deal.isClosed ? (
        <Text variant="microcopy">Co-sell motions start from open deals only.</Text>
      ) : (
        <CoSellForm
          candidates={coSellCandidates(view)}
          busy={busy}
          onStart={(request) => change('cosell', (api) => api.startCoSell(dealId, request), 'Co-sell motion started.')}
        />
      )}
    </Flex>
  );
}

function ActionError({ error }: { error: CardRequestError }) {
  return (
    <Alert title="That change was not saved" variant="error" testId="action-error">
      <Text>{error.userMessage}</Text>
      {error.details.length > 0 && (
        <List variant="unordered-styled">
          {error.details.map((detail) => (
            <Text key={detail}>{detail}</Text>
          ))}
        </List>
      )}
    </Alert>
  );
}
