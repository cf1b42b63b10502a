// The operator home's state: the summary (is the tenant connected, which loops have results) and every section, asked
// for at once, each on its own: a section that fails shows its error and a retry while the others stay usable.

import { useCallback, useEffect, useRef, useState } from 'react';
import { CardRequestError, UNREACHABLE_MESSAGE } from '../cards/card-client.ts';
import {
  HOME_LOOPS,
  HOME_SECTIONS,
  type HomeSection,
  type HomeSectionViews,
  type HomeSummary,
} from './operator-api.ts';
import type { OperatorClient } from './operator-client.ts';

export type Load<T> =
  | { status: 'loading' }
  | { status: 'failed'; error: CardRequestError }
  | { status: 'ready'; value: T };

export type SectionLoads = { [S in HomeSection]: Load<HomeSectionViews[S]> };

export interface ComputeState {
  status: 'idle' | 'starting' | 'waiting' | 'failed';
  error: CardRequestError | null;
}

export interface OperatorHomeState {
  summary: Load<HomeSummary>;
  sections: SectionLoads;
  compute: ComputeState;
  reload: () => Promise<void>;
  reloadSection: (section: HomeSection, options?: { quiet?: boolean }) => Promise<void>;
  /** Queues every loop now (`POST /api/reports/loops/{loop}/run`) and reloads until each has a result. */
  computeNow: () => Promise<void>;
}

/** How often and how long the page checks for results after "compute now" (the runs are queued jobs). */
export interface PollOptions {
  intervalMs: number;
  attempts: number;
}
export const DEFAULT_POLL: PollOptions = { intervalMs: 3_000, attempts: 40 };

const loadingSections = (): SectionLoads =>
  Object.fromEntries(HOME_SECTIONS.map((section) => [section, { status: 'loading' }])) as SectionLoads;

export function asRequestError(error: unknown): CardRequestError {
  if (error instanceof CardRequestError) return error;
  return new CardRequestError({
    code: 'unexpected',
    message: 'Unexpected failure in the operator home',
    userMessage: UNREACHABLE_MESSAGE,
    cause: error,
  });
}

export function useOperatorHome(client: OperatorClient, poll: PollOptions = DEFAULT_POLL): OperatorHomeState {
  const [summary, setSummary] = useState<Load<HomeSummary>>({ status: 'loading' });
  const [sections, setSections] = useState<SectionLoads>(loadingSections);
  const [compute, setCompute] = useState<ComputeState>({ status: 'idle', error: null });
  const clientRef = useRef(client);
  clientRef.current = client;
  const mounted = useRef(true);
  // Each full load takes a ticket; a slower, older load never overwrites a newer one.
  const ticket = useRef(0);

  const loadSection = useCallback(async (section: HomeSection, mine: number, quiet = false) => {
    try {
      const value = await clientRef.current.section(section);
      if (mounted.current && mine === ticket.current) {
        setSections((current) => ({ ...current, [section]: { status: 'ready', value } }));
      }
    } catch (error) {
      if (mounted.current && mine === ticket.current) {
        // A quiet refresh that fails keeps what is shown (the change it follows already succeeded).
        setSections((current) =>
          quiet && current[section].status === 'ready'
            ? current
            : { ...current, [section]: { status: 'failed', error: asRequestError(error) } },
        );
      }
    }
  }, []);

  const reload = useCallback(async () => {
    const mine = ++ticket.current;
    setSummary({ status: 'loading' });
    setSections(loadingSections());
    // The sections are asked for together with the summary (one round trip, not two); the page shows them only once
    // the summary says the tenant is connected (a disconnected tenant's sections answer 404 and are never shown).
    const summaryLoaded = clientRef.current.summary();
    const sectionsLoaded = Promise.all(HOME_SECTIONS.map((section) => loadSection(section, mine)));
    try {
      const value = await summaryLoaded;
      if (mounted.current && mine === ticket.current) setSummary({ status: 'ready', value });
    } catch (error) {
      if (mounted.current && mine === ticket.current) setSummary({ status: 'failed', error: asRequestError(error) });
    }
    await sectionsLoaded;
  }, [loadSection]);

  const reloadSection = useCallback(
    async (section: HomeSection, options: { quiet?: boolean } = {}) => {
      // Quiet: after a lever, the section keeps showing (and keeps its open panels) until the new answer replaces it.
      if (!options.quiet) setSections((current) => ({ ...current, [section]: { status: 'loading' } }));
      await loadSection(section, ticket.current, options.quiet ?? false);
    },
    [loadSection],
  );

  useEffect(() => {
    mounted.current = true;
    void reload();
    return () => {
      mounted.current = false;
    };
  }, [reload]);

  const computeNow = useCallback(async () => {
    setCompute({ status: 'starting', error: null });
    const requestedAt = new Date().toISOString();
    try {
      for (const loop of HOME_LOOPS) await clientRef.current.runLoop(loop, 'requested from the operator home');
    } catch (error) {
      if (mounted.current) setCompute({ status: 'failed', error: asRequestError(error) });
      return;
    }
    if (!mounted.current) return;
    setCompute({ status: 'waiting', error: null });
    for (let attempt = 1; attempt <= poll.attempts; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, poll.intervalMs));
      if (!mounted.current) return;
      try {
        const value = await clientRef.current.summary();
        if (value.status === 'active' && computed(value, requestedAt, attempt)) break;
      } catch {
        // A failed check is not the end: the runs are queued; try again on the next tick.
      }
    }
    if (!mounted.current) return;
    setCompute({ status: 'idle', error: null });
    await reload();
  }, [poll.attempts, poll.intervalMs, reload]);

  return { summary, sections, compute, reload, reloadSection, computeNow };
}

/** Checks after "compute now" before the page stops waiting even when a run stored nothing new. */
const SETTLE_CHECKS = 3;

/**
 * Whether the queued runs are done, as far as the summary tells: every loop has a result computed since the request.
 * A run whose numbers equal the stored ones stores nothing (its stamp keeps the older time), so after SETTLE_CHECKS
 * checks a result of any age will do.
 */
function computed(summary: Extract<HomeSummary, { status: 'active' }>, requestedAt: string, attempt: number): boolean {
  return HOME_LOOPS.every((loop) => {
    const stamp = summary.loops[loop];
    return stamp !== null && (stamp.computedAt >= requestedAt || attempt >= SETTLE_CHECKS);
  });
}

/** One list's pages: starts from the page a section brought, then fetches others of the same stored period. */
export interface PagedList<T> {
  page: { rows: T[]; total: number; offset: number; limit: number; period: string | null };
  loading: boolean;
  error: CardRequestError | null;
  go: (offset: number) => Promise<void>;
}

export function usePagedList<T>(
  initial: { rows: T[]; total: number; offset: number; limit: number; period: string | null },
  fetchPage: (
    period: string | null,
    offset: number,
    limit: number,
  ) => Promise<{
    rows: T[];
    total: number;
    offset: number;
    limit: number;
    period: string | null;
  }>,
): PagedList<T> {
  const [page, setPage] = useState(initial);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<CardRequestError | null>(null);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  // A new first page (the section reloaded) replaces whatever page was shown.
  useEffect(() => setPage(initial), [initial]);

  const go = useCallback(
    async (offset: number) => {
      setLoading(true);
      setError(null);
      try {
        const next = await fetchRef.current(page.period, offset, page.limit);
        if (mounted.current) setPage(next);
      } catch (failure) {
        if (mounted.current) setError(asRequestError(failure));
      } finally {
        if (mounted.current) setLoading(false);
      }
    },
    [page.period, page.limit],
  );
  return { page, loading, error, go };
}
