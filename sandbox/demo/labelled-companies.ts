import type { SeededRandom } from '../../src/shared/seeded-random.ts';
import {
  type Country,
  FIRST_WORDS,
  FORM_VARIANTS,
  fold,
  INDUSTRY_WORDS,
  SYLLABLES,
  typo,
} from './labelled-catalogue.ts';

/**
 * The companies of the labelled dedupe world (labelled-deals.ts) and the people around them: sellers and partners per
 * region, names that are unique once case and accents are folded, domains, and the second company records CRMs
 * collect for one company (another id, a misspelt or re-suffixed name, the domain sometimes lost).
 */
export interface Company {
  id: string;
  /** Name as on the company record, legal form included. */
  name: string;
  /** How people refer to it in deal names ("Nova Systems"). */
  display: string;
  form: string;
  domain: string | null;
  country: Country;
  ownerId: string;
  partner: string;
}

const REGIONS = ['NA', 'EMEA', 'APAC', 'LATAM'];

export class CompanyDirectory {
  readonly #random: SeededRandom;
  readonly #usedCores = new Set<string>();
  readonly #usedDomains = new Set<string>();
  readonly #ownersByRegion = new Map<string, string[]>();
  readonly #partnersByRegion = new Map<string, string[]>();
  #nextAccount = 100_000;

  /** Sellers and partners scale with the world: at least 8 sellers and 12 partners, spread over the regions. */
  constructor(random: SeededRandom, deals: number) {
    this.#random = random;
    const owners = Math.max(8, Math.ceil(deals / 400));
    const partners = Math.max(12, Math.ceil(deals / 150));
    for (let i = 0; i < owners; i += 1) push(this.#ownersByRegion, REGIONS[i % 4] as string, `${1_000 + i}`);
    for (let i = 0; i < partners; i += 1) push(this.#partnersByRegion, REGIONS[i % 4] as string, `${500_000 + i}`);
  }

  /** A new company record with its seller and its usual partner, of the country's region. */
  company(country: Country, display: string, domainHint?: string): Company {
    // Plenty of company records carry no legal form at all.
    const form = this.#random.chance(0.25) ? '' : this.#random.pick(country.forms);
    const id = String(this.#nextAccount);
    this.#nextAccount += this.#random.int(1, 7);
    const region = country.region;
    return {
      id,
      name: form === '' ? display : `${display} ${form}`,
      display,
      form,
      domain: this.#random.chance(0.1) ? null : this.#domainFor(domainHint ?? display, country),
      country,
      ownerId: this.#random.pick(this.#ownersByRegion.get(region) ?? ['1000']),
      partner: this.#random.pick(this.#partnersByRegion.get(region) ?? ['500000']),
    };
  }

  /** A company name not used before (compared folded: case and accents do not make a new name). */
  freshDisplayName(country: Country): string {
    for (;;) {
      const style = this.#random.next();
      let name: string;
      if (style < 0.4) name = this.#coined(country);
      else if (style < 0.65) name = `${this.#coined(country)} ${this.#random.pick(INDUSTRY_WORDS)}`;
      else if (style < 0.9) name = `${this.#random.pick(FIRST_WORDS)} ${this.#random.pick(INDUSTRY_WORDS)}`;
      else name = `${this.#random.pick(FIRST_WORDS)} ${this.#coined(country)} ${this.#random.pick(INDUSTRY_WORDS)}`;
      const core = fold(name);
      if (!this.#usedCores.has(core)) {
        this.#usedCores.add(core);
        return name;
      }
    }
  }

  #coined(country: Country): string {
    const parts = this.#random.int(2, 3);
    let word = '';
    for (let i = 0; i < parts; i += 1) word += this.#random.pick(SYLLABLES);
    if (country.accents && this.#random.chance(0.35)) {
      const accents: Record<string, string> = { e: 'é', u: 'ü', o: 'ö', a: 'á', n: 'ñ' };
      const positions = [...word].flatMap((char, index) => (accents[char] ? [index] : []));
      if (positions.length > 0) {
        const at = this.#random.pick(positions);
        word = word.slice(0, at) + accents[word[at] as string] + word.slice(at + 1);
      }
    }
    return word.charAt(0).toUpperCase() + word.slice(1);
  }

  /** A company name of its own, if nobody has it yet (a subsidiary's "Parent Qualifier"); false when taken. */
  claimName(display: string): boolean {
    const core = fold(display);
    if (this.#usedCores.has(core)) return false;
    this.#usedCores.add(core);
    return true;
  }

  #domainFor(name: string, country: Country): string {
    const base = fold(name).replace(/ /g, this.#random.chance(0.2) ? '-' : '');
    const tld = this.#random.chance(0.75) ? country.tld : this.#random.pick(['com', 'io', 'net', 'co']);
    let domain = `${base}.${tld}`;
    for (let n = 2; this.#usedDomains.has(domain); n += 1) domain = `${base}${n}.${tld}`;
    this.#usedDomains.add(domain);
    return domain;
  }

  /** Another company record for the same company (created by an import, a partner or a hurried seller). */
  duplicateRecord(company: Company, domainKept: number): Company {
    const id = String(this.#nextAccount);
    this.#nextAccount += this.#random.int(1, 7);
    const domain = company.domain !== null && this.#random.chance(domainKept) ? company.domain : null;
    return { ...company, id, name: this.#noisyName(company), domain };
  }

  #noisyName(company: Company): string {
    let display = company.display;
    let form: string = company.form;
    const roll = this.#random.next();
    if (roll < 0.35) form = this.#random.chance(0.3) ? '' : this.#random.pick(FORM_VARIANTS[form] ?? [form]);
    if (this.#random.chance(0.25)) display = typo(this.#random, display);
    if (this.#random.chance(0.3)) display = fold(display, true);
    let name = form === '' ? display : form.startsWith(',') ? `${display}${form}` : `${display} ${form}`;
    const casing = this.#random.next();
    if (casing < 0.12) name = name.toUpperCase();
    else if (casing < 0.2) name = name.toLowerCase();
    return name;
  }

  /** Any partner of the company's region. */
  anyPartner(company: Company): string {
    return this.#random.pick(this.#partnersByRegion.get(company.country.region) ?? [company.partner]);
  }

  /** A seller of the region, other than `not` when there is another. */
  ownerIn(region: string, not?: string): string {
    const owners = this.#ownersByRegion.get(region) ?? ['1000'];
    for (let i = 0; i < 10; i += 1) {
      const owner = this.#random.pick(owners);
      if (owner !== not) return owner;
    }
    return `${Number(not ?? '1000') + 1}`;
  }

  anyPartnerExcept(company: Company, partnerId: string): string {
    for (let i = 0; i < 10; i += 1) {
      const candidate = this.anyPartner(company);
      if (candidate !== partnerId) return candidate;
    }
    return String(Number(partnerId) + 1);
  }
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
