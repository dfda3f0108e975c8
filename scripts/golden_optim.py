#!/usr/bin/python3
"""Golden values for recur's optimizers, learning-rate schedules and gradient clipping.

Runs torch.optim, torch.optim.lr_scheduler and torch.nn.utils.clip_grad_* in float64 on inputs
built in closed form (no RNG), so the TypeScript tests can rebuild the same inputs and compare
values. Writes test/fixtures/optim/{inputs,optimizers,schedules,clip}.json.

    /usr/bin/python3 scripts/golden_optim.py          # from the repository root

Inputs (the same formulas are written out in test/optim.test.ts):
  p0, shape (3, 4): element k = 0.5*cos(0.37*k)
  p1, shape (5,):   element k = 0.5*sin(0.61*k + 0.2)
  gradient at step s = 1..20, element k of param m: cos(0.3*k + 0.7*s + m) * (1 + 0.1*s)

Configs are written in recur's own camelCase form (what createOptimizer / createSchedule take) and
translated to PyTorch's keyword names here, so one list drives both sides.
"""

import json
import math
import os
import sys
import warnings

import torch

torch.set_default_dtype(torch.float64)
# SequentialLR calls step(0) on the scheduler it switches to, which PyTorch flags as deprecated.
warnings.filterwarnings("ignore", category=UserWarning)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "optim")
STEPS = 20
SCHEDULE_STEPS = 30
SHAPES = {"p0": [3, 4], "p1": [5]}


def init_values(name):
    n = math.prod(SHAPES[name])
    if name == "p0":
        return [0.5 * math.cos(0.37 * k) for k in range(n)]
    return [0.5 * math.sin(0.61 * k + 0.2) for k in range(n)]


def grad_values(m, s):
    n = math.prod(SHAPES[f"p{m}"])
    return [math.cos(0.3 * k + 0.7 * s + m) * (1 + 0.1 * s) for k in range(n)]


def make_params():
    return [torch.tensor(init_values(name)).reshape(SHAPES[name]).requires_grad_() for name in SHAPES]


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


# ---- optimizers -------------------------------------------------------------------------------

OPTIMIZERS = [
    ("sgd", {"kind": "sgd", "lr": 0.1}),
    ("sgd_momentum", {"kind": "sgd", "lr": 0.1, "momentum": 0.9}),
    ("sgd_nesterov", {"kind": "sgd", "lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("sgd_momentum_dampening_wd",
     {"kind": "sgd", "lr": 0.1, "momentum": 0.9, "dampening": 0.1, "weightDecay": 0.01}),
    ("adam", {"kind": "adam", "lr": 0.01}),
    ("adam_amsgrad", {"kind": "adam", "lr": 0.01, "amsgrad": True}),
    ("adam_wd", {"kind": "adam", "lr": 0.01, "weightDecay": 0.01}),
    ("adamw", {"kind": "adamw", "lr": 0.01, "weightDecay": 0.1}),
    ("rmsprop", {"kind": "rmsprop", "lr": 0.01}),
    ("rmsprop_centered_momentum_wd",
     {"kind": "rmsprop", "lr": 0.01, "centered": True, "momentum": 0.9, "weightDecay": 0.01}),
    ("adagrad", {"kind": "adagrad", "lr": 0.1, "lrDecay": 0.01, "initialAccumulatorValue": 0.1}),
]

TORCH_OPTIMIZERS = {
    "sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
    "rmsprop": torch.optim.RMSprop, "adagrad": torch.optim.Adagrad,
}
SNAKE = {
    "weightDecay": "weight_decay", "lrDecay": "lr_decay",
    "initialAccumulatorValue": "initial_accumulator_value",
}


def torch_optimizer(config, params):
    kwargs = {SNAKE.get(k, k): (tuple(v) if isinstance(v, list) else v)
              for k, v in config.items() if k != "kind"}
    # The single-tensor code path is the one written as the documented per-element equations.
    return TORCH_OPTIMIZERS[config["kind"]](params, foreach=False, **kwargs)


def run_optimizer(config, schedule=None):
    params = make_params()
    opt = torch_optimizer(config, params)
    sched = schedule(opt) if schedule else None
    steps = []
    for s in range(1, STEPS + 1):
        for m, p in enumerate(params):
            p.grad = torch.tensor(grad_values(m, s)).reshape(p.shape)
        opt.step()
        if sched:
            sched.step()
        steps.append({name: flat(p) for name, p in zip(SHAPES, params)})
    return steps


def optimizers_fixture():
    cases = [{"name": name, "config": config, "steps": run_optimizer(config)} for name, config in OPTIMIZERS]
    # One run where a schedule drives an optimizer: OneCycleLR sets lr and cycles Adam's beta1,
    # applied before each step as recur's applySchedule does.
    config = {"kind": "adam", "lr": 0.01}
    schedule = {"kind": "onecycle", "maxLr": 0.05, "totalSteps": STEPS}
    cases.append({
        "name": "adam_one_cycle", "config": config, "schedule": schedule,
        "steps": run_optimizer(config, lambda opt: torch_schedule(schedule, opt)),
    })
    return {"steps": STEPS, "cases": cases}


# ---- schedules --------------------------------------------------------------------------------

BASE_LR = 0.1

SCHEDULES = [
    ("step", {"kind": "step", "stepSize": 7, "gamma": 0.5}),
    ("multistep_repeated_milestone", {"kind": "multistep", "milestones": [4, 11, 11, 19], "gamma": 0.3}),
    ("exponential", {"kind": "exponential", "gamma": 0.9}),
    ("cosine_past_tmax", {"kind": "cosine", "tMax": 12, "etaMin": 0.001}),
    ("cosine_restarts_tmult2", {"kind": "cosine_restarts", "t0": 4, "tMult": 2, "etaMin": 0.002}),
    ("cosine_restarts_tmult1", {"kind": "cosine_restarts", "t0": 5}),
    ("plateau_min_rel",
     {"kind": "plateau", "factor": 0.5, "patience": 2, "threshold": 0.01, "cooldown": 1, "minLr": 0.01}),
    ("plateau_max_abs",
     {"kind": "plateau", "mode": "max", "thresholdMode": "abs", "factor": 0.3, "patience": 1,
      "threshold": 0.002}),
    ("one_cycle", {"kind": "onecycle", "maxLr": 0.1, "totalSteps": SCHEDULE_STEPS}),
    ("one_cycle_three_phase_linear",
     {"kind": "onecycle", "maxLr": 0.2, "totalSteps": SCHEDULE_STEPS, "pctStart": 0.25,
      "annealStrategy": "linear", "divFactor": 10, "finalDivFactor": 100, "threePhase": True,
      "baseMomentum": 0.8, "maxMomentum": 0.9}),
    ("warmup_cosine",
     {"kind": "cosine", "tMax": 20, "etaMin": 0.001, "warmup": {"startFactor": 0.1, "iters": 5}}),
    ("warmup_step", {"kind": "step", "stepSize": 6, "gamma": 0.5, "warmup": {"startFactor": 0.1, "iters": 5}}),
    ("warmup_constant_default_start", {"kind": "constant", "warmup": {"iters": 4}}),
    # OneCycleLR rewrites initial_lr, so PyTorch's warm-up rises towards maxLr/divFactor, not the base lr.
    ("warmup_onecycle",
     {"kind": "onecycle", "maxLr": 0.1, "totalSteps": 25, "warmup": {"startFactor": 0.5, "iters": 5}}),
    ("warmup_exponential", {"kind": "exponential", "gamma": 0.95, "warmup": {"startFactor": 0.25, "iters": 3}}),
]


def plateau_metric(n):
    """A loss that falls, then wanders around a plateau (noise below the relative threshold)."""
    return 0.2 + 0.8 * math.exp(-0.5 * n) + 0.004 * math.cos(1.3 * n)


def torch_schedule(config, opt):
    S = torch.optim.lr_scheduler
    kind = config["kind"]
    if kind == "constant":
        inner = lambda: S.LambdaLR(opt, lambda n: 1.0)
    elif kind == "step":
        inner = lambda: S.StepLR(opt, step_size=config["stepSize"], gamma=config["gamma"])
    elif kind == "multistep":
        inner = lambda: S.MultiStepLR(opt, milestones=config["milestones"], gamma=config["gamma"])
    elif kind == "exponential":
        inner = lambda: S.ExponentialLR(opt, gamma=config["gamma"])
    elif kind == "cosine":
        inner = lambda: S.CosineAnnealingLR(opt, T_max=config["tMax"], eta_min=config.get("etaMin", 0))
    elif kind == "cosine_restarts":
        inner = lambda: S.CosineAnnealingWarmRestarts(
            opt, T_0=config["t0"], T_mult=config.get("tMult", 1), eta_min=config.get("etaMin", 0))
    elif kind == "plateau":
        inner = lambda: S.ReduceLROnPlateau(
            opt, mode=config.get("mode", "min"), factor=config.get("factor", 0.1),
            patience=config.get("patience", 10), threshold=config.get("threshold", 1e-4),
            threshold_mode=config.get("thresholdMode", "rel"), cooldown=config.get("cooldown", 0),
            min_lr=config.get("minLr", 0))
    elif kind == "onecycle":
        inner = lambda: S.OneCycleLR(
            opt, max_lr=config["maxLr"], total_steps=config["totalSteps"],
            pct_start=config.get("pctStart", 0.3), anneal_strategy=config.get("annealStrategy", "cos"),
            div_factor=config.get("divFactor", 25.0), final_div_factor=config.get("finalDivFactor", 1e4),
            three_phase=config.get("threePhase", False),
            base_momentum=config.get("baseMomentum", 0.85), max_momentum=config.get("maxMomentum", 0.95))
    else:
        raise ValueError(kind)
    warmup = config.get("warmup")
    if not warmup:
        return inner()
    # LinearLR's own default start factor, 1/3, when the config leaves it out.
    first = S.LinearLR(opt, start_factor=warmup.get("startFactor", 1.0 / 3), total_iters=warmup["iters"])
    return S.SequentialLR(opt, schedulers=[first, inner()], milestones=[warmup["iters"]])


def momentum_of(opt):
    group = opt.param_groups[0]
    return group["betas"][0] if "betas" in group else group["momentum"]


def schedules_fixture():
    metrics = [plateau_metric(n) for n in range(SCHEDULE_STEPS)]
    cases = []
    for name, config in SCHEDULES:
        params = make_params()
        opt = torch.optim.SGD(params, lr=BASE_LR, momentum=0.9)
        sched = torch_schedule(config, opt)
        lrs, momenta = [], []
        for n in range(SCHEDULE_STEPS):
            lrs.append(opt.param_groups[0]["lr"])
            momenta.append(momentum_of(opt))
            opt.step()
            if config["kind"] == "plateau":
                sign = -1.0 if config.get("mode") == "max" else 1.0
                sched.step(sign * metrics[n])
            else:
                sched.step()
        case = {"name": name, "config": config, "lr": lrs}
        if config["kind"] == "onecycle":
            case["momentum"] = momenta
        cases.append(case)
    return {
        "baseLr": BASE_LR, "steps": SCHEDULE_STEPS,
        "plateauMetric": "0.2 + 0.8*exp(-0.5*n) + 0.004*cos(1.3*n), negated for mode max",
        "metrics": metrics, "cases": cases,
    }


# ---- clipping ---------------------------------------------------------------------------------

def clip_fixture():
    def grads(scale=1.0):
        params = make_params()
        for m, p in enumerate(params):
            p.grad = torch.tensor(grad_values(m, 1)).reshape(p.shape) * scale
        return params

    cases = []
    for name, max_norm, norm_type, scale in [
        ("norm2", 1.0, 2.0, 1.0), ("norm_inf", 1.0, math.inf, 1.0),
        ("norm2_below_max", 10.0, 2.0, 1.0), ("norm_inf_below_max", 2.0, math.inf, 1.0),
    ]:
        params = grads(scale)
        total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
        cases.append({
            "name": name, "fn": "norm", "maxNorm": max_norm,
            "normType": "inf" if math.isinf(norm_type) else norm_type,
            "totalNorm": float(total), "grads": {n: flat(p.grad) for n, p in zip(SHAPES, params)},
        })
    params = grads()
    torch.nn.utils.clip_grad_value_(params, 0.1)
    cases.append({"name": "value", "fn": "value", "clipValue": 0.1,
                  "grads": {n: flat(p.grad) for n, p in zip(SHAPES, params)}})
    return {"cases": cases}


def inputs_fixture():
    return {
        "shapes": SHAPES,
        "init": {name: init_values(name) for name in SHAPES},
        "grads": [{f"p{m}": grad_values(m, s) for m in range(2)} for s in range(1, STEPS + 1)],
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in [("inputs", inputs_fixture()), ("optimizers", optimizers_fixture()),
                       ("schedules", schedules_fixture()), ("clip", clip_fixture())]:
        path = os.path.join(OUT, name + ".json")
        with open(path, "w") as f:
            # Python writes floats with repr, the shortest string that reads back to the same double.
            json.dump({"generator": "scripts/golden_optim.py", "torch": torch.__version__, **data}, f)
            f.write("\n")
        print("wrote", os.path.relpath(path), file=sys.stderr)


if __name__ == "__main__":
    main()
