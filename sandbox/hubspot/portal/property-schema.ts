import { notFoundError, SandboxHttpError, validationError } from '../errors.ts';
import type { PropertyDefinition, PropertyGroupDefinition } from '../properties.ts';

/**
 * The property definitions and groups of one object type, changed the way the properties API changes them: names are
 * checked, HubSpot's own properties keep their type and cannot be archived, and archived ones read as missing.
 */
export class PropertySchema {
  readonly definitions = new Map<string, PropertyDefinition>();
  readonly groups = new Map<string, PropertyGroupDefinition>();

  constructor(definitions: Iterable<PropertyDefinition>, groups: Iterable<PropertyGroupDefinition>) {
    this.define(definitions, groups);
  }

  /** Adds definitions and groups as they are (built-ins, seed data), without the API's checks. */
  define(definitions: Iterable<PropertyDefinition>, groups: Iterable<PropertyGroupDefinition>): void {
    for (const group of groups) this.groups.set(group.name, group);
    for (const definition of definitions) this.definitions.set(definition.name, definition);
  }

  createProperty(definition: PropertyDefinition): PropertyDefinition {
    const existing = this.definitions.get(definition.name);
    if (existing && !existing.archived) {
      throw new SandboxHttpError(409, {
        message: `A property named '${definition.name}' already exists.`,
        category: 'OBJECT_ALREADY_EXISTS',
        context: { name: [definition.name] },
      });
    }
    if (!this.groups.has(definition.groupName)) {
      throw validationError(`Property group '${definition.groupName}' does not exist.`);
    }
    if (!/^[a-z][a-z0-9_]*$/.test(definition.name)) {
      throw validationError(
        `Property name '${definition.name}' must start with a letter and contain only lower-case letters, digits and underscores.`,
      );
    }
    this.definitions.set(definition.name, definition);
    return definition;
  }

  updateProperty(name: string, patch: Partial<PropertyDefinition>, at: number): PropertyDefinition {
    const definition = this.requireProperty(name);
    if (definition.hubspotDefined && (patch.type || patch.fieldType)) {
      throw validationError(`Property '${name}' is defined by HubSpot; its type cannot change.`);
    }
    Object.assign(definition, patch, { updatedAt: at });
    return definition;
  }

  archiveProperty(name: string, at: number): void {
    const definition = this.requireProperty(name);
    if (definition.hubspotDefined)
      throw validationError(`Property '${name}' is defined by HubSpot and cannot be archived.`);
    definition.archived = true;
    definition.updatedAt = at;
  }

  requireProperty(name: string): PropertyDefinition {
    const definition = this.definitions.get(name);
    if (!definition || definition.archived) throw notFoundError(`Unable to find property ${name}`, { name: [name] });
    return definition;
  }

  createGroup(group: PropertyGroupDefinition): PropertyGroupDefinition {
    const existing = this.groups.get(group.name);
    if (existing && !existing.archived) {
      throw new SandboxHttpError(409, {
        message: `A property group named '${group.name}' already exists.`,
        category: 'OBJECT_ALREADY_EXISTS',
      });
    }
    this.groups.set(group.name, group);
    return group;
  }

  updateGroup(name: string, patch: Partial<PropertyGroupDefinition>): PropertyGroupDefinition {
    const group = this.requireGroup(name);
    if (patch.label !== undefined) group.label = patch.label;
    if (patch.displayOrder !== undefined) group.displayOrder = patch.displayOrder;
    return group;
  }

  archiveGroup(name: string): void {
    this.requireGroup(name).archived = true;
  }

  requireGroup(name: string): PropertyGroupDefinition {
    const group = this.groups.get(name);
    if (!group || group.archived) throw notFoundError(`Unable to find property group ${name}`);
    return group;
  }
}
