import { report, waves } from './data.mjs';
const { train, test } = waves();
// user code begins
import { SequenceClassifier } from 'recur';
const model = new SequenceClassifier({ cell: 'gru', hiddenSize: 24 });
model.fit(train.x, train.y, { epochs: 10 });
const predictions = model.predict(test.x);
// user code ends
report({ predictions });
