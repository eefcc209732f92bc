// A focused evaluator of IAM identity policies: what the deploy role's policy uses (Allow and
// Deny, Action/NotAction, Resource/NotResource with * and ? wildcards, and the condition
// operators StringEquals, StringLike and their ForAllValues/ForAnyValue forms), following the
// IAM policy evaluation logic (explicit Deny wins, else any matching Allow, else implicit deny).
// Anything else in a policy throws, so a new policy element cannot pass unevaluated.
// Why not @cloud-copilot/iam-simulate: it is AGPL-3.0, and this policy needs a few dozen lines.
// No node:test imports here.

export interface AuthorizationRequest {
  action: string;
  resource: string;
  /** Condition keys AWS sets for this request (lowercase names compare case-insensitively). */
  context?: Record<string, string | string[]>;
}

interface PolicyLike {
  Statement: Array<Record<string, unknown>>;
}

const KNOWN_ELEMENTS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);

function list(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

function glob(pattern: string, value: string, caseInsensitive: boolean): boolean {
  const source = pattern.split('').map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\/]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, caseInsensitive ? 'is' : 's').test(value);
}

function contextValues(request: AuthorizationRequest, key: string): string[] | undefined {
  const found = Object.entries(request.context ?? {}).find(([name]) => name.toLowerCase() === key.toLowerCase());
  return found ? list(found[1]) : undefined;
}

function conditionHolds(operator: string, key: string, expected: string[], request: AuthorizationRequest): boolean {
  const [qualifier, base] = operator.includes(':') ? operator.split(':') as [string, string] : [undefined, operator];
  const compare = base === 'StringEquals' ? (pattern: string, value: string) => pattern === value
    : base === 'StringLike' ? (pattern: string, value: string) => glob(pattern, value, false)
      : undefined;
  if (!compare) throw new Error(`the evaluator does not know the condition operator ${operator}; extend test/helpers/iam-policy.ts`);
  const values = contextValues(request, key);
  const matches = (value: string) => expected.some((pattern) => compare(pattern, value));
  if (qualifier === 'ForAllValues') return (values ?? []).every(matches);
  if (qualifier === 'ForAnyValue') return (values ?? []).some(matches);
  if (qualifier !== undefined) throw new Error(`unknown condition qualifier ${qualifier}`);
  return values !== undefined && values.length === 1 && matches(values[0] ?? '');
}

function statementApplies(statement: Record<string, unknown>, request: AuthorizationRequest): boolean {
  for (const element of Object.keys(statement)) if (!KNOWN_ELEMENTS.has(element)) throw new Error(`the evaluator does not know the policy element ${element}`);
  const actionMatches = (patterns: string[]) => patterns.some((pattern) => glob(pattern, request.action, true));
  const resourceMatches = (patterns: string[]) => patterns.some((pattern) => glob(pattern, request.resource, false));
  if ('Action' in statement ? !actionMatches(list(statement.Action)) : actionMatches(list(statement.NotAction))) return false;
  if ('Resource' in statement ? !resourceMatches(list(statement.Resource)) : resourceMatches(list(statement.NotResource))) return false;
  const condition = (statement.Condition ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(condition).every(([operator, keys]) => Object.entries(keys).every(([key, expected]) => conditionHolds(operator, key, list(expected), request)));
}

export interface Decision {
  allowed: boolean;
  /** The Sid of the statement that decided, when one did. */
  by?: string;
}

export function evaluate(policy: PolicyLike, request: AuthorizationRequest): Decision {
  const applying = policy.Statement.filter((statement) => statementApplies(statement, request));
  const deny = applying.find((statement) => statement.Effect === 'Deny');
  if (deny) return { allowed: false, by: String(deny.Sid ?? 'Deny') };
  const allow = applying.find((statement) => statement.Effect === 'Allow');
  return allow ? { allowed: true, by: String(allow.Sid ?? 'Allow') } : { allowed: false };
}
