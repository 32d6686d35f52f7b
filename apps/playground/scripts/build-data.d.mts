export declare const MAGIC: string;
export declare const VERSION: number;
export declare const DEFAULT_OUT: string;
export declare function encodeDataFile(sections: Uint8Array[]): Uint8Array;
export declare function buildData(opts?: { dataDir?: string; out?: string; log?: (s: string) => void }): { out: string; written: boolean; sources: string[] };
