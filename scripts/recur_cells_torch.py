"""PyTorch reference modules for recur's long-memory cells: IndRNN, minGRU and minLSTM.

Plain loops over time, written to be read and checked, not to be fast; plus, for minGRU and
minLSTM, the paper's log-space parallel form. Imported by scripts/golden_newcells.py (golden
values), scripts/torch_roundtrip.py (model files load into these modules) and bench/torch_bench.py
(workload G). Time-major like nn.RNN (batch_first=False): x (T, B, I), output (T, B, D*H),
h_0 / h_n (L*D, B, H), the forward direction's features first, then the reverse ones.

Legend: T steps, B batch, I input width, H hidden width, L layers, D directions (1 or 2).

IndRNN (Li et al., CVPR 2018, "Independently Recurrent Neural Network (IndRNN)"):
    h_t = relu(W_ih x_t + b_ih + u ⊙ h_{t-1})                     u: one recurrent weight per unit
  parameters weight_ih_l{k} (H, I), weight_hh_l{k} (H) = u, bias_ih_l{k} (H). The paper keeps each
  |u_j| within a bound set from the sequence length T, e.g. |u| ≤ 2^{1/T} for the adding problem
  (relu: the gradient through T steps of one unit scales as u^T, so u^T ≤ 2 neither explodes nor,
  with u not far below the bound, vanishes), and initialises u uniformly in (0, 2^{1/T}); the
  authors' code draws the last layer's u from (2^{-1/T}, 2^{1/T}) when only the last step is used.

minGRU and minLSTM (Feng et al., 2024, "Were RNNs All We Needed?"), in the paper's log-space
version (its appendix): the candidate h~ passes through g in the sequential mode too, so that both
modes compute the same function and h stays positive for positive h_0.
    g(x) = x + 0.5 (x >= 0), sigmoid(x) (x < 0)
  minGRU, rows of W_ih: [z | h~] (2H):
    z_t = sigmoid(W_z x_t + b_z),  h~_t = g(W_h x_t + b_h)
    h_t = (1 - z_t) ⊙ h_{t-1} + z_t ⊙ h~_t
  minLSTM, rows of W_ih: [f | i | h~] (3H):
    f_t = sigmoid(W_f x_t + b_f),  i_t = sigmoid(W_i x_t + b_i),  h~_t = g(W_h x_t + b_h)
    f'_t = f_t / (f_t + i_t),  i'_t = i_t / (f_t + i_t)
    h_t = f'_t ⊙ h_{t-1} + i'_t ⊙ h~_t
  parameters weight_ih_l{k} (G*H, I), bias_ih_l{k} (G*H); no recurrent weight. Both are linear
  recurrences h_t = a_t ⊙ h_{t-1} + b_t (minGRU a = 1 - z, b = z h~; minLSTM a = f', b = i' h~).

Variable lengths (as nn.RNN with packed sequences): sequence b only updates for t < lengths[b];
past its end its state is carried and its output is 0, so the reverse direction starts at its own
last step.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

GATES = {"indrnn": 1, "mingru": 2, "minlstm": 3}


def g(x):
    """The paper's activation keeping h~ positive: x + 0.5 for x >= 0, sigmoid(x) below."""
    return torch.where(x >= 0, x + 0.5, torch.sigmoid(x))


def log_g(x):
    """log g(x), computed without forming g (the paper's log_g)."""
    return torch.where(x >= 0, (F.relu(x) + 0.5).log(), -F.softplus(-x))


def parallel_scan_log(log_coeffs, log_values):
    """The paper's scan in log space (Heinsen's method), time-major: h_t = a_t h_{t-1} + b_t with
    log_coeffs = log a (T, B, H) and log_values = [log h_0; log b] (T+1, B, H). Returns h_1..h_T."""
    a_star = F.pad(torch.cumsum(log_coeffs, dim=0), (0, 0, 0, 0, 1, 0))
    log_h0_plus_b_star = torch.logcumsumexp(log_values - a_star, dim=0)
    return torch.exp(a_star + log_h0_plus_b_star)[1:]


class RecurStack(nn.Module):
    """L layers of one cell kind, D directions, the layout and parameter names of nn.RNN."""

    def __init__(self, cell, input_size, hidden_size, num_layers=1, bidirectional=False):
        super().__init__()
        if cell not in GATES:
            raise ValueError(f"cell must be one of {sorted(GATES)}, not {cell}")
        self.cell, self.hidden_size, self.num_layers = cell, hidden_size, num_layers
        self.directions = 2 if bidirectional else 1
        rows = GATES[cell] * hidden_size
        for layer in range(num_layers):
            width = input_size if layer == 0 else hidden_size * self.directions
            for suffix in self.suffixes(layer):
                self.register_parameter(f"weight_ih{suffix}", nn.Parameter(torch.empty(rows, width)))
                if cell == "indrnn":
                    self.register_parameter(f"weight_hh{suffix}", nn.Parameter(torch.empty(hidden_size)))
                self.register_parameter(f"bias_ih{suffix}", nn.Parameter(torch.empty(rows)))
        self.reset_parameters()

    def suffixes(self, layer):
        return [f"_l{layer}"] + ([f"_l{layer}_reverse"] if self.directions == 2 else [])

    def reset_parameters(self, seq_len=None):
        """W_ih and b uniform in ±1/sqrt(H) (nn.RNN's rule); IndRNN's u uniform in (0, 2^{1/T})."""
        k = 1.0 / math.sqrt(self.hidden_size)
        bound = 2.0 ** (1.0 / seq_len) if seq_len else 1.0
        for name, p in self.named_parameters():
            if name.startswith("weight_hh"):
                nn.init.uniform_(p, 0.0, bound)
            else:
                nn.init.uniform_(p, -k, k)

    # ---- one step of each cell, from the input projection p_t (B, G*H) ----------------------

    def step(self, suffix, p, h):
        H = self.hidden_size
        if self.cell == "indrnn":
            return torch.relu(p + getattr(self, f"weight_hh{suffix}") * h)
        if self.cell == "mingru":
            z, h_tilde = torch.sigmoid(p[:, :H]), g(p[:, H:])
            return (1 - z) * h + z * h_tilde
        f, i, h_tilde = torch.sigmoid(p[:, :H]), torch.sigmoid(p[:, H:2 * H]), g(p[:, 2 * H:])
        return f / (f + i) * h + i / (f + i) * h_tilde

    def forward(self, x, h_0=None, lengths=None):
        """The plain loop. x (T, B, I); h_0 (L*D, B, H) or None (zeros); lengths (B) or None."""
        T, B = x.shape[0], x.shape[1]
        if lengths is not None:
            lengths = torch.as_tensor(lengths)
        if h_0 is None:
            h_0 = x.new_zeros(self.num_layers * self.directions, B, self.hidden_size)
        layer_input, h_n = x, []
        for layer in range(self.num_layers):
            outputs = []
            for d, suffix in enumerate(self.suffixes(layer)):
                p_all = layer_input @ getattr(self, f"weight_ih{suffix}").T + getattr(self, f"bias_ih{suffix}")
                # unbind, not p_all[t]: each index's backward would write a whole (T, B, G*H) zero tensor
                p_steps = p_all.unbind(0)
                h = h_0[layer * self.directions + d]
                out = [None] * T
                for t in (range(T) if d == 0 else range(T - 1, -1, -1)):
                    h_new = self.step(suffix, p_steps[t], h)
                    if lengths is None:
                        h = out[t] = h_new
                        continue
                    live = (t < lengths).unsqueeze(1)  # (B, 1): is step t inside sequence b?
                    h = torch.where(live, h_new, h)
                    out[t] = torch.where(live, h_new, torch.zeros_like(h_new))
                outputs.append(torch.stack(out))
                h_n.append(h)
            layer_input = torch.cat(outputs, dim=2)
        return layer_input, torch.stack(h_n)

    def forward_parallel(self, x, h_0=None):
        """minGRU / minLSTM in the paper's log-space parallel form (full lengths). h_0 must be
        positive (it enters as log h_0); None means h_0 = 0, i.e. log h_0 = -inf."""
        if self.cell == "indrnn":
            raise ValueError("IndRNN's recurrence is not linear: it has no parallel form")
        T, B, H = x.shape[0], x.shape[1], self.hidden_size
        layer_input, h_n = x, []
        for layer in range(self.num_layers):
            outputs = []
            for d, suffix in enumerate(self.suffixes(layer)):
                p = layer_input @ getattr(self, f"weight_ih{suffix}").T + getattr(self, f"bias_ih{suffix}")
                if d == 1:
                    p = p.flip(0)
                if self.cell == "mingru":
                    k = p[..., :H]
                    log_coeffs, log_gate = -F.softplus(k), -F.softplus(-k)  # log(1 - z), log z
                else:
                    diff = F.softplus(-p[..., :H]) - F.softplus(-p[..., H:2 * H])  # log i - log f
                    log_coeffs, log_gate = -F.softplus(diff), -F.softplus(-diff)  # log f', log i'
                log_tilde_h = log_g(p[..., -H:])
                if h_0 is None:
                    log_h0 = x.new_full((1, B, H), -math.inf)
                else:
                    log_h0 = torch.log(h_0[layer * self.directions + d]).unsqueeze(0)
                h = parallel_scan_log(log_coeffs, torch.cat([log_h0, log_gate + log_tilde_h], dim=0))
                h_n.append(h[-1])
                outputs.append(h.flip(0) if d == 1 else h)
            layer_input = torch.cat(outputs, dim=2)
        return layer_input, torch.stack(h_n)


def IndRNN(input_size, hidden_size, **kw):
    return RecurStack("indrnn", input_size, hidden_size, **kw)


def MinGRU(input_size, hidden_size, **kw):
    return RecurStack("mingru", input_size, hidden_size, **kw)


def MinLSTM(input_size, hidden_size, **kw):
    return RecurStack("minlstm", input_size, hidden_size, **kw)
