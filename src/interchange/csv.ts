import { InvalidInputError } from '../shared/errors.ts';

/**
 * How a flat CSV cell becomes a typed value before schema validation:
 * - `number`, `boolean`: parsed; an empty cell is missing.
 * - `list`: a JSON array, or values separated by `;` or `|`.
 * - `partners`: a JSON array of {partnerId, role, splitPct?}, or `partnerId:role[:splitPct]` separated by `;`.
 * Columns named with dots (`account.id`) nest. Empty cells are left out, so optional fields take their defaults.
 */
export type CsvColumnKind = 'number' | 'boolean' | 'list' | 'partners';

/** Splits one CSV record (RFC 4180 quoting); undefined when a quoted cell is still open (continues next line). */
export function splitCsvRecord(text: string): string[] | undefined {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (quoted) {
      if (char === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 1;
        } else {
          quoted = false;
        }
      } else {
        cell += char;
      }
    } else if (char === '"' && cell.trim() === '') {
      quoted = true;
      cell = '';
    } else if (char === ',') {
      cells.push(cell);
      cell = '';
    } else {
      cell += char;
    }
  }
  if (quoted) return undefined;
  cells.push(cell);
  return cells;
}

export function unflattenCsvRow(
  header: readonly string[],
  cells: readonly string[],
  columns: Readonly<Record<string, CsvColumnKind>>,
): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  header.forEach((name, index) => {
    const cell = (cells[index] ?? '').trim();
    if (cell === '' || name === '') return;
    const kind = columns[name];
    const value = kind ? convertCell(name, cell, kind) : cell;
    setPath(row, name.split('.'), value);
  });
  return row;
}

function convertCell(name: string, cell: string, kind: CsvColumnKind): unknown {
  switch (kind) {
    case 'number': {
      const value = Number(cell.replace(/[_\s]/g, ''));
      if (!Number.isFinite(value)) throw new InvalidInputError(`${name}: expected a number, got "${cell}"`);
      return value;
    }
    case 'boolean': {
      const lower = cell.toLowerCase();
      if (['true', '1', 'yes', 'y'].includes(lower)) return true;
      if (['false', '0', 'no', 'n'].includes(lower)) return false;
      throw new InvalidInputError(`${name}: expected true or false, got "${cell}"`);
    }
    case 'list':
      return cell.startsWith('[') ? parseJsonCell(name, cell) : splitList(cell);
    case 'partners':
      return cell.startsWith('[')
        ? parseJsonCell(name, cell)
        : splitList(cell).map((entry) => partnerEntry(name, entry));
  }
}

function splitList(cell: string): string[] {
  return cell
    .split(/[;|]/)
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

function partnerEntry(name: string, entry: string): Record<string, unknown> {
  const [partnerId, role, split, ...rest] = entry.split(':').map((part) => part.trim());
  if (!partnerId || !role || rest.length > 0) {
    throw new InvalidInputError(`${name}: expected partnerId:role[:splitPct], got "${entry}"`);
  }
  if (split === undefined || split === '') return { partnerId, role };
  const splitPct = Number(split);
  if (!Number.isFinite(splitPct)) throw new InvalidInputError(`${name}: split of "${entry}" is not a number`);
  return { partnerId, role, splitPct };
}

function parseJsonCell(name: string, cell: string): unknown {
  try {
    return JSON.parse(cell);
  } catch (error) {
    throw new InvalidInputError(`${name}: not a valid JSON array`, { cause: error });
  }
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  const child = target[head];
  const next: Record<string, unknown> =
    typeof child === 'object' && child !== null ? (child as Record<string, unknown>) : {};
  target[head] = next;
  setPath(next, rest, value);
}
