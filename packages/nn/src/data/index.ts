// Browser-safe data utilities. Node-only loaders (files, gzip) are exported from `../node.ts`.
export { parseIdx, encodeIdx, IDX_UBYTE, type IdxArray } from './idx.js';
export {
  ArrayDataset, Subset, randomSplit, isTupleDataset, sampleFields,
  type Dataset, type Example, type TupleDataset, type AnyDataset, type FieldSpec, type FieldValues,
} from './dataset.js';
export { TensorDataset, type TensorDatasetInput } from './tensor-dataset.js';
export { DataLoader, type Batch, type TupleBatch, type BatchOf, type DataLoaderOptions, type DataLoaderState } from './data-loader.js';
export { FASHION_MNIST_CLASSES } from './fashion-mnist-classes.js';
