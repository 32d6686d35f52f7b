#!/usr/bin/env node
import { measurePeak } from './peak.js';
import { machineInfo } from './machine.js';

const quick = process.argv.includes('--quick');
console.log(machineInfo());
for (const fused of [false, true]) console.log(await measurePeak(fused, quick));
