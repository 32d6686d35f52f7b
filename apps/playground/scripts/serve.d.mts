import type { Server } from 'node:http';
export declare const DIST: string;
export declare function prepareStatic(opts?: { dir?: string; dataDir?: string; log?: (s: string) => void }): { dir: string; data: string };
export declare function startStaticServer(opts?: { dir?: string; port?: number; host?: string }): Promise<{ server: Server; url: string }>;
