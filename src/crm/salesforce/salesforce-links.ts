import { InvalidInputError } from '../../shared/errors.ts';
import type { RecordLinks } from '../crm-connector.ts';
import { SALESFORCE_OBJECT_OF } from './salesforce-fields.ts';

/**
 * Where a Salesforce record opens for a user: the Lightning record page `/lightning/r/{Object}/{id}/view` on the org's
 * instance URL (the `instance_url` of the token response, e.g. `https://acme.my.salesforce.com`). The instance domain
 * redirects to the org's Lightning domain, so no domain is guessed here. One place for the URL shape the card, the
 * operator lists and exports use.
 */
export function salesforceRecordLinks(instanceUrl: string): RecordLinks {
  let origin: string;
  try {
    const url = new URL(instanceUrl);
    // http only for a local stand-in; a real org is always https.
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(url.protocol);
    origin = url.origin;
  } catch (cause) {
    throw new InvalidInputError(`"${instanceUrl.slice(0, 80)}" is not a Salesforce instance URL`, { cause });
  }
  const page = (object: string) => (id: string) => `${origin}/lightning/r/${object}/${encodeURIComponent(id)}/view`;
  return { deal: page(SALESFORCE_OBJECT_OF.deal), partner: page(SALESFORCE_OBJECT_OF.partner) };
}
