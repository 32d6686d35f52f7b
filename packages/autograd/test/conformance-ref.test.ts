import { createRefBackend } from '../src/index.js';
import { describeBackend } from '../src/testing/index.js';

// The float64 reference backend against the float32 one: proves the suite runs, covers every
// kernel, and that both precisions compute the same thing. The WASM backend runs the same suite.
describeBackend('ref-float64', () => createRefBackend({ dtype: 'float64' }));
