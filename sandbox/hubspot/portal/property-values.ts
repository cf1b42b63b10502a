import type { DemoPipeline } from '../../demo/demo-portal.ts';
import { type PropertyProblem, propertyValuesError } from '../errors.ts';
import type { CrmObjectType, PropertyDefinition } from '../properties.ts';
import type { StoredRecord } from './object-table.ts';

/**
 * Property values as HubSpot checks and calculates them: the input of a write converted to stored strings (or
 * refused, every problem at once), and the properties HubSpot derives on every write.
 */

export type PropertyInput = Readonly<Record<string, unknown>>;

/** What a value is checked against: the object type's definitions and the portal's deal pipelines. */
export interface ValueRules {
  type: CrmObjectType;
  definitions: ReadonlyMap<string, PropertyDefinition>;
  pipelines: readonly DemoPipeline[];
}

/**
 * Checks and converts input values the way HubSpot does (strings; empty string clears; unknown, read-only or
 * invalid values are refused all together with one 400 listing each problem).
 */
export function normalizeProperties(
  rules: ValueRules,
  input: PropertyInput,
  context: { current?: StoredRecord; creating: boolean },
): Record<string, string | null> {
  const problems: PropertyProblem[] = [];
  const output: Record<string, string | null> = {};
  for (const [name, raw] of Object.entries(input)) {
    const definition = rules.definitions.get(name);
    if (!definition || definition.archived) {
      problems.push({ name, error: 'PROPERTY_DOESNT_EXIST', message: `Property "${name}" does not exist` });
      continue;
    }
    if (definition.readOnlyValue && !(context.creating && name === 'createdate')) {
      problems.push({
        name,
        error: 'READ_ONLY_VALUE',
        message: `${name} is a read only property; its value cannot be set.`,
      });
      continue;
    }
    if (raw === null || raw === '') {
      output[name] = null;
      continue;
    }
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      problems.push({ name, error: 'INVALID_PROPERTY_VALUE', message: `Property "${name}" must be a string value` });
      continue;
    }
    const value = String(raw);
    const problem = checkValue(rules, definition, value, input, context.current);
    if (typeof problem === 'object') problems.push(problem);
    else output[name] = problem;
  }
  if (problems.length > 0) throw propertyValuesError(problems);
  return output;
}

/** The properties HubSpot keeps on every accepted write: the modification date, and a deal's closed flags. */
export function applyCalculated(
  type: CrmObjectType,
  pipelines: readonly DemoPipeline[],
  record: StoredRecord,
  at: number,
): void {
  record.properties.hs_lastmodifieddate = new Date(at).toISOString();
  record.updatedAt = at;
  if (type !== 'deals') return;
  const pipeline = pipelines.find((candidate) => candidate.id === (record.properties.pipeline ?? 'default'));
  const stage = pipeline?.stages.find((candidate) => candidate.id === record.properties.dealstage);
  if (stage) {
    record.properties.hs_is_closed = String(stage.isClosed);
    record.properties.hs_is_closed_won = String(stage.isWon);
  }
}

/** Returns the normalized value, or the problem. */
function checkValue(
  rules: ValueRules,
  definition: PropertyDefinition,
  value: string,
  input: PropertyInput,
  current?: StoredRecord,
): string | PropertyProblem {
  const name = definition.name;
  switch (definition.type) {
    case 'number': {
      const number = Number(value);
      if (value.trim() === '' || !Number.isFinite(number)) {
        return { name, error: 'INVALID_FLOAT', message: `${value} was not a valid number.` };
      }
      return value.trim();
    }
    case 'bool':
      if (!['true', 'false'].includes(value.toLowerCase())) {
        return { name, error: 'INVALID_BOOLEAN', message: `${value} was not a valid boolean (true or false).` };
      }
      return value.toLowerCase();
    case 'date':
    case 'datetime': {
      const ms = /^-?\d+$/.test(value) ? Number(value) : Date.parse(value);
      if (Number.isNaN(ms))
        return { name, error: 'INVALID_DATE', message: `${value} was not a valid date or timestamp.` };
      if (definition.type === 'date') {
        if (ms % 86_400_000 !== 0 && /^-?\d+$/.test(value)) {
          return {
            name,
            error: 'INVALID_DATE',
            message: `${value} is not midnight UTC; date properties take whole days.`,
          };
        }
        return new Date(ms).toISOString().slice(0, 10);
      }
      return new Date(ms).toISOString();
    }
    case 'enumeration': {
      if (rules.type === 'deals' && name === 'dealstage') return checkStage(rules.pipelines, value, input, current);
      if (rules.type === 'deals' && name === 'pipeline') {
        return rules.pipelines.length === 0 || rules.pipelines.some((pipeline) => pipeline.id === value)
          ? value
          : { name, error: 'INVALID_OPTION', message: `${value} is not a valid pipeline.` };
      }
      if (definition.options.length === 0) return value;
      const allowed = new Set(definition.options.map((option) => option.value));
      const parts = definition.fieldType === 'checkbox' ? value.split(';').filter(Boolean) : [value];
      const bad = parts.find((part) => !allowed.has(part));
      if (bad !== undefined) {
        return {
          name,
          error: 'INVALID_OPTION',
          message: `${bad} was not one of the allowed options: ${[...allowed].map((option) => `label: "${option}"`).join(', ')}`,
        };
      }
      return parts.join(';');
    }
    default:
      if (value.length > 65_536)
        return { name, error: 'INVALID_PROPERTY_VALUE', message: `${name} is longer than 65536 characters.` };
      return value;
  }
}

function checkStage(
  pipelines: readonly DemoPipeline[],
  stage: string,
  input: PropertyInput,
  current?: StoredRecord,
): string | PropertyProblem {
  if (pipelines.length === 0) return stage;
  const pipelineId = String(input.pipeline ?? current?.properties.pipeline ?? 'default');
  const pipeline = pipelines.find((candidate) => candidate.id === pipelineId);
  if (!pipeline?.stages.some((candidate) => candidate.id === stage)) {
    return {
      name: 'dealstage',
      error: 'INVALID_OPTION',
      message: `${stage} is not a valid stage of pipeline ${pipelineId}.`,
    };
  }
  return stage;
}
