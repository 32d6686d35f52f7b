/** Test helpers shared by every tapegrad package: gradient checks, closeness, backend conformance. */
export { gradcheck, float64Backend, type GradInput, type GradcheckOptions } from './gradcheck.js';
export { expectClose, type CloseOptions } from './expect-close.js';
export { describeBackend, CONV_CASES } from './describe-backend.js';
export { requires, type Requirement } from './requires.js';
// Registers expect(...).toAllSatisfy(predicate) (Note [toAllSatisfy]).
export { matchers } from './matchers.js';
