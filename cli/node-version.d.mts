/** [major, minimum minor] of each supported release line. */
export declare const SUPPORTED_LINES: ReadonlyArray<readonly [number, number]>;
export declare const MINIMUM_NODE: string;
export declare const RECOMMENDED_MAJOR: number;
/** package.json's "engines.node" for SUPPORTED_LINES. */
export declare function enginesRange(lines?: ReadonlyArray<readonly [number, number]>): string;
/** The one-line reason this Node version cannot run the tool, or undefined when it can. */
export declare function nodeVersionProblem(version: string): string | undefined;
/** Prints the problem and exits 1 on an unsupported Node. */
export declare function exitOnUnsupportedNode(version?: string): void;
/** On Node 20 only, silences the AWS SDK's notice that its future releases will need a newer Node. */
export declare function quietSdkNode20Notice(env?: Record<string, string | undefined>, version?: string): void;
