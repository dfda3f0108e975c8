# Fits the polynomial coefficients used by asm/math.ts (exp and tanh in f32), then measures the
# error of the f32 evaluation against float64 on a dense grid. Run: python3 asm/fit_poly.py
# Method: least squares on Chebyshev nodes, reweighted (Lawson) towards minimax relative error.
import numpy as np

def fit(f, basis, lo, hi, w, iters=60, nodes=4000):
    t = np.cos(np.pi * (np.arange(nodes) + 0.5) / nodes)
    x = lo + (hi - lo) * (t + 1) / 2
    A = np.stack([b(x) for b in basis], axis=1) * w(x)[:, None]
    y = f(x) * w(x)
    lw = np.ones(nodes) / nodes
    for _ in range(iters):
        c, *_ = np.linalg.lstsq(A * np.sqrt(lw)[:, None], y * np.sqrt(lw), rcond=None)
        e = np.abs(A @ c - y)
        lw = lw * e
        lw /= lw.sum()
    return c

ln2 = np.log(2.0)
# exp(r) = 1 + r + r^2 P(r), |r| <= ln2/2; P has degree 4 (total degree 6).
h = ln2 / 2
def pexp(r):
    r = np.where(np.abs(r) < 1e-6, 1e-6, r)
    return (np.expm1(r) - r) / (r * r)
for deg in (4, 5):
    c = fit(pexp, [lambda r, k=k: r ** k for k in range(deg + 1)], -h, h,
            lambda r: r * r / np.exp(r))
    c32 = c.astype(np.float32)
    r = np.linspace(-h, h, 2_000_001).astype(np.float32)
    p = np.float32(c32[-1]) * np.ones_like(r)
    for k in range(deg - 1, -1, -1):
        p = p * r + c32[k]
    v = np.float32(1) + (r + r * r * p)
    ref = np.exp(r.astype(np.float64))
    ulp = np.abs(v.astype(np.float64) - ref) / np.spacing(ref.astype(np.float32)).astype(np.float64)
    print('exp deg', deg, 'coeffs', [float(x) for x in c32], 'max ulp', ulp.max())

# tanh(x) = x + x^3 Q(x^2) on [0, T]
T = 0.625
def qt(s):
    x = np.sqrt(s)
    return (np.tanh(x) - x) / (x ** 3)
for deg in (3, 4, 5):
    c = fit(qt, [lambda s, k=k: s ** k for k in range(deg + 1)], 1e-8, T * T,
            lambda s: np.sqrt(s) ** 3 / np.tanh(np.sqrt(s)))
    c32 = c.astype(np.float32)
    x = np.linspace(1e-4, T, 2_000_001).astype(np.float32)
    s = x * x
    q = np.float32(c32[-1]) * np.ones_like(x)
    for k in range(deg - 1, -1, -1):
        q = q * s + c32[k]
    v = x + x * s * q
    ref = np.tanh(x.astype(np.float64))
    ulp = np.abs(v.astype(np.float64) - ref) / np.spacing(ref.astype(np.float32)).astype(np.float64)
    print('tanh deg', deg, 'coeffs', [float(x) for x in c32], 'max ulp', ulp.max())

c1 = np.float32(np.round(ln2 * 2 ** 16) / 2 ** 16)
print('ln2 hi', float(c1), 'lo', float(np.float32(ln2 - float(c1))))
