// The AWS SDK alone: the requests a `plan` of the benchmark's stack makes, sent with bare SDK v3
// clients and nothing of resume-infra (no config, engine, site scan or output). bench/floor.ts and
// the stack section of bench/run.ts bundle this file as the CLI is bundled (sdk-alone-build.ts:
// esbuild, ES modules, the SDK's "module" builds, Node's compile cache) and run it beside `plan`,
// to show what the SDK costs by itself on this machine. Both check that its operations are the
// ones `plan` makes, and say so when they are not.
//
// It sends them in the plan's two waves: the state, STS and the hosted zone's look-up first, then
// every other read at once, by the ids the state records. As in the CLI, the clients of the second
// wave load (bench/sdk-alone-reads.ts, a chunk of its own) while the first wave is on its way.
//
// Run as `node <dir>/run.mjs <endpoint> <project> <hosted zone>`, with AWS_* credentials and
// AWS_REGION in the environment, against a stack `up` deployed.
import { ListHostedZonesByNameCommand, Route53Client } from '@aws-sdk/client-route-53';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

export interface Recorded { id: string; arn?: string; outputs?: Record<string, string> }
export interface StateDocument { resources: Record<string, Recorded | undefined> }

const [endpoint, project, zoneName] = process.argv.slice(2);
if (!endpoint || !project || !zoneName) throw new Error('usage: run.mjs <endpoint> <project> <hosted zone>');
const region = process.env.AWS_REGION ?? 'us-east-1';
const config = { endpoint, region, maxAttempts: 1 };
// The state bucket's name holds the account: the emulator's (MOTO.md).
const stateBucket = `resume-infra-state-123456789012-${region}`;

const s3 = new S3Client({ ...config, forcePathStyle: true });
const route53 = new Route53Client(config);
const sts = new STSClient(config);

const firstWave = Promise.all([
  s3.send(new GetObjectCommand({ Bucket: stateBucket, Key: `${project}/state.json` })),
  sts.send(new GetCallerIdentityCommand({})),
  route53.send(new ListHostedZonesByNameCommand({ DNSName: zoneName, MaxItems: 10 })),
]);
const { secondWave } = await import('./sdk-alone-reads.ts');
const [stateObject] = await firstWave;
if (!stateObject.Body) throw new Error('the state object came back without a body');
const state = JSON.parse(await stateObject.Body.transformToString()) as StateDocument;
await secondWave({ s3, route53, config, project, stateBucket, state });
