import type { CrmObjectType } from '../properties.ts';
import { type AssociationTypes, pairKey } from './association-types.ts';
import type { ChangeActor, PortalChange } from './portal-changes.ts';

type Targets = Map<string, Set<number>>;

const NO_TARGETS: ReadonlyMap<string, ReadonlySet<number>> = new Map();

/**
 * The associations between records, stored in both directions (a labeled type on one side, its inverse on the
 * other), with HubSpot's rules: a labeled type implies the unlabeled one, removing the unlabeled one removes the whole
 * association, one primary company per deal. Every change made through the API is reported in both directions.
 */
export class AssociationLinks {
  /** pairKey → fromId → toId → type ids. */
  private readonly byPair = new Map<string, Map<string, Targets>>();

  constructor(
    private readonly types: AssociationTypes,
    private readonly emit: (change: PortalChange) => void,
  ) {}

  /** A record's links to `toType`: toId → type ids (archived targets included). */
  targetsOf(fromType: CrmObjectType, fromId: string, toType: CrmObjectType): ReadonlyMap<string, ReadonlySet<number>> {
    return this.targets(fromType, fromId, toType, false) ?? NO_TARGETS;
  }

  /** Adds type ids in both directions without events (seeding, merges). Labeled types imply the unlabeled one. */
  link(
    fromType: CrmObjectType,
    fromId: string,
    toType: CrmObjectType,
    toId: string,
    typeIds: readonly number[],
  ): number[] {
    const added: number[] = [];
    const forward = this.targets(fromType, fromId, toType, true);
    const backward = this.targets(toType, toId, fromType, true);
    let forwardSet = forward.get(toId);
    if (!forwardSet) {
      forwardSet = new Set();
      forward.set(toId, forwardSet);
    }
    let backwardSet = backward.get(fromId);
    if (!backwardSet) {
      backwardSet = new Set();
      backward.set(fromId, backwardSet);
    }
    const all = new Set(typeIds);
    if (typeIds.length > 0) all.add(this.types.defaultTypeId(fromType, toType));
    for (const typeId of all) {
      if (forwardSet.has(typeId)) continue;
      const type = this.types.get(fromType, toType, typeId);
      forwardSet.add(typeId);
      if (type) backwardSet.add(type.inverseTypeId);
      added.push(typeId);
    }
    return added;
  }

  /**
   * Associates two live records (the caller checked they exist) with the given types, moving the primary flag when
   * needed; returns every type id now between them.
   */
  associate(
    fromType: CrmObjectType,
    fromId: string,
    toType: CrmObjectType,
    toId: string,
    typeIds: readonly number[],
    actor: ChangeActor,
    at: number,
  ): number[] {
    this.types.checkTypeIds(fromType, toType, typeIds);
    for (const typeId of typeIds) {
      if (!this.types.isPrimary(fromType, toType, typeId)) continue;
      // One primary company per deal (and the inverse): the previous primary loses the flag.
      for (const [otherId, otherTypes] of this.targets(fromType, fromId, toType, true)) {
        if (otherId === toId || !otherTypes.has(typeId)) continue;
        this.removeTypes(fromType, fromId, toType, otherId, [typeId], actor, at);
      }
    }
    const added = this.link(fromType, fromId, toType, toId, typeIds);
    for (const typeId of added) this.emitAssociation(fromType, fromId, toType, toId, typeId, false, actor, at);
    return [...(this.targets(fromType, fromId, toType, true).get(toId) ?? [])];
  }

  /** Removes some types; removing the unlabeled default removes the whole association (HubSpot's rule). */
  removeTypes(
    fromType: CrmObjectType,
    fromId: string,
    toType: CrmObjectType,
    toId: string,
    typeIds: readonly number[],
    actor: ChangeActor,
    at: number,
  ): void {
    const defaultId = this.types.defaultTypeId(fromType, toType);
    if (typeIds.includes(defaultId)) {
      this.removeAll(fromType, fromId, toType, toId, actor, at);
      return;
    }
    const forward = this.targets(fromType, fromId, toType, false)?.get(toId);
    const backward = this.targets(toType, toId, fromType, false)?.get(fromId);
    for (const typeId of typeIds) {
      if (!forward?.delete(typeId)) continue;
      const type = this.types.get(fromType, toType, typeId);
      if (type) backward?.delete(type.inverseTypeId);
      this.emitAssociation(fromType, fromId, toType, toId, typeId, true, actor, at);
    }
  }

  removeAll(
    fromType: CrmObjectType,
    fromId: string,
    toType: CrmObjectType,
    toId: string,
    actor: ChangeActor,
    at: number,
  ): void {
    for (const typeId of this.unlinkAll(fromType, fromId, toType, toId)) {
      this.emitAssociation(fromType, fromId, toType, toId, typeId, true, actor, at);
    }
  }

  /**
   * A merge: the merged record's associations move to the survivor, without events (the merge event says it all).
   * A second primary is not carried over, and a link between the two merged records disappears.
   */
  moveAll(type: CrmObjectType, mergedId: string, survivorId: string): void {
    for (const toType of ['deals', 'companies'] as const) {
      const links = this.byPair.get(pairKey(type, toType))?.get(mergedId);
      if (!links) continue;
      for (const [toId, typeIds] of [...links]) {
        this.unlinkAll(type, mergedId, toType, toId);
        if (toId === survivorId) continue;
        const keep = [...typeIds].filter(
          (typeId) => !this.types.isPrimary(type, toType, typeId) || !this.hasPrimary(type, survivorId, toType),
        );
        this.link(type, survivorId, toType, toId, keep);
      }
    }
  }

  /** A deleted label (and its inverse) leaves every association it was on. */
  dropType(fromType: CrmObjectType, toType: CrmObjectType, typeId: number, inverseTypeId: number): void {
    for (const links of [this.byPair.get(pairKey(fromType, toType)), this.byPair.get(pairKey(toType, fromType))]) {
      for (const targets of links?.values() ?? []) {
        for (const typeIds of targets.values()) {
          typeIds.delete(typeId);
          typeIds.delete(inverseTypeId);
        }
      }
    }
  }

  private hasPrimary(fromType: CrmObjectType, fromId: string, toType: CrmObjectType): boolean {
    for (const typeIds of this.targets(fromType, fromId, toType, false)?.values() ?? []) {
      for (const typeId of typeIds) if (this.types.isPrimary(fromType, toType, typeId)) return true;
    }
    return false;
  }

  private unlinkAll(fromType: CrmObjectType, fromId: string, toType: CrmObjectType, toId: string): number[] {
    const forward = this.targets(fromType, fromId, toType, false);
    const removed = [...(forward?.get(toId) ?? [])];
    forward?.delete(toId);
    this.targets(toType, toId, fromType, false)?.delete(fromId);
    return removed;
  }

  private targets(fromType: CrmObjectType, fromId: string, toType: CrmObjectType, create: true): Targets;
  private targets(fromType: CrmObjectType, fromId: string, toType: CrmObjectType, create: false): Targets | undefined;
  private targets(fromType: CrmObjectType, fromId: string, toType: CrmObjectType, create: boolean) {
    const key = pairKey(fromType, toType);
    let byFrom = this.byPair.get(key);
    if (!byFrom) {
      if (!create) return undefined;
      byFrom = new Map();
      this.byPair.set(key, byFrom);
    }
    let targets = byFrom.get(fromId);
    if (!targets && create) {
      targets = new Map();
      byFrom.set(fromId, targets);
    }
    return targets;
  }

  /** One event per direction: subscribers to either object hear about it (each from its own side). */
  private emitAssociation(
    fromType: CrmObjectType,
    fromId: string,
    toType: CrmObjectType,
    toId: string,
    typeId: number,
    removed: boolean,
    actor: ChangeActor,
    at: number,
  ): void {
    const type = this.types.get(fromType, toType, typeId);
    const category = type?.category ?? 'HUBSPOT_DEFINED';
    const isPrimary = this.types.isPrimary(fromType, toType, typeId);
    this.emit({
      kind: 'associationChange',
      fromType,
      fromId,
      toType,
      toId,
      typeId,
      category,
      removed,
      isPrimary,
      actor,
      at,
    });
    if (!type) return;
    this.emit({
      kind: 'associationChange',
      fromType: toType,
      fromId: toId,
      toType: fromType,
      toId: fromId,
      typeId: type.inverseTypeId,
      category,
      removed,
      isPrimary,
      actor,
      at,
    });
  }
}
