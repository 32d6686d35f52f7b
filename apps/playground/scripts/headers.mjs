// The two headers that make the page cross-origin isolated (SharedArrayBuffer, a shared
// WebAssembly.Memory, kernel threads), plus CORP so the page's own files load under COEP.
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
