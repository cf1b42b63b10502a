import type { SeededRandom } from '../../src/shared/seeded-random.ts';
import type { DuplicateMechanism, HardNegativeType } from './anomaly-kinds.ts';
import { type DemoTruth, PRODUCTS } from './demo-catalogue.ts';
import type { DealBook, DealDraft } from './demo-deals.ts';
import { roundAmount } from './demo-deals.ts';
import { DAY_MS as DAY, iso, startOfDay } from './demo-history.ts';
import type { Roster } from './demo-roster.ts';

/**
 * The third step of the demo portal: the anomalies the dedupe engine must sort out, each written into the truth.
 * `duplicateOf` records a deal again the way CRMs get duplicates (a colleague re-enters it, the partner registers it
 * twice, a rival partner registers it, an import copies it); `hardNegativeOf` makes a deal that looks like one but is
 * a different buying event (next year's renewal, another product, a later expansion, the namesake or subsidiary of
 * the customer), which must stay apart.
 */
export class DuplicateSeeder {
  readonly #dice: SeededRandom;
  readonly #book: DealBook;
  readonly #roster: Roster;
  readonly #asOfMs: number;
  readonly #truth: DemoTruth;
  /** The cluster of each deal id that has a duplicate (its original and its copies share one). */
  readonly #clusters = new Map<string, { ids: string[]; kind: DuplicateMechanism }>();

  constructor(dice: SeededRandom, book: DealBook, roster: Roster, asOfMs: number, truth: DemoTruth) {
    this.#dice = dice;
    this.#book = book;
    this.#roster = roster;
    this.#asOfMs = asOfMs;
    this.#truth = truth;
  }

  /** Another record of `original`'s buying event, entered by one of the four duplicate mechanisms. */
  duplicateOf(original: DealDraft): DealDraft {
    const dice = this.#dice;
    const asOfMs = this.#asOfMs;
    const { owners, partners } = this.#roster;
    const source = original.record.properties;
    const sourced = original.partners.find((entry) => entry.role === 'sourced')?.partner;
    const kind = dice.weighted<DuplicateMechanism>([
      ['reentry', 0.35],
      ['double_registration', sourced ? 0.2 : 0],
      ['registration_conflict', 0.2],
      ['import_copy', 0.25],
    ]);
    const createdAt = Math.min(
      asOfMs - DAY,
      original.record.createdAt + dice.int(0, 21) * DAY + dice.int(0, 86_399) * 1000,
    );
    const properties: Record<string, string> = { ...source };
    for (const key of ['createdate', 'hs_lastmodifieddate', 'hs_object_id']) delete properties[key];
    let partnersOfCopy: DealDraft['partners'] = original.partners.map((entry) => ({ ...entry }));
    const shiftClose = (days: number) => {
      const closedate = source.closedate ? Date.parse(source.closedate) : asOfMs;
      properties.closedate = iso(startOfDay(closedate + days * DAY));
    };
    const jitterAmount = (spread: number) => {
      if (source.amount)
        properties.amount = String(roundAmount(Number(source.amount) * (1 + (dice.next() * 2 - 1) * spread)));
    };
    switch (kind) {
      case 'reentry': {
        // Re-entered by a colleague of the same territory, who did not see the first one.
        const other = owners.filter(
          (owner) => owner.id !== source.hubspot_owner_id && owner.region === original.customer.region,
        );
        properties.hubspot_owner_id = dice.pick(other.length > 0 ? other : owners).id;
        properties.dealname = nameVariant(dice, source.dealname ?? original.customer.short);
        jitterAmount(0.05);
        shiftClose(dice.int(-14, 14));
        if (dice.chance(0.5)) partnersOfCopy = [];
        break;
      }
      case 'double_registration': {
        properties.dealname = nameVariant(dice, source.dealname ?? original.customer.short);
        if (sourced) this.#book.register(properties, sourced, createdAt, 'pending');
        partnersOfCopy = sourced ? [{ partner: sourced, role: 'sourced' }] : partnersOfCopy;
        break;
      }
      case 'registration_conflict': {
        const rival = this.#book.pickPartner(createdAt, sourced) ?? partners[0];
        properties.dealname = nameVariant(dice, source.dealname ?? original.customer.short);
        jitterAmount(0.1);
        shiftClose(dice.int(-30, 30));
        if (rival) {
          this.#book.register(properties, rival, createdAt, dice.chance(0.5) ? 'pending' : 'approved');
          partnersOfCopy = [{ partner: rival, role: 'sourced' }];
          properties.lead_source = 'partner';
        }
        break;
      }
      case 'import_copy': {
        properties.dealname = dice.chance(0.5)
          ? (source.dealname ?? '').toUpperCase()
          : `${source.dealname ?? ''}${dice.pick([' (1)', ' - copy', '  ', ' (import)'])}`;
        break;
      }
    }
    // Keep the copy's dates consistent: a closed deal closes between its creation and the as-of day, an open one later.
    if (properties.closedate) {
      const closeAt = Date.parse(properties.closedate);
      const [earliest, latest] =
        properties.hs_is_closed === 'true' ? [startOfDay(createdAt), asOfMs - DAY] : [asOfMs, Number.POSITIVE_INFINITY];
      properties.closedate = iso(Math.min(latest, Math.max(earliest, closeAt)));
    }
    const copy = this.#book.draft(
      properties,
      createdAt,
      createdAt,
      original.customer,
      original.segment,
      partnersOfCopy,
    );
    this.#recordDuplicate(original, copy, kind);
    return copy;
  }

  /** A look-alike of `original` that is not a duplicate; twin-company kinds first add a deal of their own. */
  hardNegativeOf(original: DealDraft, room: number): DealDraft | undefined {
    const dice = this.#dice;
    const asOfMs = this.#asOfMs;
    const book = this.#book;
    const source = original.record.properties;
    const kind = dice.weighted<HardNegativeType>([
      ['renewal_other_year', 0.3],
      ['concurrent_products', 0.25],
      ['repeat_expansion', 0.25],
      ['namesake', 0.1],
      ['subsidiary', 0.1],
    ]);
    const owner = this.#roster.owners.find((candidate) => candidate.id === source.hubspot_owner_id);
    // A follow-up that would fall after the as-of day has not happened yet.
    const later = (days: number): number | undefined => {
      const at = original.record.createdAt + days * DAY;
      return at < asOfMs - DAY ? at : undefined;
    };
    let related: DealDraft;
    switch (kind) {
      case 'renewal_other_year': {
        const createdAt = later(dice.int(330, 400));
        if (createdAt === undefined) return undefined;
        related = book.fresh({
          customer: original.customer,
          createdAt,
          dealtype: 'renewal',
          products: (source.products ?? 'core_platform').split(';'),
          segment: original.segment,
          ...(owner ? { owner } : {}),
        });
        break;
      }
      case 'concurrent_products': {
        const used = new Set((source.products ?? '').split(';'));
        const other = PRODUCTS.map(([value]) => value).filter((value) => !used.has(value));
        related = book.fresh({
          customer: original.customer,
          createdAt: original.record.createdAt + dice.int(0, 5) * DAY,
          products: [dice.pick(other.length > 0 ? other : ['support_plus'])],
          segment: original.segment,
          ...(owner ? { owner } : {}),
        });
        break;
      }
      case 'repeat_expansion': {
        const createdAt = later(dice.int(90, 200));
        if (createdAt === undefined) return undefined;
        related = book.fresh({
          customer: original.customer,
          createdAt,
          dealtype: 'existingbusiness',
          products: (source.products ?? 'core_platform').split(';'),
          segment: original.segment,
          ...(owner ? { owner } : {}),
        });
        break;
      }
      case 'namesake':
      case 'subsidiary': {
        const pairs = this.#roster.lookalikes.filter((pair) => pair.kind === kind);
        if (pairs.length === 0 || room < 2) return undefined;
        const pair = dice.pick(pairs);
        const products = (source.products ?? 'core_platform').split(';');
        const first = book.add(
          book.fresh({
            customer: pair.original,
            createdAt: original.record.createdAt,
            products,
            segment: original.segment,
          }),
        );
        related = book.fresh({
          customer: pair.twin,
          createdAt: first.record.createdAt + dice.int(0, 20) * DAY,
          products,
          segment: first.segment,
        });
        this.#truth.hardNegatives.push({ ids: [first.record.id, related.record.id], kind });
        return related;
      }
    }
    this.#truth.hardNegatives.push({ ids: [original.record.id, related.record.id], kind });
    return related;
  }

  #recordDuplicate(original: DealDraft, copy: DealDraft, kind: DuplicateMechanism): void {
    let cluster = this.#clusters.get(original.record.id);
    if (!cluster) {
      cluster = { ids: [original.record.id], kind };
      this.#clusters.set(original.record.id, cluster);
      this.#truth.duplicates.push(cluster);
    }
    cluster.ids.push(copy.record.id);
    this.#clusters.set(copy.record.id, cluster);
  }
}

/** How the same deal gets re-typed by another person: case, punctuation, abbreviations, word order. */
function nameVariant(dice: SeededRandom, name: string): string {
  const variants = [
    () => name.toLowerCase(),
    () => name.replace(' - ', ' – '),
    () => name.replace(' - ', ': '),
    () => {
      const dash = name.indexOf(' - ');
      return dash === -1 ? `${name} deal` : `${name.slice(0, dash)} ${name.slice(dash + 3)} deal`;
    },
    () => `${name} (new)`,
    () => name.replace(/\b(\w)\w+\b/, '$1.'),
    () => name.replace(/\s+/g, '  '),
  ];
  return dice.pick(variants)();
}
