import { describe, expect, it, vi } from 'vitest';
import type { Partner } from '../../src/model/partner.ts';
import { createLogger } from '../platform/log/logger.ts';
import type { AuditEntry } from '../platform/store/audit-log.repo.ts';
import {
  ROSTER_ACTION_WRITER,
  RosterActionsService,
  type RosterDecisions,
  rosterActionWriter,
} from './roster-actions.ts';

const partner = (id: string): Partner => ({
  id,
  name: `Partner ${id}`,
  type: 'named',
  registeredAt: '2024-01-01T00:00:00.000Z',
  region: null,
});

function service(options: { writeFails?: number; provision?: boolean } = {}) {
  const properties = new Map<string, Record<string, string | null>>([['p1', {}]]);
  const audit: AuditEntry[] = [];
  let failures = options.writeFails ?? 0;
  const writeBack = vi.fn(async () => {
    if (failures > 0) {
      failures -= 1;
      throw new Error('HubSpot said PROPERTY_DOESNT_EXIST');
    }
    // What the company writer would write, from the decision just appended.
    const last = audit.at(-1)?.after as { action: string | null };
    properties.set('p1', { pl_roster_action: last.action ?? '' });
    return { deals: 0, companies: 1, calls: 1 };
  });
  const provision = vi.fn(async () => ({}));
  const roster = new RosterActionsService({
    mirror: { livePartners: async () => [partner('p1')], livePartnerProperties: async () => properties },
    sync: { writeBack },
    audit: { append: async (entry) => void audit.push(entry) },
    logger: createLogger('silent'),
    ...(options.provision === false ? {} : { provision }),
  });
  return { roster, audit, writeBack, provision };
}

describe('RosterActionsService', () => {
  it('given a roster partner, when marked for re-engagement, then the decision is audit-logged with before/after and written by the roster writer alone', async () => {
    const { roster, audit, writeBack } = service();
    expect(await roster.set('t', 'p1', { action: 'reengage', note: 'strategic last year' }, 'user:7')).toEqual({
      partnerId: 'p1',
      action: 'reengage',
      written: true,
    });
    expect(audit).toEqual([
      {
        tenantId: 't',
        actor: 'user:7',
        action: 'partner.roster_action',
        subjectType: 'partner_roster',
        subjectId: 'p1',
        before: { action: null },
        after: { action: 'reengage' },
        reason: 'strategic last year',
      },
    ]);
    expect(writeBack).toHaveBeenCalledWith('t', [], [partner('p1')], true, { writers: [ROSTER_ACTION_WRITER] });
  });

  it('given the portal lacks the property (an older install), when the write fails, then it provisions and writes once more', async () => {
    const { roster, provision, writeBack } = service({ writeFails: 1 });
    expect((await roster.set('t', 'p1', { action: 'archive' }, 'user:7')).written).toBe(true);
    expect(provision).toHaveBeenCalledWith('t');
    expect(writeBack).toHaveBeenCalledTimes(2);
  });

  it('given HubSpot refuses the write twice, then the decision stays saved and the answer says it is not written yet', async () => {
    const { roster, audit } = service({ writeFails: 2 });
    expect(await roster.set('t', 'p1', { action: null }, 'user:7')).toEqual({
      partnerId: 'p1',
      action: null,
      written: false,
    });
    expect(audit).toHaveLength(1);
  });

  it.each([
    [{ action: 'delete' }, /action/],
    [{}, /action/],
    [{ action: 'archive', extra: 1 }, /extra|unrecognized/i],
    [{ action: 'archive', note: '' }, /note/],
  ])('given the body %j, then 400 naming the problem and nothing is written', async (body, message) => {
    const { roster, audit, writeBack } = service();
    await expect(roster.set('t', 'p1', body, 'user:7')).rejects.toMatchObject({ code: 'invalid_input', message });
    expect(audit).toEqual([]);
    expect(writeBack).not.toHaveBeenCalled();
  });

  it('given a company that is not a partner, then 404 and nothing is written', async () => {
    const { roster, audit } = service();
    await expect(roster.set('t', 'c9', { action: 'archive' }, 'user:7')).rejects.toMatchObject({ code: 'not_found' });
    expect(audit).toEqual([]);
  });
});

describe('rosterActionWriter', () => {
  it('given decisions, then it wants them on roster partners only (a cleared decision as the empty string) and leaves the rest alone', async () => {
    const decisions = {
      all: async () =>
        new Map([
          ['p1', 'archive' as const],
          ['p2', null],
          ['gone', 'reengage' as const],
        ]),
    } as unknown as RosterDecisions;
    const desired = await rosterActionWriter(decisions).desired({
      tenantId: 't',
      deals: [],
      partners: [partner('p1'), partner('p2'), partner('p3')],
      full: true,
    });
    expect(Object.fromEntries(desired)).toEqual({ p1: { pl_roster_action: 'archive' }, p2: { pl_roster_action: '' } });
  });
});
