import {
  CHILD_TO_PARENT_COMPANY,
  COMPANY_TO_COMPANY_UNLABELED,
  COMPANY_TO_DEAL_PRIMARY,
  COMPANY_TO_DEAL_UNLABELED,
  DEAL_TO_COMPANY_PRIMARY,
  DEAL_TO_COMPANY_UNLABELED,
  PARENT_TO_CHILD_COMPANY,
} from '../../demo/demo-portal.ts';
import { conflictError, notFoundError, validationError } from '../errors.ts';
import type { CrmObjectType } from '../properties.ts';

export type AssociationCategory = 'HUBSPOT_DEFINED' | 'USER_DEFINED' | 'INTEGRATOR_DEFINED';

export interface AssociationTypeDefinition {
  fromType: CrmObjectType;
  toType: CrmObjectType;
  typeId: number;
  category: AssociationCategory;
  /** Null for the unlabeled default association. */
  label: string | null;
  name: string | null;
  inverseTypeId: number;
}

export const pairKey = (from: CrmObjectType, to: CrmObjectType) => `${from}->${to}`;

/**
 * The association types of a portal per object pair: HubSpot's own (the unlabeled default, Primary, parent/child
 * company) and the labels users define, each with its inverse. Label type ids are handed out from 1000 up.
 */
export class AssociationTypes {
  private readonly byPair = new Map<string, Map<number, AssociationTypeDefinition>>();
  private nextLabelTypeId = 1000;

  constructor() {
    for (const [fromType, toType, typeId, label, name, inverseTypeId] of [
      ['deals', 'companies', DEAL_TO_COMPANY_UNLABELED, null, null, COMPANY_TO_DEAL_UNLABELED],
      ['deals', 'companies', DEAL_TO_COMPANY_PRIMARY, 'Primary', 'deal_to_company', COMPANY_TO_DEAL_PRIMARY],
      ['companies', 'deals', COMPANY_TO_DEAL_UNLABELED, null, null, DEAL_TO_COMPANY_UNLABELED],
      ['companies', 'deals', COMPANY_TO_DEAL_PRIMARY, 'Primary', 'company_to_deal', DEAL_TO_COMPANY_PRIMARY],
      // Company↔company: the unlabeled link (one id both ways) and the parent/child pair HubSpot defines.
      ['companies', 'companies', COMPANY_TO_COMPANY_UNLABELED, null, null, COMPANY_TO_COMPANY_UNLABELED],
      [
        'companies',
        'companies',
        PARENT_TO_CHILD_COMPANY,
        'Child Company',
        'parent_to_child_company',
        CHILD_TO_PARENT_COMPANY,
      ],
      [
        'companies',
        'companies',
        CHILD_TO_PARENT_COMPANY,
        'Parent Company',
        'child_to_parent_company',
        PARENT_TO_CHILD_COMPANY,
      ],
    ] as const) {
      this.define({ fromType, toType, typeId, category: 'HUBSPOT_DEFINED', label, name, inverseTypeId });
    }
  }

  /** Adds a type as it is (built-ins, seeded labels); new labels get ids above every user-defined one. */
  define(definition: AssociationTypeDefinition): void {
    const key = pairKey(definition.fromType, definition.toType);
    let types = this.byPair.get(key);
    if (!types) {
      types = new Map();
      this.byPair.set(key, types);
    }
    types.set(definition.typeId, definition);
    if (definition.category === 'USER_DEFINED') {
      this.nextLabelTypeId = Math.max(this.nextLabelTypeId, definition.typeId + 1);
    }
  }

  of(fromType: CrmObjectType, toType: CrmObjectType): AssociationTypeDefinition[] {
    return [...(this.byPair.get(pairKey(fromType, toType))?.values() ?? [])];
  }

  get(fromType: CrmObjectType, toType: CrmObjectType, typeId: number): AssociationTypeDefinition | undefined {
    return this.byPair.get(pairKey(fromType, toType))?.get(typeId);
  }

  /** The unlabeled default type for a pair (341 deal→company, 342 company→deal). */
  defaultTypeId(fromType: CrmObjectType, toType: CrmObjectType): number {
    const unlabeled = this.of(fromType, toType).find(
      (type) => type.category === 'HUBSPOT_DEFINED' && type.label === null,
    );
    if (!unlabeled) throw validationError(`No association type exists between ${fromType} and ${toType}`);
    return unlabeled.typeId;
  }

  isPrimary(fromType: CrmObjectType, toType: CrmObjectType, typeId: number): boolean {
    const type = this.get(fromType, toType, typeId);
    return type?.category === 'HUBSPOT_DEFINED' && type.label === 'Primary';
  }

  /** 400 unless every id is a type of the pair. */
  checkTypeIds(fromType: CrmObjectType, toType: CrmObjectType, typeIds: readonly number[]): void {
    for (const typeId of typeIds) {
      if (!this.get(fromType, toType, typeId)) {
        throw validationError(`${typeId} is not a valid association type id between ${fromType} and ${toType}`);
      }
    }
  }

  createLabel(
    fromType: CrmObjectType,
    toType: CrmObjectType,
    input: { name: string; label: string; inverseLabel?: string | undefined },
  ): AssociationTypeDefinition[] {
    const existing = this.of(fromType, toType).find((type) => type.name === input.name);
    if (existing) throw conflictError(`An association label named '${input.name}' already exists.`);
    const typeId = this.nextLabelTypeId++;
    if (input.inverseLabel === undefined) {
      const created: AssociationTypeDefinition = {
        fromType,
        toType,
        typeId,
        category: 'USER_DEFINED',
        label: input.label,
        name: input.name,
        inverseTypeId: typeId,
      };
      this.define(created);
      if (fromType !== toType) this.define({ ...created, fromType: toType, toType: fromType });
      return [created];
    }
    const inverseTypeId = this.nextLabelTypeId++;
    const forward: AssociationTypeDefinition = {
      fromType,
      toType,
      typeId,
      category: 'USER_DEFINED',
      label: input.label,
      name: input.name,
      inverseTypeId,
    };
    const backward: AssociationTypeDefinition = {
      fromType: toType,
      toType: fromType,
      typeId: inverseTypeId,
      category: 'USER_DEFINED',
      label: input.inverseLabel,
      name: `${input.name}_inverse`,
      inverseTypeId: typeId,
    };
    this.define(forward);
    this.define(backward);
    return [forward, backward];
  }

  updateLabel(
    fromType: CrmObjectType,
    toType: CrmObjectType,
    typeId: number,
    label: string,
    inverseLabel?: string,
  ): void {
    const type = this.requireLabel(fromType, toType, typeId);
    type.label = label;
    const inverse = this.get(toType, fromType, type.inverseTypeId);
    if (inverse) inverse.label = inverseLabel ?? (inverse.typeId === typeId ? label : inverse.label);
  }

  /** Deletes a user-defined label and its inverse; returns it (the links that carry it must drop it too). */
  deleteLabel(fromType: CrmObjectType, toType: CrmObjectType, typeId: number): AssociationTypeDefinition {
    const type = this.requireLabel(fromType, toType, typeId);
    this.byPair.get(pairKey(fromType, toType))?.delete(typeId);
    this.byPair.get(pairKey(toType, fromType))?.delete(type.inverseTypeId);
    return type;
  }

  private requireLabel(fromType: CrmObjectType, toType: CrmObjectType, typeId: number): AssociationTypeDefinition {
    const type = this.get(fromType, toType, typeId);
    if (type?.category !== 'USER_DEFINED') throw notFoundError(`Association type ${typeId} not found`);
    return type;
  }
}
