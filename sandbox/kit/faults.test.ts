import { describe, expect, it } from 'vitest';
import { compileRoute, FaultInjector } from './faults.ts';

describe('compileRoute', () => {
  it.each([
    ['POST /crm/**/batch/update', 'POST', '/crm/v3/objects/deals/batch/update', true],
    ['POST /crm/**/batch/update', 'GET', '/crm/v3/objects/deals/batch/update', false],
    ['/crm/**/batch/update', 'POST', '/crm/objects/2026-03/companies/batch/update', true],
    ['/crm/v3/objects/*', 'GET', '/crm/v3/objects/deals', true],
    ['/crm/v3/objects/*', 'GET', '/crm/v3/objects/deals/123', false],
    ['/crm/**', 'GET', '/crm', true],
    ['/crm/*/objects/de*', 'GET', '/crm/v3/objects/deals', true],
    ['*', 'DELETE', '/anything/at/all', true],
  ])('given %s, when %s %s arrives, then it matches: %s', (route, method, path, expected) => {
    const compiled = compileRoute(route);
    expect((compiled.method === undefined || compiled.method === method) && compiled.pattern.test(path)).toBe(expected);
  });
});

describe('FaultInjector', () => {
  it('given a script of 500 then pass, when requests come, then the first fails and the rest pass', () => {
    const faults = new FaultInjector([{ route: 'GET /crm/**', script: [500, 'pass'] }]);
    expect(faults.next('GET', '/crm/v3/objects/deals')).toEqual({ type: 'status', status: 500 });
    expect(faults.next('GET', '/crm/v3/objects/deals')).toEqual({ type: 'pass' });
    expect(faults.next('GET', '/crm/v3/objects/deals')).toBeUndefined();
  });

  it('given a looping script, when it runs out, then it starts again', () => {
    const faults = new FaultInjector([{ route: '/x', script: ['drop', 429], loop: true }]);
    expect([1, 2, 3].map(() => faults.next('GET', '/x')?.type)).toEqual(['drop', 'status', 'drop']);
  });

  it('given a probability, when many requests come, then about that share is faulted, the same for the same seed', () => {
    const run = (seed: number) => {
      const faults = new FaultInjector([{ route: '/**', probability: 0.1, action: 503 }], seed);
      return Array.from({ length: 10_000 }, () => faults.next('GET', '/crm/v3/objects/deals') !== undefined);
    };
    const hits = run(7).filter(Boolean).length;
    expect(hits).toBeGreaterThan(800);
    expect(hits).toBeLessThan(1_200);
    expect(run(7)).toEqual(run(7));
  });

  it('given two rules, when a request matches both, then the first active one decides', () => {
    const faults = new FaultInjector([
      { route: '/a/**', script: [{ type: 'latency', ms: 5 }] },
      { route: '/**', action: 500 },
    ]);
    expect(faults.next('GET', '/a/b')).toEqual({ type: 'latency', ms: 5 });
    expect(faults.next('GET', '/a/b')).toEqual({ type: 'status', status: 500 });
  });

  it('given a rule with neither script nor action, when added, then it is refused', () => {
    expect(() => new FaultInjector([{ route: '/x' }])).toThrow(/needs a script or an action/);
  });
});
