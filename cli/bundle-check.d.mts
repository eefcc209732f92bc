export declare const BUNDLE_ENTRY: string;
export declare const BUILD_INFO: string;
/** The bundle's entry file when it is current for the sources under `root`, else undefined. */
export declare function currentBundle(root: string, env?: Record<string, string | undefined>): string | undefined;
