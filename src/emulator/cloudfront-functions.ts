// The CloudFront Functions API (2020-05-31) for the emulator's stand-in: moto has none of it.
// Two stages per function as on AWS: UpdateFunction changes DEVELOPMENT, PublishFunction copies
// DEVELOPMENT to LIVE. Each stage has its own ETag, new on every change of that stage.
import vm from 'node:vm';
import { EdgeFunctionError, isResponse, runViewerRequest, type ViewerRequestEvent } from '../edge/runtime.ts';
import { ApiError, checkIfMatch, document, element, elements, escapeXml, header, innerXml, leaf, listXml, newEtag, paginate, text, xmlReply, type ApiRequest, type Reply } from './xml.ts';

export const FUNCTION_CODE_LIMIT = 10_240;
const EVENT_OBJECT_LIMIT = 40_960;
const RUNTIMES = ['cloudfront-js-1.0', 'cloudfront-js-2.0'];
type Stage = 'DEVELOPMENT' | 'LIVE';

interface StageVersion {
  code: Buffer;
  comment: string;
  runtime: string;
  /** `<KeyValueStoreAssociations>` as the SDK sent it, echoed back unchanged. */
  keyValueStores: string;
  etag: string;
  modified: Date;
}

interface FunctionRecord {
  name: string;
  created: Date;
  development: StageVersion;
  live?: StageVersion;
  /** The DEVELOPMENT ETag that was last published: DEVELOPMENT differs from LIVE when it changed since. */
  publishedEtag?: string;
  tags: Map<string, string>;
}

function tagsOf(xml: string): Map<string, string> {
  return new Map(elements(element(xml, 'Tags') ?? '', 'Tag').map((tag) => [text(tag, 'Key') ?? '', text(tag, 'Value') ?? '']));
}

export class FunctionStore {
  private readonly functions = new Map<string, FunctionRecord>();

  constructor(
    private readonly account: string,
    /** Whether a distribution associates this function ARN (FunctionInUse, status DEPLOYED). */
    private readonly associated: (arn: string) => boolean,
  ) {}

  arn(name: string): string {
    return `arn:aws:cloudfront::${this.account}:function/${name}`;
  }

  reset(): void {
    this.functions.clear();
  }

  /** Why `arn` cannot be associated with a distribution, or undefined when it can. */
  associationProblem(arn: string): ApiError | undefined {
    const name = /^arn:aws:cloudfront::(\d{12}):function\/([A-Za-z0-9_-]+)$/.exec(arn);
    const record = name?.[1] === this.account ? this.functions.get(name[2] ?? '') : undefined;
    if (record === undefined) return new ApiError(404, 'NoSuchFunctionExists', `The function ${arn} does not exist.`);
    if (record.live === undefined) return new ApiError(400, 'InvalidFunctionAssociation', `The function ${arn} is not published: publish it before associating it with a distribution.`);
    return undefined;
  }

  handle(request: ApiRequest): Promise<Reply> | Reply {
    const [, name, action] = request.segments;
    const { method } = request;
    if (name === undefined && method === 'POST') return this.create(request);
    if (name === undefined && method === 'GET') return this.list(request);
    if (name === undefined) throw new ApiError(400, 'UnsupportedOperation', `${method} is not supported on /function`);
    if (action === 'describe' && method === 'GET') return this.describe(name, request);
    if (action === 'publish' && method === 'POST') return this.publish(name, request);
    if (action === 'test' && method === 'POST') return this.test(name, request);
    if (action === undefined && method === 'GET') return this.get(name, request);
    if (action === undefined && method === 'PUT') return this.update(name, request);
    if (action === undefined && method === 'DELETE') return this.delete(name, request);
    throw new ApiError(400, 'UnsupportedOperation', `${method} is not supported on /function/${name}${action === undefined ? '' : `/${action}`}`);
  }

  /** Whether a Tagging API call names a function (the stand-in answers it) rather than a distribution. */
  isFunctionArn(resource: string | null): boolean {
    return resource !== null && resource.startsWith(`arn:aws:cloudfront::${this.account}:function/`);
  }

  /** ListTagsForResource, TagResource and UntagResource on a function's ARN. */
  tagging(request: ApiRequest): Reply {
    const arn = request.query.get('Resource') ?? '';
    const record = this.functions.get(arn.slice(arn.indexOf(':function/') + ':function/'.length));
    if (record === undefined) throw new ApiError(404, 'NoSuchResource', `The resource ${arn} does not exist.`);
    const operation = request.query.get('Operation');
    if (request.method === 'GET') {
      const items = [...record.tags].map(([key, value]) => `<Tag>${leaf('Key', key)}${leaf('Value', value)}</Tag>`).join('');
      return xmlReply(200, document('Tags', items === '' ? '' : `<Items>${items}</Items>`));
    }
    if (request.method === 'POST' && operation === 'Tag') {
      for (const [key, value] of tagsOf(request.body)) record.tags.set(key, value);
      return { status: 204 };
    }
    if (request.method === 'POST' && operation === 'Untag') {
      for (const key of elements(request.body, 'Key')) record.tags.delete(text(key, 'Key') ?? '');
      return { status: 204 };
    }
    throw new ApiError(400, 'InvalidArgument', `${request.method} /tagging with Operation ${operation ?? '(none)'} is not a tagging call.`);
  }

  private find(name: string): FunctionRecord {
    const record = this.functions.get(name);
    if (record === undefined) throw new ApiError(404, 'NoSuchFunctionExists', `The function ${name} does not exist.`);
    return record;
  }

  private stageOf(record: FunctionRecord, stage: string | null | undefined): { stage: Stage; version: StageVersion } {
    if (stage === 'LIVE') {
      if (record.live === undefined) throw new ApiError(404, 'NoSuchFunctionExists', `The function ${record.name} has no LIVE stage: it was never published.`);
      return { stage: 'LIVE', version: record.live };
    }
    if (stage !== undefined && stage !== null && stage !== 'DEVELOPMENT') throw new ApiError(400, 'InvalidArgument', `Stage must be DEVELOPMENT or LIVE, not ${stage}.`);
    return { stage: 'DEVELOPMENT', version: record.development };
  }

  private status(record: FunctionRecord, stage: Stage): string {
    if (record.live === undefined) return 'UNPUBLISHED';
    if (stage === 'DEVELOPMENT' && record.publishedEtag !== record.development.etag) return 'UNPUBLISHED';
    return this.associated(this.arn(record.name)) ? 'DEPLOYED' : 'UNASSOCIATED';
  }

  private summary(record: FunctionRecord, stage: Stage, version: StageVersion): string {
    return (
      `<FunctionSummary>${leaf('Name', record.name)}${leaf('Status', this.status(record, stage))}` +
      `<FunctionConfig>${leaf('Comment', version.comment)}${leaf('Runtime', version.runtime)}${version.keyValueStores}</FunctionConfig>` +
      `<FunctionMetadata>${leaf('FunctionARN', this.arn(record.name))}${leaf('Stage', stage)}${leaf('CreatedTime', record.created.toISOString())}${leaf('LastModifiedTime', version.modified.toISOString())}</FunctionMetadata>` +
      `</FunctionSummary>`
    );
  }

  /** The config and code of a CreateFunction or UpdateFunction body, checked as AWS checks them. */
  private version(body: string): StageVersion {
    const config = element(body, 'FunctionConfig');
    const runtime = config === undefined ? undefined : text(config, 'Runtime');
    if (config === undefined || runtime === undefined) throw new ApiError(400, 'InvalidArgument', 'FunctionConfig with a Runtime is required.');
    if (!RUNTIMES.includes(runtime)) throw new ApiError(400, 'InvalidArgument', `Runtime ${runtime} is not supported; use one of ${RUNTIMES.join(', ')}.`);
    const comment = text(config, 'Comment') ?? '';
    if (comment.length > 128) throw new ApiError(400, 'InvalidArgument', 'Comment must be at most 128 characters.');
    const encoded = innerXml(body.replace(config, ''), 'FunctionCode');
    if (encoded === undefined || encoded.trim() === '') throw new ApiError(400, 'InvalidArgument', 'FunctionCode is required.');
    const code = Buffer.from(encoded.trim(), 'base64');
    if (code.length > FUNCTION_CODE_LIMIT) throw new ApiError(413, 'FunctionSizeLimitExceeded', `The function code is ${code.length} bytes; the limit is ${FUNCTION_CODE_LIMIT}.`);
    try {
      new vm.Script(code.toString('utf8'), { filename: 'function.js' });
    } catch (error) {
      throw new ApiError(400, 'InvalidArgument', `The function code does not compile: ${error instanceof Error ? error.message : String(error)}`);
    }
    return { code, comment, runtime, keyValueStores: element(config, 'KeyValueStoreAssociations') ?? '', etag: newEtag(), modified: new Date() };
  }

  private create(request: ApiRequest): Reply {
    const name = text(request.body, 'Name');
    if (name === undefined || !/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new ApiError(400, 'InvalidArgument', `Name ${name ?? '(missing)'} must be 1 to 64 letters, digits, hyphens or underscores.`);
    if (this.functions.has(name)) throw new ApiError(409, 'FunctionAlreadyExists', `A function named ${name} already exists.`);
    const development = this.version(request.body);
    const record: FunctionRecord = { name, created: development.modified, development, tags: tagsOf(request.body.replace(element(request.body, 'FunctionConfig') ?? '', '')) };
    this.functions.set(name, record);
    return xmlReply(201, this.summaryDocument(record, 'DEVELOPMENT', development), {
      etag: development.etag,
      location: `https://cloudfront.amazonaws.com/2020-05-31/function/${this.arn(name)}`,
    });
  }

  private describe(name: string, request: ApiRequest): Reply {
    const record = this.find(name);
    const { stage, version } = this.stageOf(record, request.query.get('Stage'));
    return xmlReply(200, this.summaryDocument(record, stage, version), { etag: version.etag });
  }

  private summaryDocument(record: FunctionRecord, stage: Stage, version: StageVersion): string {
    return document('FunctionSummary', this.summary(record, stage, version).replace(/^<FunctionSummary>|<\/FunctionSummary>$/g, ''));
  }

  private get(name: string, request: ApiRequest): Reply {
    const { version } = this.stageOf(this.find(name), request.query.get('Stage'));
    return { status: 200, headers: { 'content-type': 'application/octet-stream', etag: version.etag }, body: version.code };
  }

  private update(name: string, request: ApiRequest): Reply {
    const record = this.find(name);
    checkIfMatch(header(request, 'if-match'), record.development.etag, `function ${name} (DEVELOPMENT)`);
    record.development = this.version(request.body);
    // The SDK reads UpdateFunction's ETag from a header named `ETtag` (a quirk of CloudFront's
    // API model); AWS's answer is read the same way, so both names are sent.
    return xmlReply(200, this.summaryDocument(record, 'DEVELOPMENT', record.development), { etag: record.development.etag, ettag: record.development.etag });
  }

  private publish(name: string, request: ApiRequest): Reply {
    const record = this.find(name);
    checkIfMatch(header(request, 'if-match'), record.development.etag, `function ${name} (DEVELOPMENT)`);
    // AWS refuses to publish a DEVELOPMENT stage that is already LIVE, with the ETag it just
    // accepted for UpdateFunction (terraform-provider-aws#49572): publish only after a change.
    if (record.publishedEtag === record.development.etag) throw new ApiError(412, 'PreconditionFailed', `The function ${name} has no change to publish since its last publish.`);
    record.live = { ...record.development, etag: newEtag(), modified: new Date() };
    record.publishedEtag = record.development.etag;
    return xmlReply(200, this.summaryDocument(record, 'LIVE', record.live));
  }

  private delete(name: string, request: ApiRequest): Reply {
    const record = this.find(name);
    checkIfMatch(header(request, 'if-match'), record.development.etag, `function ${name} (DEVELOPMENT)`);
    if (this.associated(this.arn(name))) throw new ApiError(409, 'FunctionInUse', `The function ${name} is associated with a distribution; remove the association first.`);
    this.functions.delete(name);
    return { status: 204 };
  }

  private list(request: ApiRequest): Reply {
    const stageFilter = request.query.get('Stage');
    if (stageFilter !== null && stageFilter !== 'DEVELOPMENT' && stageFilter !== 'LIVE') throw new ApiError(400, 'InvalidArgument', `Stage must be DEVELOPMENT or LIVE, not ${stageFilter}.`);
    const entries = [...this.functions.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .flatMap((record) => {
        const stages: [Stage, StageVersion | undefined][] = [['DEVELOPMENT', record.development], ['LIVE', record.live]];
        return stages.filter(([stage, version]) => version !== undefined && (stageFilter === null || stage === stageFilter)).map(([stage, version]) => ({ key: `${record.name}:${stage}`, xml: this.summary(record, stage, version as StageVersion) }));
      });
    const list = paginate(entries, (entry) => entry.key, request.query);
    return xmlReply(200, document('FunctionList', listXml({ ...list, page: list.page.map((entry) => entry.xml) })));
  }

  private async test(name: string, request: ApiRequest): Promise<Reply> {
    const record = this.find(name);
    const { stage, version } = this.stageOf(record, text(request.body, 'Stage') ?? 'DEVELOPMENT');
    checkIfMatch(header(request, 'if-match'), version.etag, `function ${name} (${stage})`);
    const eventJson = Buffer.from((innerXml(request.body, 'EventObject') ?? '').trim(), 'base64').toString('utf8');
    if (eventJson.length > EVENT_OBJECT_LIMIT) throw new ApiError(400, 'InvalidArgument', `The event object is ${eventJson.length} bytes; the limit is ${EVENT_OBJECT_LIMIT}.`);
    let event: ViewerRequestEvent;
    try {
      event = JSON.parse(eventJson) as ViewerRequestEvent;
    } catch (error) {
      throw new ApiError(400, 'InvalidArgument', `The event object is not JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    const logs: string[] = [];
    const started = performance.now();
    let output = '';
    let errorMessage = '';
    try {
      const result = await runViewerRequest(version.code.toString('utf8'), event, { log: (line) => logs.push(line) });
      output = JSON.stringify(isResponse(result) ? { response: result } : { request: result });
    } catch (error) {
      if (!(error instanceof EdgeFunctionError)) throw error;
      errorMessage = error.message;
    }
    // Utilization against this runtime's own 1 s limit, not CloudFront's (unpublished) budget.
    const utilization = Math.min(100, Math.ceil((performance.now() - started) / 10));
    const logList = logs.map((line) => `<member>${escapeXml(line)}</member>`).join('');
    return xmlReply(
      200,
      document('TestResult', `${this.summary(record, stage, version)}${leaf('ComputeUtilization', utilization)}<FunctionExecutionLogs>${logList}</FunctionExecutionLogs>${errorMessage === '' ? '' : leaf('FunctionErrorMessage', errorMessage)}${leaf('FunctionOutput', output)}`),
    );
  }
}
