#!/usr/bin/python3
"""Golden values for recur's AGC and AutoClip (src/train/clip.ts), computed in float64 with PyTorch.

AGC (Brock et al. 2021) as timm's adaptive_clip_grad writes it: for each parameter, the unit-wise
norm (a vector's whole norm; a matrix's norm over every dimension but the first), max_norm =
clip_factor * max(‖W_i‖, eps), and the gradient scaled by max_norm / max(‖G_i‖, 1e-6) where
‖G_i‖ > max_norm. AutoClip (Seetharaman et al. 2020): the norm joins the history, the gradient is
norm-clipped (clip_grad_norm_) at torch.quantile(history, p/100) (linear interpolation, numpy's
default), the history starting with warm_count copies of warm_start.

Inputs in closed form (rebuilt in test/long.test.ts):
  w0 (3, 4): 0.5*cos(0.37*k), bias b0 (5,): 0.01*k (b0[0] = 0, frozen by eps)
  gradient at step s = 1..6, element k of param m: cos(0.3*k + 0.7*s + m) * (1 + 0.1*s) * 3**(s % 3)
Writes test/fixtures/optim/clip-adaptive.json.

    /usr/bin/python3 scripts/golden_clip_adaptive.py
"""
import json
import math
import os

import torch

torch.set_default_dtype(torch.float64)
SHAPES = [(3, 4), (5,)]


def weights():
    w0 = torch.tensor([0.5 * math.cos(0.37 * k) for k in range(12)]).view(3, 4)
    b0 = torch.tensor([0.01 * k for k in range(5)])
    return [w0, b0]


def grads(s):
    out = []
    for m, shape in enumerate(SHAPES):
        n = math.prod(shape)
        out.append(torch.tensor([math.cos(0.3 * k + 0.7 * s + m) * (1 + 0.1 * s) * 3 ** (s % 3) for k in range(n)]).view(shape))
    return out


def unitwise_norm(x):
    return x.norm() if x.ndim <= 1 else x.norm(dim=tuple(range(1, x.ndim)), keepdim=True)


def agc(ws, gs, factor, eps):
    out = []
    for w, g in zip(ws, gs):
        max_norm = unitwise_norm(w).clamp(min=eps) * factor
        gn = unitwise_norm(g)
        clipped = g * (max_norm / gn.clamp(min=1e-6))
        out.append(torch.where(gn < max_norm, g, clipped))
    return out


def main():
    cases = {'agc': [], 'autoclip': []}
    for factor, eps in [(0.01, 1e-3), (0.1, 1e-3), (1.0, 0.05)]:
        for s in (1, 2, 3):
            g = agc(weights(), grads(s), factor, eps)
            cases['agc'].append({'factor': factor, 'eps': eps, 'step': s, 'grads': [x.flatten().tolist() for x in g]})
    for p, warm_start, warm_count in [(10, 1.0, 10), (50, 1.0, 0), (90, 5.0, 3)]:
        history = [warm_start] * warm_count
        steps = []
        for s in range(1, 7):
            params = [torch.nn.Parameter(w.clone()) for w in weights()]
            for prm, g in zip(params, grads(s)):
                prm.grad = g.clone()
            norm = torch.norm(torch.stack([q.grad.norm() for q in params])).item()
            history.append(norm)
            threshold = torch.quantile(torch.tensor(history), p / 100).item()
            torch.nn.utils.clip_grad_norm_(params, threshold)
            steps.append({'norm': norm, 'threshold': threshold, 'grads': [q.grad.flatten().tolist() for q in params]})
        cases['autoclip'].append({'percentile': p, 'warmStart': warm_start, 'warmCount': warm_count, 'steps': steps})
    path = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'optim', 'clip-adaptive.json')
    with open(path, 'w') as f:
        json.dump(cases, f)
        f.write('\n')


if __name__ == '__main__':
    main()
