// The stack's outputs: what `up` and `status` print and the state records.
import type { Project } from './project.ts';

export function stackOutputs(project: Project, resourceOutputs: (name: string) => Record<string, string> | undefined): Record<string, string> {
  const outputs: Record<string, string> = {};
  const table = resourceOutputs('table');
  if (table?.tableName) outputs.tableName = table.tableName;
  const secret = resourceOutputs('secret');
  if (secret?.parameterName) outputs.secretParameter = secret.parameterName;
  const api = resourceOutputs('api');
  if (api?.apiUrl) outputs.apiUrl = api.apiUrl;
  const distribution = resourceOutputs('distribution');
  if (distribution?.siteUrl) outputs.siteUrl = distribution.siteUrl;
  if (distribution?.domainName) outputs.cloudfrontDomain = distribution.domainName;
  if (distribution?.distributionId) outputs.distributionId = distribution.distributionId;
  outputs.state = project.store.location;
  return outputs;
}
