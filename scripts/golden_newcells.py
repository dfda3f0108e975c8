#!/usr/bin/python3
"""Golden values for recur's long-memory cells (IndRNN, minGRU, minLSTM): forward outputs, final
states and BPTT gradients, from the plain-loop reference modules of scripts/recur_cells_torch.py.

Same closed forms and record layout as scripts/golden_rnn.py (test/helpers/golden.ts rebuilds the
numbers): float64 weights, inputs and initial states built from cos/sin of the flat index, the
gradient of a fixed linear projection of the outputs. One JSON file per case in
test/fixtures/golden-newcells/<case>.json.

    /usr/bin/python3 scripts/golden_newcells.py          # from the repository root

Legend
  I = 3, H = 4, T = 5, B = 3 (the short cases); T = 300, B = 2 for the `long` cases, which reach
  the chunked scan. L layers, D directions. Time-major, flattened row-major.

Closed forms (k = flat row-major index inside the tensor), as in golden_rnn.py:
  parameter m (named_parameters() order):  0.6 * cos(0.37*k + 1.1*m)
  x   (T, B, I):        sin(0.5*k + 0.2)
  h0  (L*D, B, H):      0.3 * cos(0.9*k + 0.4)
  loss = sum_k output[k] * cos(1.3*k + 0.5) + sum_k h_n[k] * sin(1.7*k + 0.3)
  variable lengths: [3, 5, 2]

Cases
  {indrnn, mingru, minlstm} x L {1, 2} x {uni, bi} x {full, varlen}    24 cases
  {indrnn, mingru, minlstm} long: L 1, uni, full, T 300, B 2             3 cases
  named <cell>_l<L>_<uni|bi>_<full|varlen|long>, e.g. minlstm_l2_bi_varlen.

Checks before writing (the script stops on any failure):
  - torch.autograd.gradcheck of each reference module (2 layers, bidirectional, variable lengths);
  - minGRU / minLSTM: the paper's log-space parallel form equals the loop (outputs, h_n and every
    gradient) for positive h_0, and its forward equals the loop's for h_0 = 0 (log h_0 = -inf).
"""

import json
import math
import os
import sys

import torch
from torch.nn.utils.stateless import functional_call

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from recur_cells_torch import RecurStack  # noqa: E402

torch.set_default_dtype(torch.float64)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "golden-newcells")
I, H, T, B = 3, 4, 5, 3
T_LONG, B_LONG = 300, 2
VAR_LENGTHS = [3, 5, 2]
CELLS = ("indrnn", "mingru", "minlstm")
GENERATED_BY = f"scripts/golden_newcells.py, torch {torch.__version__}"


def param_value(m, k):
    return 0.6 * math.cos(0.37 * k + 1.1 * m)


def x_value(k):
    return math.sin(0.5 * k + 0.2)


def h0_value(k):
    return 0.3 * math.cos(0.9 * k + 0.4)


def closed_form(shape, fn, requires_grad=False):
    n = math.prod(shape)
    return torch.tensor([fn(k) for k in range(n)]).reshape(shape).requires_grad_(requires_grad)


def projection_loss(output, h_n):
    loss = (output.reshape(-1) * closed_form([output.numel()], lambda k: math.cos(1.3 * k + 0.5))).sum()
    return loss + (h_n.reshape(-1) * closed_form([h_n.numel()], lambda k: math.sin(1.7 * k + 0.3))).sum()


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def make_module(cell, num_layers, bidirectional):
    module = RecurStack(cell, I, H, num_layers=num_layers, bidirectional=bidirectional)
    with torch.no_grad():
        for m, (_, p) in enumerate(module.named_parameters()):
            p.copy_(closed_form(list(p.shape), lambda k, m=m: param_value(m, k)))
    return module


def case_name(cell, num_layers, bidirectional, kind):
    return f"{cell}_l{num_layers}_{'bi' if bidirectional else 'uni'}_{kind}"


def run_case(cell, num_layers, bidirectional, kind):
    t, b = (T_LONG, B_LONG) if kind == "long" else (T, B)
    lengths = VAR_LENGTHS if kind == "varlen" else None
    D = 2 if bidirectional else 1
    module = make_module(cell, num_layers, bidirectional)
    x = closed_form([t, b, I], x_value, requires_grad=True)
    h0 = closed_form([num_layers * D, b, H], h0_value, requires_grad=True)
    output, h_n = module(x, h0, lengths)
    loss = projection_loss(output, h_n)
    loss.backward()
    params = list(module.named_parameters())
    if lengths is not None:
        for r, n in enumerate(lengths):
            assert torch.all(output[n:, r] == 0), "padded outputs must be exactly zero"
            assert torch.equal(h_n[-D, r], output[n - 1, r, :H])
    return {
        "name": case_name(cell, num_layers, bidirectional, kind),
        "cell": cell,
        "inputSize": I,
        "hiddenSize": H,
        "numLayers": num_layers,
        "bidirectional": bidirectional,
        "T": t,
        "B": b,
        "lengths": list(lengths) if lengths is not None else None,
        "paramNames": [n for n, _ in params],
        "paramShapes": {n: list(p.shape) for n, p in params},
        "x": flat(x),
        "h0": flat(h0),
        "output": flat(output),
        "h_n": flat(h_n),
        "loss": float(loss.item()),
        "grads": {n: flat(p.grad) for n, p in params},
        "dx": flat(x.grad),
        "dh0": flat(h0.grad),
        "generatedBy": GENERATED_BY,
    }


def gradcheck_module(cell):
    """gradcheck of loss(x, h0, *params) for 2 layers, bidirectional, variable lengths."""
    module = make_module(cell, 2, True)
    names = [n for n, _ in module.named_parameters()]
    values = [p.detach().clone().requires_grad_(True) for _, p in module.named_parameters()]
    x = closed_form([T, B, I], x_value, requires_grad=True)
    h0 = closed_form([4, B, H], h0_value, requires_grad=True)

    def loss_fn(x, h0, *vals):
        out, h_n = functional_call(module, dict(zip(names, vals)), (x, h0, VAR_LENGTHS))
        return projection_loss(out, h_n)

    base = loss_fn(x, h0, *values).item()
    assert base != loss_fn(x, h0, *[0.5 * v for v in values]).item(), "parameters passed in were ignored"
    assert torch.autograd.gradcheck(loss_fn, (x, h0, *values), eps=1e-6, atol=1e-8, rtol=1e-6)


def check_parallel_form(cell, num_layers, bidirectional):
    """The log-space parallel form against the loop: values and gradients (h_0 > 0), and the
    forward for h_0 = 0. Returns the largest difference seen."""
    D = 2 if bidirectional else 1
    worst = 0.0
    results = []
    for mode in ("loop", "parallel"):
        module = make_module(cell, num_layers, bidirectional)
        x = closed_form([T, B, I], x_value, requires_grad=True)
        h0 = closed_form([num_layers * D, B, H], lambda k: 0.2 + 0.1 * math.cos(0.9 * k + 0.4), requires_grad=True)
        out, h_n = module(x, h0) if mode == "loop" else module.forward_parallel(x, h0)
        loss = projection_loss(out, h_n)
        loss.backward()
        results.append([out, h_n, x.grad, h0.grad] + [p.grad for _, p in module.named_parameters()])
        with torch.no_grad():
            zero = torch.zeros(num_layers * D, B, H)
            results[-1] += list(module(x, zero) if mode == "loop" else module.forward_parallel(x, None))
    for a, b in zip(*results):
        err = (a - b).abs().max().item()
        worst = max(worst, err)
        assert err < 1e-12, f"{cell}: parallel form differs from the loop by {err}"
    return worst


def main():
    for cell in CELLS:
        gradcheck_module(cell)
    for cell in ("mingru", "minlstm"):
        worst = max(check_parallel_form(cell, L, bi) for L in (1, 2) for bi in (False, True))
        print(f"{cell}: log-space parallel form vs loop, max |difference| = {worst:.1e}")

    cases = [run_case(cell, L, bi, kind) for cell in CELLS for L in (1, 2) for bi in (False, True)
             for kind in ("full", "varlen")]
    cases += [run_case(cell, 1, False, "long") for cell in CELLS]
    os.makedirs(OUT, exist_ok=True)
    for stale in os.listdir(OUT):
        if stale.endswith(".json"):
            os.remove(os.path.join(OUT, stale))
    for case in cases:
        with open(os.path.join(OUT, case["name"] + ".json"), "w") as f:
            json.dump(case, f, allow_nan=False)
            f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.relpath(OUT)} ({GENERATED_BY})")


if __name__ == "__main__":
    main()
