/**
 * The relaxed-SIMD (FMA) peak needs a V8 flag in Node 20, so peak.ts measures it in a child
 * process started with that flag and this file: it prints one JSON PeakResult.
 *
 *   node --experimental-wasm-relaxed-simd dist/peak-child.js [--quick]
 */
import { measurePeak } from './peak.js';

console.log(JSON.stringify(await measurePeak(true, process.argv.includes('--quick'))));
