// The four pixel-sequence tasks by name: sequential and permuted MNIST (the `mnist` package's
// 10,000 digits) and Fashion-MNIST (60,000 / 10,000), with their data from a loader the caller
// passes (node/datasets.ts loadImages reads the files).

import { fail } from '../errors.js';
import { ImageSequenceTask, type ImageSplit } from './images.js';

export const IMAGE_TASKS = ['smnist', 'pmnist', 'sfmnist', 'pfmnist'] as const;
export type ImageTaskKind = (typeof IMAGE_TASKS)[number];
export type LoadImages = (dataset: 'mnist' | 'fashion', dir?: string) => ImageSplit;

/**
 * Accuracy at which each data set counts as solved: MNIST 97% (Le et al.'s IRNN on sMNIST),
 * Fashion-MNIST 88% (a little under what pixel-sequence LSTMs are reported to reach).
 */
export const IMAGE_SOLVED = { mnist: 0.97, fashion: 0.88 } as const;

export function imageTask(config: { kind: ImageTaskKind; dir?: string }, load: LoadImages | undefined, valSize?: number): ImageSequenceTask {
  if (typeof load !== 'function') fail(`${config.kind} task`, 'an image loader (CreateTaskOptions.loadImages, node/datasets.ts)', load);
  if (config.dir !== undefined && (typeof config.dir !== 'string' || config.dir === '')) fail(`${config.kind} task dir`, 'a directory path', config.dir);
  const dataset = config.kind.includes('f') ? 'fashion' : 'mnist';
  return new ImageSequenceTask(load(dataset, config.dir), { dataset, permuted: config.kind.startsWith('p'), valSize, solvedAccuracy: IMAGE_SOLVED[dataset] });
}
