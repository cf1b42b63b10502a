import { type Deal, dealSchema } from '../model/deal.ts';
import { type Partner, partnerSchema } from '../model/partner.ts';
import type { CsvColumnKind } from './csv.ts';
import { readAllRecords, readRecords } from './record-reader.ts';

export const DEAL_CSV_COLUMNS: Readonly<Record<string, CsvColumnKind>> = {
  amount: 'number',
  isClosed: 'boolean',
  isWon: 'boolean',
  products: 'list',
  partners: 'partners',
};

export const PARTNER_CSV_COLUMNS: Readonly<Record<string, CsvColumnKind>> = {};

export function streamDeals(path: string) {
  return readRecords(path, { schema: dealSchema, csvColumns: DEAL_CSV_COLUMNS });
}

export function readDeals(path: string): Promise<Deal[]> {
  return readAllRecords(path, { schema: dealSchema, csvColumns: DEAL_CSV_COLUMNS });
}

export function readPartners(path: string): Promise<Partner[]> {
  return readAllRecords(path, { schema: partnerSchema, csvColumns: PARTNER_CSV_COLUMNS });
}
