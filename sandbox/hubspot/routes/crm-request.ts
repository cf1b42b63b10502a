import type { Request, Response } from 'express';
import type { Clock } from '../../../src/shared/clock.ts';
import type { SandboxLimits } from '../../kit/limits.ts';
import { SandboxHttpError, validationError } from '../errors.ts';
import type { ChangeActor } from '../portal/portal-changes.ts';
import type { SandboxPortal } from '../portal/sandbox-portal.ts';
import type { CrmObjectType } from '../properties.ts';

/**
 * The request side of the sandbox's CRM endpoints: what the auth middleware put on `res.locals` (the token's portal,
 * scopes and actor), HubSpot's scope check, and the parsing of path, query and body values every router shares.
 */

export interface RouteDeps {
  clock: Clock;
  limits: SandboxLimits;
}

export interface Locals {
  portal: SandboxPortal;
  actor: ChangeActor;
  scopes: readonly string[];
}

export function locals(res: Response): Locals {
  return res.locals as Locals;
}

const OBJECT_ALIASES: Readonly<Record<string, CrmObjectType>> = {
  deals: 'deals',
  deal: 'deals',
  '0-3': 'deals',
  companies: 'companies',
  company: 'companies',
  '0-2': 'companies',
};

export function objectTypeOf(raw: unknown): CrmObjectType {
  const type = OBJECT_ALIASES[String(raw).toLowerCase()];
  if (!type) throw validationError(`Unable to infer object type from: ${String(raw)}`);
  return type;
}

type Access = 'read' | 'write' | 'schema-read' | 'schema-write';

/** 403 with HubSpot's MISSING_SCOPES body when the token lacks every scope that would allow the call. */
export function requireScope(res: Response, type: CrmObjectType, access: Access): void {
  const granted = locals(res).scopes;
  const accepted =
    access === 'read'
      ? [`crm.objects.${type}.read`, `crm.objects.${type}.write`]
      : access === 'write'
        ? [`crm.objects.${type}.write`]
        : access === 'schema-read'
          ? [`crm.schemas.${type}.read`, `crm.schemas.${type}.write`, `crm.objects.${type}.read`]
          : [`crm.schemas.${type}.write`];
  if (accepted.some((scope) => granted.includes(scope))) return;
  throw new SandboxHttpError(403, {
    message:
      "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
    category: 'MISSING_SCOPES',
    errors: [
      { message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: accepted } },
    ],
    links: { scopes: 'https://developers.hubspot.com/scopes' },
  });
}

/** `a,b` or `a&a` query values → names. */
export function nameList(value: unknown): string[] {
  const raw = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return raw
    .flatMap((item) => String(item).split(','))
    .map((item) => item.trim())
    .filter(Boolean);
}

export function flag(value: unknown): boolean {
  return String(value ?? '').toLowerCase() === 'true';
}

export function body(req: Request): Record<string, unknown> {
  const value = req.body as unknown;
  if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw validationError('Invalid input JSON: expected an object');
  }
  return value as Record<string, unknown>;
}

export function inputsOf(req: Request, max: number): Array<Record<string, unknown>> {
  const inputs = body(req).inputs;
  if (!Array.isArray(inputs)) throw validationError('inputs is required');
  if (inputs.length > max) {
    throw validationError(`Batch input size ${inputs.length} exceeds the limit of ${max} inputs per request.`, {
      context: { limit: [String(max)] },
    });
  }
  return inputs.map((input) => {
    if (!input || typeof input !== 'object' || Array.isArray(input))
      throw validationError('Each input must be an object');
    return input as Record<string, unknown>;
  });
}

export function propertiesOf(input: Record<string, unknown>): Record<string, unknown> {
  const properties = input.properties;
  if (properties === undefined) return {};
  if (!properties || typeof properties !== 'object' || Array.isArray(properties)) {
    throw validationError('properties must be an object of property names to values');
  }
  return properties as Record<string, unknown>;
}

export function toIdsOf(entry: Record<string, unknown>, key: 'from' | 'to'): string {
  const side = entry[key] as { id?: unknown } | undefined;
  if (!side || side.id === undefined) throw validationError(`${key}.id is required`);
  return String(side.id);
}

export function typeIdsOf(raw: unknown): number[] {
  if (!Array.isArray(raw)) throw validationError('types is required');
  return (raw as Array<Record<string, unknown>>).map((spec) => {
    const typeId = Number(spec.associationTypeId);
    if (!Number.isInteger(typeId)) throw validationError('associationTypeId must be an integer');
    return typeId;
  });
}
