export declare const ISOLATION_HEADERS: Readonly<Record<'Cross-Origin-Opener-Policy' | 'Cross-Origin-Embedder-Policy' | 'Cross-Origin-Resource-Policy', string>>;
