#!/usr/bin/env node
import { createRefBackend } from '@tapegrad/autograd';
import { createWasmBackend } from '@tapegrad/kernels-wasm';
import { runKernelSuites } from './kernels.js';
import { measurePeak } from './peak.js';
import { machineInfo } from './machine.js';

const quick = process.argv.includes('--quick');
console.log(machineInfo());
const peak = await measurePeak(false, quick);
console.log(peak);
runKernelSuites(await createWasmBackend(), { quick, timing: { maxTime: 0.5 }, peakGflops: peak.gflops, log: console.log });
runKernelSuites(createRefBackend(), { quick, timing: { maxTime: 0.2, minSamples: 1 }, peakGflops: peak.gflops, log: console.log });
