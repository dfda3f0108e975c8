"""A small slice of Fashion-MNIST for the tests: the first N images and labels of each of the four
IDX files of Debian's dataset-fashion-mnist, rewritten as gzipped IDX with the header's N changed.

    /usr/bin/python3 scripts/make_fashion_fixture.py /usr/share/datasets/fashion-mnist test/fixtures/fashion-mnist
"""
import gzip
import os
import struct
import sys

src, dst = sys.argv[1], sys.argv[2]
N = {"train": 10, "t10k": 6}
os.makedirs(dst, exist_ok=True)
for split, n in N.items():
    for kind, item in (("images-idx3-ubyte", 784), ("labels-idx1-ubyte", 1)):
        name = f"{split}-{kind}.gz"
        with gzip.open(os.path.join(src, name)) as f:
            data = f.read()
        ndim = data[3]
        header = 4 + 4 * ndim
        dims = list(struct.unpack(">" + "I" * ndim, data[4:header]))
        dims[0] = n
        out = data[:4] + struct.pack(">" + "I" * ndim, *dims) + data[header:header + n * item]
        with open(os.path.join(dst, name), "wb") as f:
            f.write(gzip.compress(out, mtime=0))
