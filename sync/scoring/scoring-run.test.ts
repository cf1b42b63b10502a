import { isMainThread } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { demoObjects } from '../../sandbox/demo/demo-objects.ts';
import { generateDemoPortal } from '../../sandbox/demo/demo-portal.ts';
import { readPortal } from '../../src/crm/hubspot/hubspot-portal-reader.ts';
import { DEFAULT_SCORING_CONFIG } from '../../src/scoring/scoring-config.ts';
import { runOffThread } from '../platform/workers/off-thread.ts';
import { computeScoringRun, computeScoringRunOffThread } from './scoring-run.ts';

describe('the scoring run off the request thread', () => {
  it('given a portal above the inline size, when scored off-thread, then the run equals the inline one', async () => {
    const demo = generateDemoPortal({ deals: 6_000, seed: 11 });
    const snapshot = await readPortal(demoObjects(demo));
    const input = {
      tenantId: 'hubspot:1',
      deals: snapshot.deals,
      partners: snapshot.partners,
      asOf: demo.asOf,
      config: DEFAULT_SCORING_CONFIG,
    };
    const { durationMs: _inline, ...inline } = computeScoringRun(input);
    const { durationMs: _off, ...off } = await computeScoringRunOffThread(input);

    expect(off.fits.size).toBeGreaterThan(0);
    expect(off.scoring.partners.length).toBe(snapshot.partners.length);
    expect(off).toStrictEqual(inline);
  });

  it('given a worker module, then it runs on another thread and its failure comes back as an error', async () => {
    const probe = new URL('./testing/thread-probe.worker.ts', import.meta.url);
    expect(isMainThread).toBe(true);
    expect(await runOffThread<{ fail: boolean }, { mainThread: boolean }>(probe, { fail: false })).toStrictEqual({
      mainThread: false,
    });
    await expect(runOffThread(probe, { fail: true })).rejects.toThrow('probe failed as asked');
  });
});
