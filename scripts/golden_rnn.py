#!/usr/bin/python3
"""Golden values for recur's recurrent cells: forward outputs, final states and BPTT gradients.

Runs torch.nn.RNN / LSTM / GRU (and an explicit loop for the activations nn.RNN lacks) in float64
on weights, inputs and initial states built in closed form (no RNG anywhere), takes the gradient of
a fixed linear projection of the outputs, and writes one JSON file per case to
test/fixtures/golden/<case>.json. The TypeScript side (test/helpers/golden.ts) rebuilds the very
same numbers from the same formulas.

    /usr/bin/python3 scripts/golden_rnn.py          # from the repository root

Legend
  I = 3 input size, H = 4 hidden size, T = 5 time steps, B = 3 batch, L = layers, D = 1 or 2
  (directions). All arrays are time-major (batch_first=False) and flattened row-major.

Closed forms (k = flat row-major index inside the tensor):
  parameter m (in named_parameters() order, m = 0, 1, 2, ...):  0.6 * cos(0.37*k + 1.1*m)
  x   (T, B, I):            sin(0.5*k + 0.2)
  h0  (L*D, B, H):          0.3 * cos(0.9*k + 0.4)
  c0  (L*D, B, H), LSTM:    0.2 * sin(0.7*k + 0.1)
  loss = sum_k output[k] * cos(1.3*k + 0.5)        output (T, B, D*H)
       + sum_k h_n[k]    * sin(1.7*k + 0.3)        h_n    (L*D, B, H)
       + sum_k c_n[k]    * cos(0.8*k + 1.2)        c_n    (L*D, B, H), LSTM only
  variable lengths: [3, 5, 2] (pack_padded_sequence(enforce_sorted=False) in,
                    pad_packed_sequence(total_length=T) out: padded outputs are exactly 0 and
                    h_n / c_n hold each sequence's state at its own last step)

Cases
  {rnn_tanh, rnn_relu, lstm, gru} x L {1, 2} x {uni, bi} x {full, varlen}          32 cases
  {rnn_sigmoid, rnn_leaky_relu (slope 0.1)} x L {1, 2} x {uni, bi}, full lengths   8 cases
  named <cell>_l<L>_<uni|bi>_<full|varlen>, e.g. lstm_l2_bi_varlen.
"""

import itertools
import json
import math
import os

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.set_default_dtype(torch.float64)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "golden")

I, H, T, B = 3, 4, 5, 3
VAR_LENGTHS = [3, 5, 2]
LEAK = 0.1
GENERATED_BY = f"scripts/golden_rnn.py, torch {torch.__version__}"


# ----------------------------------------------------------------------------------------------
# Closed-form values (written out once; test/helpers/golden.ts has the same formulas)
# ----------------------------------------------------------------------------------------------

def param_value(m, k):
    return 0.6 * math.cos(0.37 * k + 1.1 * m)


def x_value(k):
    return math.sin(0.5 * k + 0.2)


def h0_value(k):
    return 0.3 * math.cos(0.9 * k + 0.4)


def c0_value(k):
    return 0.2 * math.sin(0.7 * k + 0.1)


def loss_weight_output(k):
    return math.cos(1.3 * k + 0.5)


def loss_weight_hn(k):
    return math.sin(1.7 * k + 0.3)


def loss_weight_cn(k):
    return math.cos(0.8 * k + 1.2)


def closed_form(shape, fn, requires_grad=False):
    """A float64 tensor of `shape` whose flat row-major element k is fn(k)."""
    n = math.prod(shape)
    t = torch.tensor([fn(k) for k in range(n)]).reshape(shape)
    return t.requires_grad_(requires_grad)


def projection_loss(output, h_n, c_n=None):
    """The fixed linear projection whose gradient the fixtures record."""
    loss = (output.reshape(-1) * closed_form([output.numel()], loss_weight_output)).sum()
    loss = loss + (h_n.reshape(-1) * closed_form([h_n.numel()], loss_weight_hn)).sum()
    if c_n is not None:
        loss = loss + (c_n.reshape(-1) * closed_form([c_n.numel()], loss_weight_cn)).sum()
    return loss


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


# ----------------------------------------------------------------------------------------------
# Parameter naming, shared by the nn modules and the explicit loop
# ----------------------------------------------------------------------------------------------

GATES = {"rnn": 1, "gru": 3, "lstm": 4}  # rows of weight_ih / weight_hh are GATES * H


def rnn_param_names(num_layers, bidirectional):
    """nn.RNN's named_parameters() order: per layer, per direction: w_ih, w_hh, b_ih, b_hh."""
    names = []
    for layer in range(num_layers):
        for suffix in ([""] + (["_reverse"] if bidirectional else [])):
            for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                names.append(f"{kind}_l{layer}{suffix}")
    return names


def rnn_param_shape(name, cell, bidirectional):
    rows = GATES[cell] * H
    if name.startswith("bias"):
        return [rows]
    if name.startswith("weight_hh"):
        return [rows, H]
    layer = int(name.split("_l")[1].split("_")[0])
    return [rows, I if layer == 0 else H * (2 if bidirectional else 1)]


# ----------------------------------------------------------------------------------------------
# Case kind 1: torch.nn.RNN / LSTM / GRU
# ----------------------------------------------------------------------------------------------

def make_module(cell, activation, num_layers, bidirectional):
    kw = dict(input_size=I, hidden_size=H, num_layers=num_layers, bias=True, batch_first=False,
              dropout=0.0, bidirectional=bidirectional)
    if cell == "rnn":
        module = nn.RNN(nonlinearity=activation, **kw)
    elif cell == "lstm":
        module = nn.LSTM(**kw)
    else:
        module = nn.GRU(**kw)
    with torch.no_grad():
        for m, (name, p) in enumerate(module.named_parameters()):
            p.copy_(closed_form(list(p.shape), lambda k, m=m: param_value(m, k)))
    return module


def run_module(module, x, h0, c0, lengths):
    """Forward through `module`; returns (output (T, B, D*H), h_n, c_n or None)."""
    state = (h0, c0) if c0 is not None else h0
    if lengths is None:
        output, state_n = module(x, state)
    else:
        packed = pack_padded_sequence(x, torch.tensor(lengths), enforce_sorted=False)
        packed_out, state_n = module(packed, state)
        output, _ = pad_packed_sequence(packed_out, total_length=T)
    if c0 is not None:
        return output, state_n[0], state_n[1]
    return output, state_n, None


def module_case(cell, activation, num_layers, bidirectional, lengths):
    D = 2 if bidirectional else 1
    module = make_module(cell, activation, num_layers, bidirectional)
    x = closed_form([T, B, I], x_value, requires_grad=True)
    h0 = closed_form([num_layers * D, B, H], h0_value, requires_grad=True)
    c0 = None
    if cell == "lstm":
        c0 = closed_form([num_layers * D, B, H], c0_value, requires_grad=True)

    output, h_n, c_n = run_module(module, x, h0, c0, lengths)
    loss = projection_loss(output, h_n, c_n)
    loss.backward()

    if lengths is not None:
        check_varlen(output, h_n, lengths, D)

    params = list(module.named_parameters())
    label = cell if cell != "rnn" else f"rnn_{activation}"
    return case_record(
        name=case_name(label, num_layers, bidirectional, lengths),
        cell=cell, activation=activation if cell == "rnn" else None, leak=None,
        num_layers=num_layers, bidirectional=bidirectional, lengths=lengths,
        params=params, x=x, h0=h0, c0=c0, output=output, h_n=h_n, c_n=c_n, loss=loss)


def check_varlen(output, h_n, lengths, D):
    """Padded outputs are exactly 0; the last layer's forward h_n is the output at step len-1,
    and its reverse h_n is the output at step 0 (the reverse direction ends there)."""
    for b, n in enumerate(lengths):
        assert torch.all(output[n:, b] == 0), "padded outputs must be exactly zero"
        assert torch.equal(h_n[-D, b], output[n - 1, b, :H])
        if D == 2:
            assert torch.equal(h_n[-1, b], output[0, b, H:])


# ----------------------------------------------------------------------------------------------
# Case kind 2: an explicit loop for activations nn.RNN lacks (sigmoid, leaky relu)
# ----------------------------------------------------------------------------------------------

ACTIVATIONS = {
    "tanh": torch.tanh,
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, LEAK),
}


def explicit_rnn(act, p, x, h0, num_layers, bidirectional, lengths=None):
    """h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), following nn.RNN's conventions:
    the reverse direction reads the sequence from t = T-1 down to 0, each layer's output is
    [forward, reverse] concatenated on the feature axis and is the next layer's input, and
    h_n is ordered (layer0 fwd, layer0 rev, layer1 fwd, ...). `p` maps names to tensors.

    With `lengths` (only used by the sanity check against packed nn.RNN), sequence b only
    updates at steps t < lengths[b]: its state is carried unchanged (and its output is 0) past
    its end, so the reverse direction starts from h0 at its own last step lengths[b]-1."""
    D = 2 if bidirectional else 1
    lengths = torch.tensor(lengths if lengths is not None else [T] * B)
    layer_input = x
    h_n = []
    for layer in range(num_layers):
        direction_outputs = []
        for d, suffix in enumerate([""] + (["_reverse"] if bidirectional else [])):
            w_ih, w_hh = p[f"weight_ih_l{layer}{suffix}"], p[f"weight_hh_l{layer}{suffix}"]
            b_ih, b_hh = p[f"bias_ih_l{layer}{suffix}"], p[f"bias_hh_l{layer}{suffix}"]
            h = h0[layer * D + d]
            steps = range(T) if d == 0 else range(T - 1, -1, -1)
            outs = [None] * T
            for t in steps:
                live = (t < lengths).unsqueeze(1)  # (B, 1): is step t inside sequence b?
                h_new = act(layer_input[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
                h = torch.where(live, h_new, h)
                outs[t] = torch.where(live, h_new, torch.zeros_like(h_new))
            direction_outputs.append(torch.stack(outs))
            h_n.append(h)
        layer_input = torch.cat(direction_outputs, dim=2)
    return layer_input, torch.stack(h_n)


def explicit_params(num_layers, bidirectional):
    """Leaf tensors named and shaped like nn.RNN's, filled with the closed form in that order."""
    params = []
    for m, name in enumerate(rnn_param_names(num_layers, bidirectional)):
        shape = rnn_param_shape(name, "rnn", bidirectional)
        value = closed_form(shape, lambda k, m=m: param_value(m, k), requires_grad=True)
        params.append((name, value))
    return params


def explicit_case(activation, num_layers, bidirectional):
    D = 2 if bidirectional else 1
    params = explicit_params(num_layers, bidirectional)
    x = closed_form([T, B, I], x_value, requires_grad=True)
    h0 = closed_form([num_layers * D, B, H], h0_value, requires_grad=True)

    act = ACTIVATIONS[activation]
    output, h_n = explicit_rnn(act, dict(params), x, h0, num_layers, bidirectional)
    loss = projection_loss(output, h_n)
    loss.backward()

    return case_record(
        name=case_name(f"rnn_{activation}", num_layers, bidirectional, None),
        cell="rnn", activation=activation, leak=LEAK if activation == "leaky_relu" else None,
        num_layers=num_layers, bidirectional=bidirectional, lengths=None,
        params=params, x=x, h0=h0, c0=None, output=output, h_n=h_n, c_n=None, loss=loss)


def check_explicit_loop_matches_nn_rnn():
    """The explicit loop with tanh must reproduce nn.RNN(tanh) (values and gradients), including
    parameter names/order, 2-layer bidirectional stacking and (packed) variable lengths."""
    combos = itertools.product((1, 2), (False, True), (None, VAR_LENGTHS))
    for num_layers, bidirectional, lengths in combos:
        ref = module_case("rnn", "tanh", num_layers, bidirectional, lengths)
        D = 2 if bidirectional else 1
        params = explicit_params(num_layers, bidirectional)
        assert [n for n, _ in params] == ref["paramNames"], "parameter order differs from nn.RNN"
        x = closed_form([T, B, I], x_value, requires_grad=True)
        h0 = closed_form([num_layers * D, B, H], h0_value, requires_grad=True)
        output, h_n = explicit_rnn(torch.tanh, dict(params), x, h0, num_layers, bidirectional,
                                   lengths)
        loss = projection_loss(output, h_n)
        loss.backward()
        pairs = [(flat(output), ref["output"]), (flat(h_n), ref["h_n"]), (flat(x.grad), ref["dx"]),
                 (flat(h0.grad), ref["dh0"])] + [(flat(p.grad), ref["grads"][n]) for n, p in params]
        for got, want in pairs:
            err = max(abs(a - b) for a, b in zip(got, want))
            assert len(got) == len(want) and err < 1e-12, f"explicit loop != nn.RNN ({err})"


# ----------------------------------------------------------------------------------------------
# Self-check: float64 gradcheck of the whole loss (params, x, h0, c0) on one small case
# ----------------------------------------------------------------------------------------------

def gradcheck_lstm():
    """gradcheck of loss(x, h0, c0, *params) for a 2-layer bidirectional LSTM with variable
    lengths, with the parameters as gradcheck inputs too.

    In torch 1.13, nn.LSTM.forward hands `self._flat_weights` (a list in named_parameters()
    order) to the kernel, and stateless.functional_call does not reach that list, so the
    parameter tensors are swapped into `_flat_weights` directly for each call."""
    module = make_module("lstm", None, 2, True)
    names = [n for n, _ in module.named_parameters()]
    assert module._flat_weights_names == names
    param_values = [p.detach().clone().requires_grad_(True) for _, p in module.named_parameters()]
    x = closed_form([T, B, I], x_value, requires_grad=True)
    h0 = closed_form([4, B, H], h0_value, requires_grad=True)
    c0 = closed_form([4, B, H], c0_value, requires_grad=True)

    def loss_fn(x, h0, c0, *values):
        saved = module._flat_weights
        module._flat_weights = list(values)
        try:
            output, h_n, c_n = run_module(module, x, h0, c0, VAR_LENGTHS)
        finally:
            module._flat_weights = saved
        return projection_loss(output, h_n, c_n)

    # The call must really use the values passed in (otherwise gradcheck would pass vacuously on
    # all-zero parameter gradients), and must agree with the fixture's own forward.
    base = loss_fn(x, h0, c0, *param_values).item()
    scaled = loss_fn(x, h0, c0, *[0.5 * v for v in param_values]).item()
    assert base != scaled, "the parameter values passed in were ignored"
    assert abs(base - module_case("lstm", None, 2, True, VAR_LENGTHS)["loss"]) < 1e-12

    assert torch.autograd.gradcheck(loss_fn, (x, h0, c0, *param_values), eps=1e-6, atol=1e-8,
                                    rtol=1e-6)


# ----------------------------------------------------------------------------------------------
# Output
# ----------------------------------------------------------------------------------------------

def case_name(label, num_layers, bidirectional, lengths):
    direction = "bi" if bidirectional else "uni"
    length_kind = "varlen" if lengths else "full"
    return f"{label}_l{num_layers}_{direction}_{length_kind}"


def case_record(*, name, cell, activation, leak, num_layers, bidirectional, lengths, params, x, h0,
                c0, output, h_n, c_n, loss):
    return {
        "name": name,
        "cell": cell,
        "activation": activation,
        "leak": leak,
        "inputSize": I,
        "hiddenSize": H,
        "numLayers": num_layers,
        "bidirectional": bidirectional,
        "T": T,
        "B": B,
        "lengths": list(lengths) if lengths is not None else None,
        "paramNames": [n for n, _ in params],
        "paramShapes": {n: list(p.shape) for n, p in params},
        "x": flat(x),
        "h0": flat(h0),
        "c0": flat(c0) if c0 is not None else None,
        "output": flat(output),
        "h_n": flat(h_n),
        "c_n": flat(c_n) if c_n is not None else None,
        "loss": float(loss.item()),
        "grads": {n: flat(p.grad) for n, p in params},
        "dx": flat(x.grad),
        "dh0": flat(h0.grad),
        "dc0": flat(c0.grad) if c0 is not None else None,
        "generatedBy": GENERATED_BY,
    }


def all_cases():
    cases = []
    for cell, activation in (("rnn", "tanh"), ("rnn", "relu"), ("lstm", None), ("gru", None)):
        for num_layers in (1, 2):
            for bidirectional in (False, True):
                for lengths in (None, VAR_LENGTHS):
                    cases.append(module_case(cell, activation, num_layers, bidirectional, lengths))
    for activation in ("sigmoid", "leaky_relu"):
        for num_layers in (1, 2):
            for bidirectional in (False, True):
                cases.append(explicit_case(activation, num_layers, bidirectional))
    return cases


def main():
    check_explicit_loop_matches_nn_rnn()
    gradcheck_lstm()

    cases = all_cases()
    os.makedirs(OUT, exist_ok=True)
    for stale in os.listdir(OUT):
        if stale.endswith(".json"):
            os.remove(os.path.join(OUT, stale))
    for case in cases:
        # Sanity: every parameter's shape matches the naming convention and has a gradient.
        for n in case["paramNames"]:
            assert case["paramShapes"][n] == rnn_param_shape(n, case["cell"], case["bidirectional"])
            assert len(case["grads"][n]) == math.prod(case["paramShapes"][n])
        with open(os.path.join(OUT, case["name"] + ".json"), "w") as f:
            json.dump(case, f, allow_nan=False)
            f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.relpath(OUT)} ({GENERATED_BY})")


if __name__ == "__main__":
    main()
