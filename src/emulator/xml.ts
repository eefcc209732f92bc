// Minimal XML for the emulator's stand-in: CloudFront's REST-XML bodies as the AWS SDK writes them
// (flat, namespaced, no attributes that matter, no CDATA). No XML library is installed, and these
// bodies need only leaf values read and whole elements found or replaced.

export const CLOUDFRONT_NS = 'http://cloudfront.amazonaws.com/doc/2020-05-31/';

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp|#x[0-9a-fA-F]+|#[0-9]+);/g, (_, entity: string) => {
    if (entity === 'lt') return '<';
    if (entity === 'gt') return '>';
    if (entity === 'quot') return '"';
    if (entity === 'apos') return "'";
    if (entity === 'amp') return '&';
    return String.fromCodePoint(entity.startsWith('#x') ? Number.parseInt(entity.slice(2), 16) : Number.parseInt(entity.slice(1), 10));
  });
}

function elementPattern(name: string, flags: string): RegExp {
  // `<Name>` or `<Name xmlns="…">`, never `<NameSuffix>`; elements of one name do not nest here.
  return new RegExp(`<${name}(?:\\s[^>]*)?(?:/>|>([\\s\\S]*?)</${name}>)`, flags);
}

/** Every `<name>…</name>` element of `xml`, whole. */
export function elements(xml: string, name: string): string[] {
  return [...xml.matchAll(elementPattern(name, 'g'))].map((match) => match[0]);
}

/** The first `<name>…</name>` element of `xml`, whole. */
export function element(xml: string, name: string): string | undefined {
  return elementPattern(name, '').exec(xml)?.[0];
}

/** The raw (still escaped) content of the first `<name>` element. */
export function innerXml(xml: string, name: string): string | undefined {
  const match = elementPattern(name, '').exec(xml);
  return match === null ? undefined : (match[1] ?? '');
}

/** The text of the first `<name>` element, unescaped. */
export function text(xml: string, name: string): string | undefined {
  const inner = innerXml(xml, name);
  return inner === undefined ? undefined : unescapeXml(inner);
}

/** `xml` with its first `<name>` element replaced by `replacement` (or `xml` unchanged if absent). */
export function replaceElement(xml: string, name: string, replacement: string): string {
  return xml.replace(elementPattern(name, ''), () => replacement);
}

export function leaf(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${name}>${escapeXml(String(value))}</${name}>`;
}

export function document(root: string, inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${CLOUDFRONT_NS}">${inner}</${root}>`;
}

/** A CloudFront API error, answered in CloudFront's XML error shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A CloudFront API request as the stand-in's handlers see it. */
export interface ApiRequest {
  method: string;
  /** Path segments after `/2020-05-31/`. */
  segments: string[];
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function header(request: ApiRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export function errorReply(error: ApiError): Reply {
  const type = error.status >= 500 ? 'Receiver' : 'Sender';
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${CLOUDFRONT_NS}"><Error><Type>${type}</Type><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${crypto.randomUUID()}</RequestId></ErrorResponse>`;
  return { status: error.status, headers: { 'content-type': 'text/xml' }, body };
}

export function xmlReply(status: number, body: string, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': 'text/xml', ...headers }, body };
}

/** A new ETag in CloudFront's style: `E` and 13 upper-case letters and digits. */
export function newEtag(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const bytes = crypto.getRandomValues(new Uint8Array(13));
  return `E${[...bytes].map((byte) => alphabet[byte % alphabet.length]).join('')}`;
}

/** Checks IfMatch as CloudFront does: required, and equal to the current ETag. */
export function checkIfMatch(ifMatch: string | undefined, current: string, what: string): void {
  if (ifMatch === undefined || ifMatch === '') throw new ApiError(400, 'InvalidIfMatchVersion', `The If-Match version is missing or not valid for the ${what}.`);
  if (ifMatch !== current) throw new ApiError(412, 'PreconditionFailed', `The If-Match version ${ifMatch} does not match the current version ${current} of the ${what}.`);
}

/** One page of `items` for a List call's Marker and MaxItems (default 100); the marker is an item's key. */
export function paginate<T>(items: T[], key: (item: T) => string, query: URLSearchParams): { page: T[]; maxItems: number; nextMarker: string | undefined } {
  const maxItems = Number(query.get('MaxItems') ?? '100');
  const marker = query.get('Marker');
  const start = marker === null || marker === '' ? 0 : Math.max(0, items.findIndex((item) => key(item) === marker));
  const next = items[start + maxItems];
  return { page: items.slice(start, start + maxItems), maxItems, nextMarker: next === undefined ? undefined : key(next) };
}

/** The members of a CloudFront list: MaxItems, Quantity, NextMarker and Items. */
export function listXml(list: { page: string[]; maxItems: number; nextMarker: string | undefined }): string {
  return `${leaf('NextMarker', list.nextMarker)}${leaf('MaxItems', list.maxItems)}${leaf('Quantity', list.page.length)}${list.page.length === 0 ? '' : `<Items>${list.page.join('')}</Items>`}`;
}

/** CloudFront refuses a list whose Quantity is not its number of items; `item` names one item. */
export function checkQuantity(list: string | undefined, item: string, where: string): void {
  if (list === undefined) return;
  const quantity = Number(text(list, 'Quantity') ?? '0');
  const count = elements(innerXml(list, 'Items') ?? '', item).length;
  if (quantity !== count) throw new ApiError(400, 'InvalidArgument', `${where}: Quantity is ${quantity} but Items holds ${count}.`);
}
