// Browser-safe data utilities. Node-only loaders (files, gzip) are exported from `../node.ts`.
export { parseIdx, encodeIdx, IDX_UBYTE, type IdxArray } from './idx.js';
export { ArrayDataset, Subset, randomSplit, type Dataset, type Example } from './dataset.js';
export { DataLoader, type Batch, type DataLoaderOptions, type DataLoaderState } from './data-loader.js';
export { FASHION_MNIST_CLASSES } from './fashion-mnist-classes.js';
