import {
  Alert,
  Button,
  ErrorState,
  Flex,
  Heading,
  Link,
  LoadingSpinner,
  StatusTag,
  Text,
  Tile,
} from '@hubspot/ui-extensions';
import { useCallback } from 'react';
import type { CardView } from '../../cards/card-api.ts';
import type { CardClient } from '../../cards/card-client.ts';
import { ATTRIBUTION_STATUS } from '../../cards/card-format.ts';
import { CoSellForm, coSellCandidates } from '../../cards/components/CoSellForm.tsx';
import { MotionTimeline } from '../../cards/components/MotionTimeline.tsx';
import { useDealCard } from '../../cards/use-deal-card.ts';
import { useHome } from '../home-context.ts';

export interface SelectedDeal {
  dealId: string;
  dealName: string;
  url: string;
}

/**
 * The deal-level levers of a queue row, in place: the deal's co-sell motions with the moves their state machine allows
 * ("Move"), and "Start co-sell" with the deal's attached and suggested partners. It reads and writes through the
 * card's own endpoints (`/api/card/deals/{id}`, `…/cosell`, `/api/card/motions/{id}/transition`), so a motion started
 * here is the one the deal card shows.
 */
export function DealActions({
  deal,
  onClose,
  onChanged,
}: {
  deal: SelectedDeal;
  onClose: () => void;
  onChanged: () => void;
}) {
  const { cardClient, addAlert, recordHref } = useHome();
  const card = useDealCard(cardClient, deal.dealId);
  const mutate = card.mutate;
  const change = useCallback(
    async (name: string, request: (client: CardClient) => Promise<CardView>, confirmation: string) => {
      const ok = await mutate(name, request);
      if (ok) {
        addAlert({ type: 'success', message: confirmation });
        onChanged();
      }
      return ok;
    },
    [mutate, addAlert, onChanged],
  );

  return (
    <Tile compact={true} testId="deal-actions">
      <Flex direction="column" gap="sm">
        <Flex direction="row" gap="sm" align="center" justify="between">
          <Heading inline={true}>{deal.dealName}</Heading>
          <Flex direction="row" gap="sm" align="center">
            <Link href={{ url: recordHref(deal.url), external: true }} testId="deal-actions-record">
              Open the deal
            </Link>
            <Button size="xs" onClick={onClose} testId="deal-actions-close">
              Close
            </Button>
          </Flex>
        </Flex>
        {card.load.status === 'loading' && (
          <LoadingSpinner label="Loading the deal…" showLabel={true} testId="deal-actions-loading" />
        )}
        {card.load.status === 'failed' && (
          <ErrorState title="This deal could not be loaded" type="error" testId="deal-actions-error">
            <Text>{card.load.error.userMessage}</Text>
            <Button onClick={() => void card.reload()}>Try again</Button>
          </ErrorState>
        )}
        {card.load.status === 'ready' && (
          <Flex direction="column" gap="sm">
            {card.actionError !== null && (
              <Alert title="That change was not saved" variant="error" testId="deal-actions-action-error">
                {card.actionError.userMessage}
              </Alert>
            )}
            <Flex direction="row" gap="sm" align="center">
              <Text inline={true}>Attribution:</Text>
              <StatusTag variant={ATTRIBUTION_STATUS[card.load.view.attribution.status].variant}>
                {ATTRIBUTION_STATUS[card.load.view.attribution.status].label}
              </StatusTag>
            </Flex>
            <MotionTimeline
              motions={card.load.view.motions}
              busy={card.pending !== null}
              onTransition={(motion, to, note) =>
                change(
                  'transition',
                  (api) => api.transitionMotion(motion.id, note === null ? { to } : { to, note }),
                  'Co-sell motion moved.',
                )
              }
            />
            {card.load.view.deal.isClosed ? (
              <Text variant="microcopy">Co-sell motions start from open deals only.</Text>
            ) : (
              <CoSellForm
                candidates={coSellCandidates(card.load.view)}
                busy={card.pending !== null}
                onStart={(request) =>
                  change(
                    'cosell',
                    (api) => api.startCoSell(deal.dealId, request),
                    `Co-sell motion started on ${deal.dealName}. It joins today's queue with the next daily run (or “Compute now”).`,
                  )
                }
              />
            )}
          </Flex>
        )}
      </Flex>
    </Tile>
  );
}
