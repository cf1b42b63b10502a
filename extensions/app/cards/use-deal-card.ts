// The card's state: load the deal's CardView, run mutations one at a time, and always re-render from the CardView the
// service returns (never from a local guess of what the mutation did).

import { useCallback, useEffect, useRef, useState } from 'react';
import type { CardView } from './card-api.ts';
import { type CardClient, CardRequestError, UNREACHABLE_MESSAGE } from './card-client.ts';

export type DealCardLoad =
  | { status: 'loading' }
  | { status: 'failed'; error: CardRequestError }
  | { status: 'ready'; view: CardView };

export interface DealCardState {
  load: DealCardLoad;
  /** Name of the mutation in flight, or null; the card disables every action while one runs. */
  pending: string | null;
  /** The last mutation's failure, shown above the card content until the next action. */
  actionError: CardRequestError | null;
  reload: () => Promise<void>;
  /** Runs a mutation that answers with a CardView; resolves true when it succeeded. */
  mutate: (name: string, request: (client: CardClient) => Promise<CardView>) => Promise<boolean>;
}

export function useDealCard(client: CardClient, dealId: string): DealCardState {
  const [load, setLoad] = useState<DealCardLoad>({ status: 'loading' });
  const [pending, setPending] = useState<string | null>(null);
  const [actionError, setActionError] = useState<CardRequestError | null>(null);

  // Each request takes a ticket; only the newest ticket may write state, so a slow answer never overwrites a newer one.
  const ticket = useRef(0);
  const mounted = useRef(true);
  const pendingRef = useRef<string | null>(null);
  // The client may be re-created by a re-render; requests always use the latest one without re-running the load effect.
  const clientRef = useRef(client);
  clientRef.current = client;

  const reload = useCallback(async () => {
    const mine = ++ticket.current;
    setLoad({ status: 'loading' });
    setActionError(null);
    try {
      const view = await clientRef.current.getDealView(dealId);
      if (mounted.current && mine === ticket.current) setLoad({ status: 'ready', view });
    } catch (error) {
      if (mounted.current && mine === ticket.current) setLoad({ status: 'failed', error: asCardError(error) });
    }
  }, [dealId]);

  useEffect(() => {
    mounted.current = true;
    void reload();
    return () => {
      mounted.current = false;
    };
  }, [reload]);

  const mutate = useCallback(async (name: string, request: (client: CardClient) => Promise<CardView>) => {
    // One mutation at a time: a double click must not send the same change twice.
    if (pendingRef.current !== null) return false;
    pendingRef.current = name;
    const mine = ++ticket.current;
    setPending(name);
    setActionError(null);
    try {
      const view = await request(clientRef.current);
      if (mounted.current && mine === ticket.current) setLoad({ status: 'ready', view });
      return true;
    } catch (error) {
      if (mounted.current && mine === ticket.current) setActionError(asCardError(error));
      return false;
    } finally {
      pendingRef.current = null;
      if (mounted.current) setPending(null);
    }
  }, []);

  return { load, pending, actionError, reload, mutate };
}

function asCardError(error: unknown): CardRequestError {
  if (error instanceof CardRequestError) return error;
  // Not a request failure but a bug in the card: the seller still only sees the generic text.
  return new CardRequestError({
    code: 'unexpected',
    message: 'Unexpected failure in the card',
    userMessage: UNREACHABLE_MESSAGE,
    cause: error,
  });
}
