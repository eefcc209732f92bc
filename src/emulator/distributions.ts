// What moto drops from distributions: each cache behavior's FunctionAssociations. The stand-in
// keeps them from CreateDistribution(WithTags)/UpdateDistribution bodies and puts them back into
// moto's answers; it also remembers the response headers policy ids, to refuse deleting a policy
// in use.
import { checkQuantity, element, elements, leaf, replaceElement, text } from './xml.ts';

export interface FunctionAssociation {
  arn: string;
  eventType: string;
}

export interface Behavior {
  functionAssociations: FunctionAssociation[];
  responseHeadersPolicyId?: string;
}

export interface DistributionRecord {
  defaultBehavior: Behavior;
  /** By PathPattern. */
  behaviors: Map<string, Behavior>;
  /** The last `<DefaultCacheBehavior>` answered for it, for ListDistributions summaries. */
  defaultCacheBehaviorXml?: string;
}

function behaviorOf(xml: string): Behavior {
  const associations = element(xml, 'FunctionAssociations') ?? '';
  checkQuantity(associations === '' ? undefined : associations, 'FunctionAssociation', 'FunctionAssociations');
  const policyId = text(xml, 'ResponseHeadersPolicyId');
  return {
    functionAssociations: elements(associations, 'FunctionAssociation').map((item) => ({ arn: text(item, 'FunctionARN') ?? '', eventType: text(item, 'EventType') ?? '' })),
    responseHeadersPolicyId: policyId === undefined || policyId === '' ? undefined : policyId,
  };
}

/** The behaviors of a DistributionConfig body, as CreateDistribution(WithTags)/UpdateDistribution send it. */
export function distributionOf(configXml: string): DistributionRecord {
  const behaviors = new Map<string, Behavior>();
  for (const behavior of elements(element(configXml, 'CacheBehaviors') ?? '', 'CacheBehavior')) behaviors.set(text(behavior, 'PathPattern') ?? '', behaviorOf(behavior));
  return { defaultBehavior: behaviorOf(element(configXml, 'DefaultCacheBehavior') ?? ''), behaviors };
}

function associationsXml(associations: FunctionAssociation[]): string {
  const items = associations.map((association) => `<FunctionAssociation>${leaf('FunctionARN', association.arn)}${leaf('EventType', association.eventType)}</FunctionAssociation>`).join('');
  return `<FunctionAssociations>${leaf('Quantity', associations.length)}${items === '' ? '' : `<Items>${items}</Items>`}</FunctionAssociations>`;
}

function withAssociations(behaviorXml: string, behavior: Behavior | undefined): string {
  if (behavior === undefined) return behaviorXml;
  const replacement = associationsXml(behavior.functionAssociations);
  return element(behaviorXml, 'FunctionAssociations') === undefined ? behaviorXml.replace(/<\/(Default)?CacheBehavior>$/, (close) => replacement + close) : replaceElement(behaviorXml, 'FunctionAssociations', replacement);
}

/** A Distribution or DistributionConfig as moto answered it, with the associations moto dropped put back. */
export function restoreAssociations(xml: string, record: DistributionRecord): string {
  let restored = xml.replace(/<DefaultCacheBehavior>[\s\S]*?<\/DefaultCacheBehavior>/, (behavior) => withAssociations(behavior, record.defaultBehavior));
  restored = restored.replace(/<CacheBehavior>[\s\S]*?<\/CacheBehavior>/g, (behavior) => withAssociations(behavior, record.behaviors.get(text(behavior, 'PathPattern') ?? '')));
  record.defaultCacheBehaviorXml = element(restored, 'DefaultCacheBehavior') ?? record.defaultCacheBehaviorXml;
  return restored;
}

/** ListDistributions as moto answered it, with each summary's DefaultCacheBehavior (moto has none) put back. */
export function restoreSummaries(xml: string, records: Map<string, DistributionRecord>): string {
  return xml.replace(/<DistributionSummary>[\s\S]*?<\/DistributionSummary>/g, (summary) => {
    const record = records.get(text(summary, 'Id') ?? '');
    if (record?.defaultCacheBehaviorXml === undefined || summary.includes('<DefaultCacheBehavior>')) return summary;
    return summary.replace(/<\/DistributionSummary>$/, `${record.defaultCacheBehaviorXml}</DistributionSummary>`);
  });
}
