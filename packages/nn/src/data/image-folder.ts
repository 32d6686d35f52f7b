import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { checkFunction, checkNumber, checkString, fail } from '../check.js';
import { DataError } from '../errors.js';
import { Rng } from '../random.js';
import { resizeBilinear } from '../transforms/resize.js';
import type { ImageShape, Transform } from '../transforms/transform.js';
import { checkIndex, type Dataset, type Example } from './dataset.js';

/** Extensions ImageFolder reads (case-insensitive); other files are skipped and listed in `skipped`. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'] as const;

export interface ImageFolderOptions {
  /** `[height, width]` every image is resized to (bilinear, see `resizeBilinear`). */
  size: readonly [number, number];
  /** 1 (grey, PIL's `convert('L')` luma) or 3 (RGB; a grey image is replicated). Alpha is dropped. */
  channels: 1 | 3;
  /** Applied to the decoded `[C, H, W]` image on every `get(i)`, as torchvision's transform. */
  transform?: Transform;
  /** Seed of the generator `transform` draws from (default 0). */
  seed?: number;
}

const OPTION_KEYS = new Set(['size', 'channels', 'transform', 'seed']);

/**
 * Images in one sub-folder per class, as torchvision's `ImageFolder`: `root/cat/001.png`,
 * `root/dog/xyz.jpg`. Classes are the sub-folder names sorted (code-point order), `classToIdx`
 * maps them to indices; `samples` lists `[path, classIndex]` class by class, each class's files
 * sorted by path (sub-folders of a class folder are walked too). PNG and JPEG are decoded by
 * pngjs and jpeg-js (by content; 16-bit PNG channels are scaled to 8 bits), converted to
 * `channels`, resized to `size` and scaled to [0, 1] (pixel / 255): `get(i).image` is `[C, H, W]`
 * float32, as `ToTensor()` and `Resize(size, antialias=False)` give in torchvision.
 *
 * Files whose extension is not .png, .jpg or .jpeg (any case) are skipped, as torchvision skips
 * them, and listed in `skipped`; names starting with '.' are ignored (unlike torchvision, which
 * would make a `.ipynb_checkpoints` folder a class). Images are decoded on first use and kept.
 * @throws DataError naming the path: root missing or not a folder, no class folders, a class
 *   folder without images; on `get(i)`, a file that cannot be read or decoded (and why).
 * @example
 * const train = new ImageFolder('photos/train', { size: [32, 32], channels: 3 });
 * train.classes; // ['cat', 'dog']
 * const loader = new DataLoader(train, { batchSize: 32, shuffle: true });
 */
export class ImageFolder implements Dataset {
  readonly root: string;
  readonly classes: string[];
  readonly classToIdx: Record<string, number>;
  /** `[path, classIndex]` of every image, in dataset order. */
  readonly samples: Array<[path: string, classIndex: number]>;
  /** The class index of every image (torchvision's `targets`). */
  readonly targets: number[];
  /** Files that were not read because of their extension. */
  readonly skipped: string[] = [];
  readonly length: number;
  readonly shape: ImageShape;
  private readonly transform: Transform | undefined;
  private readonly rng: Rng;
  private readonly cache: Array<Float32Array | undefined>;

  constructor(root: string, options: ImageFolderOptions) {
    for (const k of Object.keys(options ?? {})) {
      if (!OPTION_KEYS.has(k)) throw new TypeError(`ImageFolder: unknown option '${k}' (supported: ${[...OPTION_KEYS].join(', ')})`);
    }
    const { size, channels } = options ?? ({} as ImageFolderOptions);
    if (!Array.isArray(size) || size.length !== 2 || !size.every((d) => Number.isInteger(d) && d > 0)) {
      throw new RangeError(`ImageFolder: size must be [height, width] positive integers, got ${JSON.stringify(size)}`);
    }
    if (channels !== 1 && channels !== 3) throw new RangeError(`ImageFolder: channels must be 1 or 3, got ${JSON.stringify(channels)}`);
    checkString('ImageFolder', 'root', root);
    if (options.seed !== undefined) checkNumber('ImageFolder', 'seed', options.seed);
    if (options.transform !== undefined) checkFunction('ImageFolder', 'transform', options.transform);
    this.root = root;
    this.shape = [channels, size[0], size[1]];
    this.transform = options.transform;
    this.rng = new Rng(options.seed ?? 0);
    let rootStat;
    try {
      rootStat = statSync(root);
    } catch (e) {
      throw new DataError(`ImageFolder: root ${root} does not exist or cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
    }
    if (!rootStat.isDirectory()) throw new DataError(`ImageFolder: root ${root} is not a folder`);
    this.classes = visible(root).filter((name) => statSync(join(root, name)).isDirectory()).sort(byCodePoint);
    if (this.classes.length === 0) throw new DataError(`ImageFolder: ${root} has no class folders (expected one sub-folder per class, e.g. ${join(root, 'cat')})`);
    this.classToIdx = Object.fromEntries(this.classes.map((c, i) => [c, i]));
    this.samples = [];
    this.classes.forEach((name, idx) => {
      const dir = join(root, name);
      const files = walk(dir).sort(byCodePoint);
      let found = 0;
      for (const f of files) {
        if ((IMAGE_EXTENSIONS as readonly string[]).includes(extname(f).toLowerCase())) {
          this.samples.push([f, idx]);
          found++;
        } else this.skipped.push(f);
      }
      if (found === 0) {
        throw new DataError(`ImageFolder: class folder ${dir} has no images (${IMAGE_EXTENSIONS.join(', ')})${files.length ? `; skipped ${files.length} other file(s)` : ''}`);
      }
    });
    this.targets = this.samples.map(([, c]) => c);
    this.length = this.samples.length;
    this.cache = new Array(this.length);
  }

  get(i: number): Example {
    checkIndex('ImageFolder', i, this.length);
    let image = this.cache[i];
    if (!image) {
      const path = this.samples[i]![0];
      image = loadImage(path, this.shape[0] as 1 | 3, [this.shape[1], this.shape[2]]);
      this.cache[i] = image;
    }
    return { image: this.transform ? this.transform(image, this.shape, this.rng) : image, label: this.samples[i]![1] };
  }
}

/**
 * Reads one PNG or JPEG file as `[channels, height, width]` float32 in [0, 1], resized with
 * `resizeBilinear`. Errors are DataErrors naming the path and the cause.
 */
export function loadImage(path: string, channels: 1 | 3, size: readonly [number, number]): Float32Array {
  checkString('loadImage', 'path', path);
  if (channels !== 1 && channels !== 3) fail('loadImage', 'channels', '1 or 3', channels);
  if (!Array.isArray(size) || size.length !== 2 || !size.every((d) => Number.isInteger(d) && d > 0)) fail('loadImage', 'size', '[height, width] positive integers', size);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DataError(`${path}: cannot read the image (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
  const { width, height, rgba } = decode(path, bytes);
  const plane = width * height;
  const out = new Float32Array(channels * plane);
  for (let p = 0; p < plane; p++) {
    const r = rgba[4 * p]!;
    const g = rgba[4 * p + 1]!;
    const b = rgba[4 * p + 2]!;
    if (channels === 3) {
      out[p] = r / 255;
      out[plane + p] = g / 255;
      out[2 * plane + p] = b / 255;
    } else {
      // PIL's convert('L'): L = (R·19595 + G·38470 + B·7471 + 2^15) >> 16 (ITU-R 601-2 luma, rounded).
      out[p] = ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16) / 255;
    }
  }
  const shape: ImageShape = [channels, height, width];
  return size[0] === height && size[1] === width ? out : resizeBilinear(out, shape, size);
}

function decode(path: string, bytes: Buffer): { width: number; height: number; rgba: Uint8Array } {
  const isPng = bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.readUInt32BE(4) === 0x0d0a1a0a;
  const isJpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  try {
    if (isPng) {
      const png = PNG.sync.read(bytes);
      return { width: png.width, height: png.height, rgba: png.data };
    }
    if (isJpeg) {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false });
      return { width: img.width, height: img.height, rgba: img.data };
    }
  } catch (e) {
    throw new DataError(`${path}: cannot decode the ${isPng ? 'PNG' : 'JPEG'} image (${(e as Error).message})`, { cause: e });
  }
  const head = [...bytes.subarray(0, 4)].map((x) => x.toString(16).padStart(2, '0')).join(' ');
  throw new DataError(`${path}: not a PNG or JPEG image (${bytes.length} bytes${bytes.length ? `, starting ${head}` : ''})`);
}

function visible(dir: string): string[] {
  return readdirSync(dir).filter((n) => !n.startsWith('.'));
}

/** Every file under `dir` (following sub-folders), as paths. */
function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of visible(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
