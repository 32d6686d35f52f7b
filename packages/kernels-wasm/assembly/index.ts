// Entry point of build/kernels.wasm: every exported kernel. One kernel family per file.
// Memory is imported (env.memory, shared) and owned by the TS side; kernels never allocate.
export { gemm, gemmPackABytes, gemmPackBBytes, gemmSkipPackABytes, gemmTranspose } from './gemm';
export { im2col, col2im } from './conv/im2col';
export { maxPool2d, maxPool2dBackward, maxPoolReluBackwardBias, avgPool2d, avgPool2dBackward } from './pool';
export { unary, reluBackward, reluBackwardBias, binary, binaryRow, where } from './elementwise';
export { reduce } from './reduce';
export { fill, copyStrided } from './layout';
export { logSoftmax, logSoftmaxBackward, crossEntropy, crossEntropyBackward } from './softmax';
export { batchNormChannels, batchNormBackward } from './batch-norm';
export { sgdStep, adamStep, sgdStepShare, adamStepShare } from './optim';
export { dropoutMask } from './dropout';

/** First byte the TS allocator may use (after static data). */
export function heapBase(): usize {
  return __heap_base;
}
export { conv2d, conv2dBackwardInput, conv2dBackwardWeight, conv2dReluBackwardWeight, flipConvWeight } from './conv';
export {
  groupedConv2d, groupedConv2dBackwardInput, groupedConv2dBackwardWeight, groupedConv2dPackBytes, groupedConv2dBackwardInputPackBytes,
} from './conv/grouped';
export { copy } from './layout';
export { directConv2d, directConv2dScratchBytes } from './conv/direct';
export {
  winogradConv2d, winogradConv2dReluMaxPool, winogradConv2dBackwardWeight, winogradConv2dBackwardInput, winogradForwardScratchBytes, winogradBackwardWeightScratchBytes,
  winogradBackwardScratchBytes, winogradConv2dBackward, winogradBlockTiles,
} from './conv/winograd';
