import { CRM_PROPERTIES, type CrmPropertyDefinition } from '../../src/model/crm-properties.ts';
import type { PartnerRole } from '../../src/model/deal.ts';
import { LOSS_REASONS } from '../demo/demo-catalogue.ts';
import {
  DEAL_TO_COMPANY_PRIMARY,
  type DemoPortal,
  LEAD_SOURCES,
  PARTNER_ROLE_LABELS,
  PRODUCTS,
  REGIONS,
} from '../demo/demo-portal.ts';
import type { StoredValue } from './org/field-values.ts';
import { type SalesforceOrg, type SaveResult, type StoredRecord, toSeconds } from './org/salesforce-org.ts';
import { DEFAULT_PICKLISTS, type StageSpec, type StandardPicklists } from './org/sobject-schema.ts';
import { createCustomField } from './org/tooling-metadata.ts';

/**
 * The Salesforce demo org: the HubSpot demo portal (sandbox/demo, same generator, same seed) told in Salesforce's
 * vocabulary, so both CRMs show the same partners, deals, duplicates and history. Mapping (HubSpot → Salesforce):
 *
 * - company → Account: name → Name, domain → Website (the bare domain, as HubSpot holds it), country →
 *   BillingCountry, industry → Industry, region → Region__c, pl_is_partner → PL_Is_Partner__c (checkbox),
 *   pl_partner_type → PL_Partner_Type__c; Type is "Channel Partner / Reseller" for partners, "Customer - Direct"
 *   otherwise; createdAt/updatedAt → CreatedDate / LastModifiedDate = SystemModstamp.
 * - owner (seller) → User (Username = the owner's email). The first seller (HubSpot user 9000001, the portal's super
 *   admin) has the "System Administrator" profile and is the demo user; the others are "Standard User"s.
 * - deal → Opportunity: dealname → Name, the primary company → AccountId, amount → Amount, closedate → CloseDate,
 *   pipeline + dealstage → StageName (one stage picklist holds both pipelines' stages; Salesforce keeps one per org,
 *   sales processes are not modelled) with IsClosed/IsWon from the stage, dealtype → Type (newbusiness → New
 *   Business, existingbusiness → Existing Business, renewal → Renewal, churn → Churn), lead_source → LeadSource (its
 *   label), hubspot_owner_id → OwnerId, deal_currency_code → CurrencyIsoCode (a multi-currency org), region →
 *   Region__c, products → Products__c (multi-select, same values), partner_registration_* →
 *   Partner_Registration_Id__c / _Status__c / _Partner__c (a lookup to the partner Account) / _Date__c,
 *   closed_lost_reason → Loss_Reason__c, createdAt → CreatedDate, updatedAt → LastModifiedDate = SystemModstamp.
 * - deal → partner company associations → rows of the junction `PL_Opportunity_Partner__c` (PL_Opportunity__c,
 *   PL_Partner__c, PL_Role__c = the association label's role, empty when the seller gave none — the attribution
 *   gap). The demo org starts un-provisioned, so these links wait in `partnerLinks` until provisioning has created
 *   the junction object and `seedPartnerLinks()` writes them.
 * - duplicates and look-alikes are deals like any other; `truth` keeps the HubSpot ids, `salesforceId` maps them.
 */

/** The junction object provisioning creates for multi-partner attribution (SPEC §2.6) and its fields. */
export const PARTNER_JUNCTION = {
  object: 'PL_Opportunity_Partner__c',
  opportunity: 'PL_Opportunity__c',
  partner: 'PL_Partner__c',
  role: 'PL_Role__c',
  splitPercent: 'PL_Split_Percent__c',
} as const;

export type PartnerJunctionNames = { -readonly [K in keyof typeof PARTNER_JUNCTION]: string };

export interface PartnerLink {
  opportunityId: string;
  partnerAccountId: string;
  role: PartnerRole | null;
  splitPercent: number | null;
}

export const DEMO_USER_PASSWORD = 'partnerloop-demo-1';

/** The org-level values the demo uses, in Salesforce terms. */
export function demoPicklists(demo: DemoPortal): StandardPicklists {
  const stages = new Map<string, StageSpec>();
  for (const pipeline of demo.pipelines) {
    for (const stage of pipeline.stages) {
      if (stages.has(stage.label)) continue;
      stages.set(stage.label, {
        label: stage.label,
        isClosed: stage.isClosed,
        isWon: stage.isWon,
        probability: Math.round(stage.probability * 100),
        forecastCategory: stage.isClosed
          ? stage.isWon
            ? 'Closed'
            : 'Omitted'
          : stage.probability >= 0.8
            ? 'Commit'
            : stage.probability >= 0.6
              ? 'Best Case'
              : 'Pipeline',
      });
    }
  }
  const currencies = new Set(['USD']);
  const industries = new Set<string>();
  for (const deal of demo.deals)
    if (deal.properties.deal_currency_code) currencies.add(deal.properties.deal_currency_code);
  for (const company of demo.companies) if (company.properties.industry) industries.add(company.properties.industry);
  return {
    ...DEFAULT_PICKLISTS,
    stages: [...stages.values()],
    industries: [...industries].sort(),
    opportunityTypes: Object.values(DEAL_TYPES),
    leadSources: LEAD_SOURCES.map(([, label]) => [label, label] as const),
    currencies: [...currencies].sort(),
    defaultCurrency: 'USD',
  };
}

const DEAL_TYPES: Readonly<Record<string, string>> = {
  newbusiness: 'New Business',
  existingbusiness: 'Existing Business',
  renewal: 'Renewal',
  churn: 'Churn',
};

const ROLE_BY_TYPE_ID = new Map(PARTNER_ROLE_LABELS.map((label) => [label.typeId, label.role]));

function picklistMetadata(values: ReadonlyArray<readonly [string, string]>, restricted = true) {
  return {
    restricted,
    valueSetDefinition: {
      sorted: false,
      value: values.map(([fullName, label]) => ({ fullName, label, default: false })),
    },
  };
}

function catalogueOptions(name: string): ReadonlyArray<readonly [string, string]> {
  const entry: CrmPropertyDefinition | undefined = CRM_PROPERTIES.find((property) => property.name === name);
  return entry?.options?.map((option) => [option.value, option.label] as const) ?? [];
}

/** The custom fields the demo org has before PartnerLoop is installed (the ones the HubSpot demo portal defines). */
function createDemoFields(org: SalesforceOrg): void {
  const regions = REGIONS.map((region) => [region, region] as const);
  const fields: Array<[string, Record<string, unknown>]> = [
    ['Account.Region__c', { type: 'Picklist', label: 'Region', valueSet: picklistMetadata(regions) }],
    ['Account.PL_Is_Partner__c', { type: 'Checkbox', label: 'Is partner', defaultValue: false }],
    [
      'Account.PL_Partner_Type__c',
      { type: 'Picklist', label: 'Partner type', valueSet: picklistMetadata(catalogueOptions('pl_partner_type')) },
    ],
    ['Opportunity.Region__c', { type: 'Picklist', label: 'Region', valueSet: picklistMetadata(regions) }],
    [
      'Opportunity.Products__c',
      { type: 'MultiselectPicklist', label: 'Products', visibleLines: 4, valueSet: picklistMetadata(PRODUCTS) },
    ],
    ['Opportunity.Partner_Registration_Id__c', { type: 'Text', label: 'Partner registration ID', length: 40 }],
    [
      'Opportunity.Partner_Registration_Status__c',
      {
        type: 'Picklist',
        label: 'Partner registration status',
        valueSet: picklistMetadata([
          ['pending', 'Pending'],
          ['approved', 'Approved'],
          ['rejected', 'Rejected'],
        ]),
      },
    ],
    [
      'Opportunity.Partner_Registration_Partner__c',
      {
        type: 'Lookup',
        label: 'Registering partner',
        referenceTo: 'Account',
        relationshipName: 'Partner_Registration_Partner',
        deleteConstraint: 'SetNull',
      },
    ],
    ['Opportunity.Partner_Registration_Date__c', { type: 'Date', label: 'Partner registration date' }],
    [
      'Opportunity.Loss_Reason__c',
      {
        type: 'Picklist',
        label: 'Loss reason',
        valueSet: picklistMetadata(
          LOSS_REASONS.map((reason) => [reason, reason] as const),
          false,
        ),
      },
    ],
  ];
  for (const [fullName, metadata] of fields) createCustomField(org, { FullName: fullName, Metadata: metadata });
}

export interface SeededDemo {
  adminUserId: string;
  adminUsername: string;
  partnerLinks: PartnerLink[];
  /** HubSpot demo id (deal, company, owner) → Salesforce id. */
  salesforceIds: Map<string, string>;
}

/** Profiles every org has; the admin one shows who may change PartnerLoop's settings. */
export function seedProfiles(org: SalesforceOrg): { admin: string; standard: string } {
  const admin = org.ids.next('00e');
  const standard = org.ids.next('00e');
  org.load('Profile', [
    {
      Id: admin,
      Name: 'System Administrator',
      UserType: 'Standard',
      PermissionsModifyAllData: true,
      PermissionsViewAllData: true,
      PermissionsApiEnabled: true,
    },
    {
      Id: standard,
      Name: 'Standard User',
      UserType: 'Standard',
      PermissionsModifyAllData: false,
      PermissionsViewAllData: false,
      PermissionsApiEnabled: true,
    },
  ]);
  return { admin, standard };
}

/** An org without demo data still has its admin (the user who installs PartnerLoop). */
export function seedAdminOnly(org: SalesforceOrg, profiles: { admin: string }): { id: string; username: string } {
  const id = org.ids.next('005');
  const username = 'admin@demo-vendor.example';
  org.load('User', [
    {
      Id: id,
      Username: username,
      FirstName: 'Avery',
      LastName: 'Admin',
      Name: 'Avery Admin',
      Email: username,
      IsActive: true,
      ProfileId: profiles.admin,
      UserType: 'Standard',
    },
  ]);
  return { id, username };
}

/** Loads the demo portal into an org whose picklists came from `demoPicklists(demo)`. */
export function seedDemoOrg(
  org: SalesforceOrg,
  demo: DemoPortal,
  profiles: { admin: string; standard: string },
): SeededDemo {
  const ids = new Map<string, string>();
  const adminOwner = demo.owners.find((owner) => owner.userId === 9_000_001) ?? demo.owners[0];
  const users = demo.owners.map((owner): StoredRecord => {
    const id = org.ids.next('005');
    ids.set(owner.id, id);
    return {
      Id: id,
      Username: owner.email,
      FirstName: owner.firstName,
      LastName: owner.lastName,
      Name: `${owner.firstName} ${owner.lastName}`,
      Email: owner.email,
      IsActive: true,
      ProfileId: owner === adminOwner ? profiles.admin : profiles.standard,
      UserType: 'Standard',
      CreatedDate: Date.parse(`${demo.asOf}T00:00:00Z`) - 900 * 86_400_000,
    };
  });
  org.load('User', users);
  const adminUserId = adminOwner ? (ids.get(adminOwner.id) ?? '') : '';
  org.adminUserId = adminUserId;
  createDemoFields(org);

  const companies = new Map(demo.companies.map((company) => [company.id, company]));
  org.load(
    'Account',
    demo.companies.map((company): Record<string, StoredValue> => {
      const id = org.ids.next('001');
      ids.set(company.id, id);
      const p = company.properties;
      const partner = p.pl_is_partner === 'true';
      return {
        Id: id,
        Name: p.name ?? `Company ${company.id}`,
        Website: p.domain ?? null,
        BillingCountry: p.country ?? null,
        Industry: p.industry ?? null,
        Type: partner ? 'Channel Partner / Reseller' : 'Customer - Direct',
        Region__c: p.region ?? null,
        PL_Is_Partner__c: partner,
        PL_Partner_Type__c: p.pl_partner_type ?? null,
        CurrencyIsoCode: 'USD',
        OwnerId: adminUserId,
        CreatedById: adminUserId,
        LastModifiedById: adminUserId,
        CreatedDate: toSeconds(company.createdAt),
        LastModifiedDate: toSeconds(company.updatedAt),
        SystemModstamp: toSeconds(company.updatedAt),
      };
    }),
  );

  const stageLabels = new Map<string, string>();
  for (const pipeline of demo.pipelines) for (const stage of pipeline.stages) stageLabels.set(stage.id, stage.label);
  const leadSources = new Map(LEAD_SOURCES.map(([value, label]) => [value, label]));
  const links = new Map<string, Array<{ companyId: string; typeIds: number[] }>>();
  for (const association of demo.associations) {
    const list = links.get(association.dealId) ?? [];
    list.push({ companyId: association.companyId, typeIds: association.typeIds });
    links.set(association.dealId, list);
  }

  const partnerLinks: PartnerLink[] = [];
  org.load(
    'Opportunity',
    demo.deals.map((deal): Record<string, StoredValue> => {
      const id = org.ids.next('006');
      ids.set(deal.id, id);
      const p = deal.properties;
      const stageLabel = stageLabels.get(p.dealstage ?? '') ?? p.dealstage ?? '';
      const stage = org.stage(stageLabel);
      const owner = ids.get(p.hubspot_owner_id ?? '') ?? adminUserId;
      const dealLinks = links.get(deal.id) ?? [];
      const primary = dealLinks.find((link) => link.typeIds.includes(DEAL_TO_COMPANY_PRIMARY));
      for (const link of dealLinks) {
        if (link === primary || companies.get(link.companyId)?.properties.pl_is_partner !== 'true') continue;
        const partnerAccountId = ids.get(link.companyId);
        if (!partnerAccountId) continue;
        const roles = link.typeIds.flatMap((typeId) => ROLE_BY_TYPE_ID.get(typeId) ?? []);
        for (const role of roles.length > 0 ? roles : [null]) {
          partnerLinks.push({ opportunityId: id, partnerAccountId, role, splitPercent: null });
        }
      }
      const registrationPartner = p.partner_registration_partner_id;
      return {
        Id: id,
        Name: p.dealname ?? `Deal ${deal.id}`,
        AccountId: primary ? (ids.get(primary.companyId) ?? null) : null,
        Amount: p.amount === undefined ? null : Number(p.amount),
        CloseDate: p.closedate ? p.closedate.slice(0, 10) : null,
        StageName: stageLabel,
        IsClosed: stage?.isClosed ?? false,
        IsWon: stage?.isWon ?? false,
        Probability: stage?.probability ?? null,
        ForecastCategoryName: stage?.forecastCategory ?? 'Pipeline',
        Type: DEAL_TYPES[p.dealtype ?? ''] ?? null,
        LeadSource: p.lead_source ? (leadSources.get(p.lead_source) ?? p.lead_source) : null,
        CurrencyIsoCode: p.deal_currency_code ?? 'USD',
        Region__c: p.region ?? null,
        Products__c: p.products ? p.products : null,
        Partner_Registration_Id__c: p.partner_registration_id ?? null,
        Partner_Registration_Status__c: p.partner_registration_status ?? null,
        Partner_Registration_Partner__c: registrationPartner ? (ids.get(registrationPartner) ?? null) : null,
        Partner_Registration_Date__c: p.partner_registration_date ?? null,
        Loss_Reason__c: p.closed_lost_reason ?? null,
        NextStep: null,
        OwnerId: owner,
        CreatedById: owner,
        LastModifiedById: owner,
        CreatedDate: toSeconds(deal.createdAt),
        LastModifiedDate: toSeconds(deal.updatedAt),
        SystemModstamp: toSeconds(deal.updatedAt),
      };
    }),
  );
  return { adminUserId, adminUsername: adminOwner?.email ?? '', partnerLinks, salesforceIds: ids };
}

/**
 * Writes the demo's deal↔partner links as junction rows, once provisioning has created the junction object. Goes
 * through the org's write path (so a role the provisioned picklist lacks is refused like any other write) in calls
 * of 200; answers how many rows were written and the refusals.
 */
export function writePartnerLinks(
  org: SalesforceOrg,
  links: readonly PartnerLink[],
  names: PartnerJunctionNames,
  actorId: string,
): { created: number; failed: Array<{ link: PartnerLink; errors: SaveResult['errors'] }> } {
  const junction = org.object(names.object);
  if (!junction) {
    throw new Error(`seedPartnerLinks: the org has no ${names.object} yet (provision the junction object first)`);
  }
  const missing = [names.opportunity, names.partner, names.role].filter((name) => !junction.field(name));
  if (missing.length > 0) throw new Error(`seedPartnerLinks: ${names.object} lacks ${missing.join(', ')}`);
  const withSplit = junction.field(names.splitPercent) !== undefined;
  // A Text name field must be given (an AutoNumber one fills itself): name the row after its partner and role.
  const nameField = junction.field('Name');
  const needsName = nameField?.createable && !nameField.autoNumber;
  const nameOf = (link: PartnerLink) =>
    `${String(org.get('Account', link.partnerAccountId)?.Name ?? 'Partner').slice(0, 60)}${link.role ? ` (${link.role})` : ''}`;
  let created = 0;
  const failed: Array<{ link: PartnerLink; errors: SaveResult['errors'] }> = [];
  for (let start = 0; start < links.length; start += 200) {
    const chunk = links.slice(start, start + 200);
    const results = org.save(
      chunk.map((link) => ({
        operation: 'create' as const,
        object: junction.name,
        fields: {
          [names.opportunity]: link.opportunityId,
          [names.partner]: link.partnerAccountId,
          [names.role]: link.role,
          ...(withSplit && link.splitPercent !== null ? { [names.splitPercent]: link.splitPercent } : {}),
          ...(needsName ? { Name: nameOf(link) } : {}),
        },
      })),
      { allOrNone: false, actorId },
    );
    results.forEach((result, index) => {
      const link = chunk[index];
      if (result.success) created++;
      else if (link) failed.push({ link, errors: result.errors });
    });
  }
  return { created, failed };
}
