// Classifying sequences of different lengths: samples × time × features as plain arrays, labels
// as strings. No padding by hand: each sequence is read to its own end.
//
//   npm run build && node dist/examples/classify-sequences.js

import assert from 'node:assert/strict';
import { Rng, SequenceClassifier } from 'recur';

// The data: noisy waves of 15 to 40 steps at one of three speeds, labelled by speed.
const rng = new Rng(3);
const speeds = ['slow', 'medium', 'fast'];
function waves(n: number): { x: number[][][]; y: string[] } {
  const x: number[][][] = [], y: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = rng.int(3), phase = rng.uniform() * 2 * Math.PI;
    x.push(Array.from({ length: 15 + rng.int(26) }, (_, t) => [Math.sin(phase + t * (0.3 + 0.5 * k)) + 0.3 * rng.normal()]));
    y.push(speeds[k]);
  }
  return { x, y };
}
const train = waves(600), test = waves(200);

// user code begins
const classifier = new SequenceClassifier({ cell: 'gru', hiddenSize: 24, seed: 1 });
classifier.fit(train.x, train.y, { epochs: 10 });
const accuracy = classifier.accuracy(test.x, test.y);
const predicted = classifier.predict(test.x.slice(0, 5));
// user code ends

console.log(`held-out accuracy ${(accuracy * 100).toFixed(1)}% (chance 33.3%); first five: ${predicted.join(', ')} (truth ${test.y.slice(0, 5).join(', ')})`);
assert.ok(accuracy > 0.9, 'accuracy well above chance');
