// Node-only parts of @tapegrad/nn (node:fs, node:zlib), exported as `@tapegrad/nn/node`.
// Browser-safe barrels (data/, io/, transforms/, metrics/) must never import from here.
export { readIdxFile, maybeGunzip } from './data/idx-node.js';
export {
  loadFashionMnist,
  findFashionMnistFiles,
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_SYSTEM_DIR,
  type FashionMnist,
  type LoadFashionMnistOptions,
} from './data/fashion-mnist.js';
export { writeFileAtomic, removeStaleTempFiles } from './io/atomic-write.js';
export { writeSafetensorsFile, readSafetensorsFile } from './io/safetensors-node.js';
export { DataError, namingFile } from './errors.js';
export { saveSafetensors, loadSafetensors } from './io/module-safetensors-node.js';
export { saveCheckpoint, loadCheckpoint } from './train/checkpoint-node.js';
export { saveOnnx, loadOnnx } from './onnx/node.js';
export { ImageFolder, loadImage, IMAGE_EXTENSIONS, type ImageFolderOptions } from './data/image-folder.js';
