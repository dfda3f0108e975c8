import { names, report } from './data.mjs';
const { train, test } = names();
// user code begins
import { TextModel } from 'recur';
const model = new TextModel({ cell: 'gru', hiddenSize: 64 });
model.fit(train, { epochs: 4 });
const nll = model.loss(test);
const samples = Array.from({ length: 5 }, () => model.generate({ temperature: 0.8 }));
// user code ends
report({ nll, samples });
