import type { CrmObjectType } from '../properties.ts';
import type { AssociationCategory } from './association-types.ts';

/** Who made a change, as webhooks report it (`changeSource`, `sourceId`). */
export interface ChangeActor {
  changeSource: string;
  sourceId: string;
}

/** What a write changed, as the portal reports it; the webhook dispatcher turns these into HubSpot webhook batches. */
export type PortalChange =
  | { kind: 'creation'; objectType: CrmObjectType; objectId: string; actor: ChangeActor; at: number }
  | { kind: 'deletion'; objectType: CrmObjectType; objectId: string; actor: ChangeActor; at: number }
  | {
      kind: 'propertyChange';
      objectType: CrmObjectType;
      objectId: string;
      propertyName: string;
      propertyValue: string;
      actor: ChangeActor;
      at: number;
    }
  | {
      kind: 'merge';
      objectType: CrmObjectType;
      primaryObjectId: string;
      mergedObjectIds: string[];
      newObjectId: string;
      numberOfPropertiesMoved: number;
      actor: ChangeActor;
      at: number;
    }
  | {
      kind: 'associationChange';
      fromType: CrmObjectType;
      fromId: string;
      toType: CrmObjectType;
      toId: string;
      typeId: number;
      category: AssociationCategory;
      removed: boolean;
      isPrimary: boolean;
      actor: ChangeActor;
      at: number;
    };
