"""makemore's train/test split of names.txt, reproduced with PyTorch (Debian's python3-torch).

makemore.py (github.com/karpathy/makemore) seeds torch with 3407 (its --seed default), reads the
file, strips every line and drops empty ones, then takes test_set_size = min(1000, int(0.1 * n))
and rp = torch.randperm(n): the last test_set_size indices of rp are the test names, the rest train.
This prints those test indices (0-based, into the stripped non-empty lines), one per line, in rp's
order; data/names-makemore-test.txt holds the output for data/names.txt.

    /usr/bin/python3 scripts/makemore_split.py data/names.txt > data/names-makemore-test.txt
"""
import sys

import torch

torch.manual_seed(3407)
with open(sys.argv[1] if len(sys.argv) > 1 else "data/names.txt") as f:
    words = [w.strip() for w in f.read().splitlines()]
words = [w for w in words if w]
test_set_size = min(1000, int(len(words) * 0.1))
rp = torch.randperm(len(words)).tolist()
for i in rp[-test_set_size:]:
    print(i)
