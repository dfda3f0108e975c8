#!/usr/bin/python3
"""recur <-> PyTorch round trip: the fixtures of test/interop.test.ts (test/fixtures/interop/).

(a) recur -> PyTorch. For each recur_<case>.safetensors written by scripts/make-interop-fixtures.mjs:
    read the file (safetensors by hand: no `safetensors` package needed), build the twin module from
    the recur.config in its metadata, load_state_dict(strict=True), run the fixed input of
    recur_models.json and check PyTorch's output against recur's (float64 models within 1e-10,
    float32 within 1e-5). PyTorch's outputs go to recur_models.torch.json.
(b) PyTorch -> recur. Builds twins with torch.manual_seed, saves each state_dict as
    torch_<case>.safetensors the way safetensors.torch.save_file does (metadata {"format": "pt"}
    only: no recur config), and writes the recur ModelConfig, the input and PyTorch's output to
    torch_models.json. The test loads the state dict into a recur model built from that config.

    npm run build && node scripts/make-interop-fixtures.mjs && /usr/bin/python3 scripts/torch_roundtrip.py

The twin: submodules `embed` (nn.Embedding, text models only), `rnn` (nn.RNN / nn.LSTM / nn.GRU,
time-major; for IndRNN, minGRU and minLSTM the reference modules of scripts/recur_cells_torch.py)
and `head` (nn.Linear), so its state_dict names are recur's (rnn.weight_ih_l0,
rnn.bias_hh_l1_reverse, head.weight, embed.weight). The head reads every step, (T, B, D*H), or,
for outputMode 'last', the top layer's final states of both directions side by side, (1, B, D*H).
nn.RNN has tanh and relu only; recur's sigmoid and leaky relu RNNs have no nn.RNN twin.
"""

import json
import math
import os
import struct
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from recur_cells_torch import GATES as NEW_CELLS, RecurStack  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "test", "fixtures", "interop")
GENERATED_BY = f"scripts/torch_roundtrip.py, torch {torch.__version__}"

# safetensors dtype -> (torch dtype, struct format letter, bytes a value)
DTYPES = {"F32": (torch.float32, "f", 4), "F64": (torch.float64, "d", 8)}


# ----------------------------------------------------------------------------------------------
# safetensors, by hand: 8-byte little-endian header length, JSON header, then the data
# ----------------------------------------------------------------------------------------------

def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    data = raw[8 + n:]
    tensors = {}
    for name, entry in header.items():
        dtype, fmt, size = DTYPES[entry["dtype"]]
        begin, end = entry["data_offsets"]
        count = (end - begin) // size
        values = struct.unpack(f"<{count}{fmt}", data[begin:end])
        tensors[name] = torch.tensor(values, dtype=dtype).reshape(entry["shape"])
    return tensors, metadata


def write_safetensors(path, tensors, metadata):
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        code = "F64" if t.dtype == torch.float64 else "F32"
        fmt = DTYPES[code][1]
        values = t.reshape(-1).tolist()
        blob = struct.pack(f"<{len(values)}{fmt}", *values)
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        chunks.append(blob)
        offset += len(blob)
    header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the data starts on an 8-byte boundary, as the reference writer does
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


# ----------------------------------------------------------------------------------------------
# The twin module
# ----------------------------------------------------------------------------------------------

class Twin(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        inp = cfg["input"]
        if inp["kind"] == "tokens":
            self.embed = nn.Embedding(inp["vocabSize"], inp["embedDim"])
            width = inp["embedDim"]
        else:
            width = inp["size"]
        self.cell = cfg["cell"]
        self.every = cfg["outputMode"] == "every"
        self.dirs = 2 if cfg.get("bidirectional", False) else 1
        kw = dict(input_size=width, hidden_size=cfg["hiddenSize"], num_layers=cfg.get("numLayers", 1),
                  bidirectional=self.dirs == 2, dropout=cfg.get("dropout", 0.0))
        if self.cell == "rnn":
            act = cfg.get("activation", "tanh")
            if act not in ("tanh", "relu"):
                raise ValueError(f"nn.RNN has tanh and relu only, not {act}")
            self.rnn = nn.RNN(nonlinearity=act, **kw)
        elif self.cell in NEW_CELLS:
            self.rnn = RecurStack(self.cell, width, cfg["hiddenSize"], num_layers=kw["num_layers"], bidirectional=kw["bidirectional"])
        elif self.cell == "lstm":
            self.rnn = nn.LSTM(**kw)
        else:
            self.rnn = nn.GRU(**kw)
        self.head = nn.Linear(self.dirs * cfg["hiddenSize"], cfg["outputSize"])
        if cfg.get("dtype", "float32") == "float64":
            self.double()

    def forward(self, x):
        if hasattr(self, "embed"):
            x = self.embed(x)
        y, state = self.rnn(x)
        if self.every:
            return self.head(y)
        h_n = state[0] if self.cell == "lstm" else state
        top = h_n[-self.dirs:]  # (D, B, H): the top layer's directions
        last = top.permute(1, 0, 2).reshape(top.shape[1], -1)  # (B, D*H), forward | reverse
        return self.head(last).unsqueeze(0)


def make_input(cfg, t, b, values):
    if cfg["input"]["kind"] == "tokens":
        return torch.tensor(values, dtype=torch.long).reshape(t, b)
    dtype = torch.float64 if cfg.get("dtype") == "float64" else torch.float32
    return torch.tensor(values, dtype=dtype).reshape(t, b, cfg["input"]["size"])


# ----------------------------------------------------------------------------------------------
# (a) recur -> PyTorch
# ----------------------------------------------------------------------------------------------

def recur_to_torch():
    with open(os.path.join(FIXTURES, "recur_models.json")) as f:
        cases = json.load(f)["cases"]
    out = {}
    for name, case in cases.items():
        tensors, metadata = read_safetensors(os.path.join(FIXTURES, f"recur_{name}.safetensors"))
        cfg = json.loads(metadata["recur.config"])
        twin = Twin(cfg).eval()
        twin.load_state_dict(tensors, strict=True)
        with torch.no_grad():
            y = twin(make_input(cfg, case["t"], case["b"], case["input"])).reshape(-1).double()
        want = torch.tensor(case["output"], dtype=torch.float64)
        err = ((y - want).abs() / (1 + want.abs())).max().item()
        tol = 1e-10 if cfg.get("dtype") == "float64" else 1e-5
        print(f"recur -> torch  {name:22s} max |torch - recur| / (1 + |recur|) = {err:.2e}")
        if not err <= tol:
            sys.exit(f"{name}: PyTorch's output differs from recur's by {err:.3e} (tolerance {tol})")
        out[name] = {"output": y.tolist(), "error": err}
    with open(os.path.join(FIXTURES, "recur_models.torch.json"), "w") as f:
        json.dump({"generatedBy": GENERATED_BY, "cases": out}, f)
        f.write("\n")


# ----------------------------------------------------------------------------------------------
# (b) PyTorch -> recur
# ----------------------------------------------------------------------------------------------

I, H, O, T, B, V = 3, 4, 2, 5, 2, 7
FEATURES = {"kind": "features", "size": I}
TORCH_CASES = {
    "rnn_tanh_l2_every": dict(input=FEATURES, cell="rnn", activation="tanh", hiddenSize=H, numLayers=2, outputMode="every", outputSize=O),
    "rnn_relu_bi_last": dict(input=FEATURES, cell="rnn", activation="relu", hiddenSize=H, bidirectional=True, outputMode="last", outputSize=O),
    "lstm_l1_every": dict(input=FEATURES, cell="lstm", hiddenSize=H, outputMode="every", outputSize=O),
    "lstm_l2_bi_every": dict(input=FEATURES, cell="lstm", hiddenSize=H, numLayers=2, bidirectional=True, outputMode="every", outputSize=O),
    "gru_l2_bi_last": dict(input=FEATURES, cell="gru", hiddenSize=H, numLayers=2, bidirectional=True, outputMode="last", outputSize=O),
    "lstm_tokens_last": dict(input={"kind": "tokens", "vocabSize": V, "embedDim": 3}, cell="lstm", hiddenSize=H, outputMode="last", outputSize=V),
    "indrnn_l2_bi_last": dict(input=FEATURES, cell="indrnn", hiddenSize=H, numLayers=2, bidirectional=True, outputMode="last", outputSize=O),
    "mingru_l1_every": dict(input=FEATURES, cell="mingru", hiddenSize=H, outputMode="every", outputSize=O),
    "minlstm_l2_bi_every": dict(input=FEATURES, cell="minlstm", hiddenSize=H, numLayers=2, bidirectional=True, outputMode="every", outputSize=O),
}


def torch_to_recur():
    out = {}
    for seed, (name, cfg) in enumerate(TORCH_CASES.items()):
        cfg = dict(cfg, dtype="float64")
        torch.manual_seed(seed)
        twin = Twin(cfg).eval()
        if cfg["input"]["kind"] == "tokens":
            values = [(3 * k + 1) % V for k in range(T * B)]
        else:
            values = [math.sin(0.5 * k + 0.2) for k in range(T * B * I)]
        with torch.no_grad():
            y = twin(make_input(cfg, T, B, values)).reshape(-1)
        write_safetensors(os.path.join(FIXTURES, f"torch_{name}.safetensors"), twin.state_dict(), {"format": "pt"})
        out[name] = {"config": cfg, "t": T, "b": B, "input": values, "output": y.tolist()}
        print(f"torch -> recur  {name:22s} saved {len(twin.state_dict())} tensors")
    with open(os.path.join(FIXTURES, "torch_models.json"), "w") as f:
        json.dump({"generatedBy": GENERATED_BY, "cases": out}, f)
        f.write("\n")


if __name__ == "__main__":
    recur_to_torch()
    torch_to_recur()
