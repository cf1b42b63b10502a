/**
 * Fault injection for reliability tests: per route pattern, either a scripted sequence ("500, then pass") or a
 * probability, of an HTTP status (429/5xx/anything), added latency, a dropped connection (socket destroyed), or a
 * lost answer (handled, then the connection reset: the client cannot know its write landed).
 * Injected faults happen before authentication and rate limiting, like a proxy in front of HubSpot failing.
 */

import { SeededRandom } from '../../src/shared/seeded-random.ts';

export type FaultAction =
  | { type: 'status'; status: number; retryAfterSeconds?: number; body?: unknown }
  | { type: 'latency'; ms: number }
  | { type: 'drop' }
  /** The request is handled (and its effect kept), then the connection is reset before the answer leaves. */
  | { type: 'lose_response' }
  | { type: 'pass' };

/** Shorthands: a number is a status, `'drop'` drops, `'lose_response'` loses the answer, `'pass'` lets it through. */
export type FaultStep = FaultAction | number | 'drop' | 'lose_response' | 'pass';

export interface FaultRule {
  /** `"POST /crm/**\/batch/update"` or `"/crm/v3/objects/deals"`; `*` = one path segment, `**` = any depth. */
  route: string;
  /** Steps applied to the next matching requests, in order; when they run out the rule stops matching. */
  script?: FaultStep[];
  /** With `action`: the chance (0–1) each matching request gets it. */
  probability?: number;
  action?: FaultStep;
  /** Repeat the script forever. */
  loop?: boolean;
}

export function toAction(step: FaultStep): FaultAction {
  if (typeof step === 'number') return { type: 'status', status: step };
  if (step === 'drop') return { type: 'drop' };
  if (step === 'lose_response') return { type: 'lose_response' };
  if (step === 'pass') return { type: 'pass' };
  return step;
}

/** `*` matches one segment, `**` any number of segments; an optional leading method restricts it. */
export function compileRoute(route: string): { method: string | undefined; pattern: RegExp } {
  const trimmed = route.trim();
  const space = trimmed.indexOf(' ');
  const method = space > 0 ? trimmed.slice(0, space).toUpperCase() : undefined;
  const path = space > 0 ? trimmed.slice(space + 1).trim() : trimmed;
  if (path === '*' || path === '**') return { method, pattern: /^.*$/ };
  let source = '';
  for (const segment of path.split('/').filter(Boolean)) {
    source +=
      segment === '**' ? '(?:/[^/]+)*' : `/${segment.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}`;
  }
  return { method, pattern: new RegExp(`^${source}/?$`) };
}

interface ActiveRule {
  rule: FaultRule;
  method: string | undefined;
  pattern: RegExp;
  position: number;
}

export class FaultInjector {
  private rules: ActiveRule[] = [];
  private random: () => number;

  constructor(rules: readonly FaultRule[] = [], seed = 1) {
    this.random = new SeededRandom(seed).next;
    for (const rule of rules) this.add(rule);
  }

  add(rule: FaultRule): void {
    if (!rule.script && rule.action === undefined)
      throw new Error(`fault rule for ${rule.route} needs a script or an action`);
    const { method, pattern } = compileRoute(rule.route);
    this.rules.push({ rule, method, pattern, position: 0 });
  }

  clear(): void {
    this.rules = [];
  }

  get size(): number {
    return this.rules.length;
  }

  /** The fault for this request, if any; consumes one scripted step of the first rule that applies. */
  next(method: string, path: string): FaultAction | undefined {
    for (const active of this.rules) {
      if (active.method && active.method !== method.toUpperCase()) continue;
      if (!active.pattern.test(path)) continue;
      const { rule } = active;
      if (rule.script) {
        if (active.position >= rule.script.length) {
          if (!rule.loop || rule.script.length === 0) continue;
          active.position = 0;
        }
        const step = rule.script[active.position++];
        if (step === undefined) continue;
        return toAction(step);
      }
      if (rule.action !== undefined && this.random() < (rule.probability ?? 1)) return toAction(rule.action);
    }
    return undefined;
  }
}

/** Makes the handler's answer vanish: whatever it ends the response with, the socket is reset instead. */
export function loseResponse(req: { socket: { destroy(): void } }, res: { end: (...args: never[]) => unknown }): void {
  res.end = (() => {
    req.socket.destroy();
    return res;
  }) as typeof res.end;
}

/**
 * Applies an injected fault the same way in every stand-in: drop the connection, lose the answer, delay, or pass;
 * a status is answered in the provider's own error shape by `status` (each provider words its errors differently).
 */
export function applyFault<
  Req extends { socket: { destroy(): void } },
  Res extends { end: (...args: never[]) => unknown },
>(
  fault: FaultAction,
  req: Req,
  res: Res,
  proceed: () => void,
  status: (fault: Extract<FaultAction, { type: 'status' }>) => void,
): void {
  switch (fault.type) {
    case 'drop':
      // The client sees a reset connection (ECONNRESET / "socket hang up"), never a response.
      req.socket.destroy();
      return;
    case 'lose_response':
      loseResponse(req, res);
      proceed();
      return;
    case 'latency':
      setTimeout(proceed, fault.ms);
      return;
    case 'pass':
      proceed();
      return;
    case 'status':
      status(fault);
  }
}
