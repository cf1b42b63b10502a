// What every section of the operator home shares: the clients, the host's alert, and how a CRM record link opens.

import type { AddAlertAction } from '@hubspot/ui-extensions';
import { createContext, useCallback, useContext, useRef, useState } from 'react';
import type { CardClient, CardRequestError } from '../cards/card-client.ts';
import type { SettingsClient } from '../settings/settings-client.ts';
import type { RosterActionValue } from './operator-api.ts';
import type { OperatorClient } from './operator-client.ts';
import { asRequestError } from './use-operator-home.ts';

export interface HomeContextValue {
  client: OperatorClient;
  /** The card's client, for the deal-level levers (start co-sell, move a motion). */
  cardClient: CardClient;
  /** The admin settings' client, for the partner-match rules lever. */
  settings: SettingsClient;
  addAlert: AddAlertAction;
  /** Where a CRM record link points (HubSpot's record page; the local preview maps deals to its card preview). */
  recordHref: (url: string) => string;
  /** When the page was loaded, for "in 3 days". */
  now: () => Date;
}

export const HomeContext = createContext<HomeContextValue | null>(null);

export function useHome(): HomeContextValue {
  const value = useContext(HomeContext);
  if (value === null) throw new Error('operator home components need a HomeContext provider');
  return value;
}

export interface RosterLeverState {
  actionOf: (row: { partnerId: string; rosterAction: RosterActionValue | null }) => RosterActionValue | null;
  busy: boolean;
  error: CardRequestError | null;
  set: (partnerId: string, name: string, action: RosterActionValue | null) => Promise<void>;
}

const CONFIRMATIONS: Record<'reengage' | 'archive' | 'clear', (name: string) => string> = {
  reengage: (name) => `${name} is marked for re-engagement (pl_roster_action = reengage on the company).`,
  archive: (name) => `${name} is marked for archiving (pl_roster_action = archive on the company).`,
  clear: (name) => `${name} has no roster action any more.`,
};

/** The roster lever of one table: one change at a time, the answer kept per partner, the failure shown in place. */
export function useRosterLever(): RosterLeverState {
  const { client, addAlert } = useHome();
  const [overrides, setOverrides] = useState<ReadonlyMap<string, RosterActionValue | null>>(new Map());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<CardRequestError | null>(null);
  const pending = useRef(false);

  const set = useCallback(
    async (partnerId: string, name: string, action: RosterActionValue | null) => {
      if (pending.current) return;
      pending.current = true;
      setBusy(true);
      setError(null);
      try {
        const result = await client.setRosterAction(partnerId, { action });
        setOverrides((current) => new Map(current).set(partnerId, result.action));
        const message = CONFIRMATIONS[result.action ?? 'clear'](name);
        addAlert({
          type: result.written ? 'success' : 'warning',
          message: result.written
            ? message
            : `${message} HubSpot did not take it yet; PartnerLoop retries on its next pass.`,
        });
      } catch (failure) {
        setError(asRequestError(failure));
      } finally {
        pending.current = false;
        setBusy(false);
      }
    },
    [client, addAlert],
  );

  const actionOf = useCallback(
    (row: { partnerId: string; rosterAction: RosterActionValue | null }) =>
      overrides.has(row.partnerId) ? (overrides.get(row.partnerId) ?? null) : row.rosterAction,
    [overrides],
  );
  return { actionOf, busy, error, set };
}
