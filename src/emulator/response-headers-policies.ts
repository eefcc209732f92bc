// Custom response headers policies (2020-05-31) for the emulator's stand-in: moto has none. The
// policy's config is kept as the XML the SDK sent and echoed back, so every field round-trips.
import { ApiError, checkIfMatch, checkQuantity, document, element, header, innerXml, leaf, listXml, newEtag, paginate, text, unescapeXml, xmlReply, type ApiRequest, type Reply } from './xml.ts';

/** AWS's managed response headers policies: accepted on distributions, not listed or readable here. */
export const MANAGED_RESPONSE_HEADERS_POLICY_IDS = new Set([
  '67f7725c-6f97-4210-82d7-5512b31e9d03', // SecurityHeadersPolicy
  '60669652-455b-4ae9-85a4-c4c02393f86c', // SimpleCORS
  '5cc3b908-e619-4b99-88e5-2cf7f45965bd', // CORS-With-Preflight
  'e61eb60c-9c35-4d20-a928-2b84e02af89c', // CORS-and-SecurityHeadersPolicy
  'eaab4381-ed33-4a86-88ca-d9558dc6cd63', // CORS-with-preflight-and-SecurityHeadersPolicy
]);

const CSP_LIMIT = 1783;

interface PolicyRecord {
  id: string;
  name: string;
  /** The content of `<ResponseHeadersPolicyConfig>`, as the SDK wrote it. */
  config: string;
  etag: string;
  modified: Date;
}

export class ResponseHeadersPolicyStore {
  private readonly policies = new Map<string, PolicyRecord>();

  constructor(
    /** Whether a distribution uses this policy id (ResponseHeadersPolicyInUse). */
    private readonly inUse: (id: string) => boolean,
  ) {}

  reset(): void {
    this.policies.clear();
  }

  /** Why a cache behavior cannot use policy `id`, or undefined when it can. */
  usageProblem(id: string): ApiError | undefined {
    if (MANAGED_RESPONSE_HEADERS_POLICY_IDS.has(id) || this.policies.has(id)) return undefined;
    return new ApiError(404, 'NoSuchResponseHeadersPolicy', `The response headers policy ${id} does not exist.`);
  }

  handle(request: ApiRequest): Reply {
    const [, id, action] = request.segments;
    const { method } = request;
    if (id === undefined && method === 'POST') return this.create(request);
    if (id === undefined && method === 'GET') return this.list(request);
    if (id !== undefined && action === 'config' && method === 'GET') {
      const record = this.find(id);
      return xmlReply(200, document('ResponseHeadersPolicyConfig', record.config), { etag: record.etag });
    }
    if (id !== undefined && action === undefined && method === 'GET') {
      const record = this.find(id);
      return xmlReply(200, document('ResponseHeadersPolicy', this.policyXml(record)), { etag: record.etag });
    }
    if (id !== undefined && action === undefined && method === 'PUT') return this.update(id, request);
    if (id !== undefined && action === undefined && method === 'DELETE') return this.delete(id, request);
    throw new ApiError(400, 'UnsupportedOperation', `${method} is not supported on /${request.segments.join('/')}`);
  }

  private find(id: string): PolicyRecord {
    const record = this.policies.get(id);
    if (record === undefined) throw new ApiError(404, 'NoSuchResponseHeadersPolicy', `The response headers policy ${id} does not exist.`);
    return record;
  }

  private policyXml(record: PolicyRecord): string {
    return `${leaf('Id', record.id)}${leaf('LastModifiedTime', record.modified.toISOString())}<ResponseHeadersPolicyConfig>${record.config}</ResponseHeadersPolicyConfig>`;
  }

  /** The config of a Create or Update body, with the checks AWS makes that this tool can hit. */
  private config(body: string, ownId: string | undefined): { name: string; config: string } {
    const config = innerXml(body, 'ResponseHeadersPolicyConfig');
    const name = config === undefined ? undefined : text(config, 'Name');
    if (config === undefined || name === undefined || !/^[A-Za-z0-9_-]{1,128}$/.test(name)) throw new ApiError(400, 'InvalidArgument', `ResponseHeadersPolicyConfig needs a Name of 1 to 128 letters, digits, hyphens or underscores, not ${name ?? '(missing)'}.`);
    const clash = [...this.policies.values()].find((policy) => policy.name === name && policy.id !== ownId);
    if (clash !== undefined) throw new ApiError(409, 'ResponseHeadersPolicyAlreadyExists', `A response headers policy named ${name} already exists (${clash.id}).`);
    checkQuantity(element(config, 'CustomHeadersConfig'), 'ResponseHeadersPolicyCustomHeader', 'CustomHeadersConfig');
    checkQuantity(element(config, 'RemoveHeadersConfig'), 'ResponseHeadersPolicyRemoveHeader', 'RemoveHeadersConfig');
    // The header's value is the inner, text-only <ContentSecurityPolicy> of the outer one.
    const csp = /<ContentSecurityPolicy>([^<]*)<\/ContentSecurityPolicy>/.exec(config)?.[1];
    if (csp !== undefined && unescapeXml(csp).length > CSP_LIMIT) throw new ApiError(400, 'TooLongCSPInResponseHeadersPolicy', `The Content-Security-Policy is ${unescapeXml(csp).length} characters; the limit is ${CSP_LIMIT}.`);
    return { name, config };
  }

  private create(request: ApiRequest): Reply {
    const { name, config } = this.config(request.body, undefined);
    const record: PolicyRecord = { id: crypto.randomUUID(), name, config, etag: newEtag(), modified: new Date() };
    this.policies.set(record.id, record);
    return xmlReply(201, document('ResponseHeadersPolicy', this.policyXml(record)), {
      etag: record.etag,
      location: `https://cloudfront.amazonaws.com/2020-05-31/response-headers-policy/${record.id}`,
    });
  }

  private update(id: string, request: ApiRequest): Reply {
    const record = this.find(id);
    checkIfMatch(header(request, 'if-match'), record.etag, `response headers policy ${id}`);
    Object.assign(record, this.config(request.body, id), { etag: newEtag(), modified: new Date() });
    return xmlReply(200, document('ResponseHeadersPolicy', this.policyXml(record)), { etag: record.etag });
  }

  private delete(id: string, request: ApiRequest): Reply {
    const record = this.find(id);
    checkIfMatch(header(request, 'if-match'), record.etag, `response headers policy ${id}`);
    if (this.inUse(id)) throw new ApiError(409, 'ResponseHeadersPolicyInUse', `The response headers policy ${id} is used by a distribution; change the distribution first.`);
    this.policies.delete(id);
    return { status: 204 };
  }

  private list(request: ApiRequest): Reply {
    const type = request.query.get('Type');
    if (type !== null && type !== 'custom' && type !== 'managed') throw new ApiError(400, 'InvalidArgument', `Type must be custom or managed, not ${type}.`);
    const all = type === 'managed' ? [] : [...this.policies.values()].sort((a, b) => a.name.localeCompare(b.name));
    const list = paginate(all, (record) => record.id, request.query);
    const page = list.page.map((record) => `<ResponseHeadersPolicySummary>${leaf('Type', 'custom')}<ResponseHeadersPolicy>${this.policyXml(record)}</ResponseHeadersPolicy></ResponseHeadersPolicySummary>`);
    return xmlReply(200, document('ResponseHeadersPolicyList', listXml({ ...list, page })));
  }
}
