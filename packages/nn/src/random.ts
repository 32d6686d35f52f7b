// The seedable generator lives in @tapegrad/autograd (it also drives init and dropout); nn code
// calls it Rng.
export { Generator as Rng, type GeneratorState as RngState, mixSeed } from '@tapegrad/autograd';
