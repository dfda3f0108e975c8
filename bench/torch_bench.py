#!/usr/bin/python3
"""PyTorch CPU peer for recur's benchmark (bench/README.md). Run by bench/system.ts.

nn.LSTM / nn.GRU / nn.RNN (tanh), or the reference modules of IndRNN, minGRU and minLSTM
(scripts/recur_cells_torch.py: IndRNN as its loop over time, the min cells in the paper's
log-space parallel form), time-major (T, B, I), then nn.Linear on the last hidden state:
1 output with MSE, or `classes` outputs with cross-entropy; Adam lr 1e-3; float32.
A training step = zero_grad + forward + loss + backward + optimizer step; inference (mode infer)
= forward under torch.inference_mode().

Timing policy (same as bench/measure.ts): at least `warmup` steps and `warmup-min-seconds`, cut
short after `warmup-max-seconds` with at least one done; then steps until >= min-seconds and
>= min-steps.

Prints ONE JSON line on stdout: {status, msPerStep, warmupSteps, warmupMs, peakRssMB, blas,
versions, notes}. status 'unavailable' when torch does not import.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

# OpenBLAS kernels that predate AVX2: what its DYNAMIC_ARCH falls back to on a CPU too new for it.
GENERIC_CORES = {
    'prescott', 'core2', 'penryn', 'dunnington', 'nehalem', 'atom', 'katmai', 'coppermine',
    'northwood', 'banias', 'athlon', 'opteron', 'opteron_sse3', 'barcelona', 'bobcat', 'unknown',
}

PROBE = r'''
import ctypes, sys
try:
    lib = ctypes.CDLL("libopenblas.so.0")
except OSError:
    sys.exit(3)
f = lib.openblas_get_corename
f.restype = ctypes.c_char_p
print(f().decode())
'''


def emit(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()


def cpu_flags():
    try:
        with open('/proc/cpuinfo') as fh:
            for line in fh:
                if line.startswith('flags'):
                    return set(line.split(':', 1)[1].split())
    except OSError:
        pass
    return set()


def probe_openblas_core():
    """The kernel core OpenBLAS autodetects on this CPU (OPENBLAS_CORETYPE unset), or None."""
    env = {k: v for k, v in os.environ.items() if k != 'OPENBLAS_CORETYPE'}
    try:
        r = subprocess.run([sys.executable, '-c', PROBE], capture_output=True, text=True, timeout=60, env=env)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return r.stdout.strip() if r.returncode == 0 else None


def choose_openblas_core(notes):
    """Before torch loads OpenBLAS: if its autodetection falls back to a pre-AVX2 kernel on a CPU
    it does not know (OpenBLAS 0.3.21 calls a new Xeon 'Prescott'), name the kernel the CPU's
    flags support, as OpenBLAS would for a CPU it knows."""
    detected = probe_openblas_core()
    if os.environ.get('OPENBLAS_CORETYPE'):
        # respected, and said so with what OpenBLAS would have chosen by itself (the two can run
        # at very different speeds: Haswell's AVX2 kernels against SkylakeX's AVX-512 ones)
        notes.append('OPENBLAS_CORETYPE=%s set by the environment%s' % (
            os.environ['OPENBLAS_CORETYPE'], ', where OpenBLAS alone chooses %s' % detected if detected else ''))
        return
    if detected is None:
        return  # no libopenblas.so.0 reachable: torch will use whatever BLAS it finds
    if detected.lower() not in GENERIC_CORES:
        return
    flags = cpu_flags()
    forced = None
    if {'avx512f', 'avx512bw', 'avx512dq', 'avx512vl', 'avx512cd'} <= flags:
        forced = 'SkylakeX'
    elif {'avx2', 'fma'} <= flags:
        forced = 'Haswell'
    elif 'avx' in flags:
        forced = 'Sandybridge'
    if forced:
        os.environ['OPENBLAS_CORETYPE'] = forced
        notes.append('OpenBLAS autodetected %s (CPU unknown to it); forced OPENBLAS_CORETYPE=%s from the CPU flags'
                     % (detected, forced))


def loaded_blas():
    libs = []
    with open('/proc/self/maps') as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 6:
                path = parts[5]
                base = os.path.basename(path).lower()
                if any(k in base for k in ('blas', 'lapack', 'mkl', 'blis', 'atlas')) and path not in libs:
                    libs.append(path)
    info = {'libraries': libs, 'name': 'unknown'}
    openblas = [p for p in libs if 'openblas' in os.path.basename(p).lower()]
    if openblas:
        info['name'] = 'OpenBLAS'
        info['variant'] = ('openmp' if 'openblas-openmp' in openblas[0]
                           else 'pthread' if 'openblas-pthread' in openblas[0]
                           else 'serial' if 'openblas-serial' in openblas[0] else 'unknown')
        try:
            import ctypes
            lib = ctypes.CDLL(openblas[0])
            for fn, key in (('openblas_get_corename', 'core'), ('openblas_get_config', 'config')):
                f = getattr(lib, fn)
                f.restype = ctypes.c_char_p
                info[key] = f().decode()
            info['threads'] = lib.openblas_get_num_threads()
        except Exception as e:  # noqa: BLE001 - report, do not fail
            info['error'] = str(e)
        info['path'] = openblas[0]
    elif any('blas/libblas.so' in p for p in libs):
        info['name'] = 'reference BLAS (netlib)'
        info['path'] = next(p for p in libs if 'libblas' in p)
    elif any('mkl' in p for p in libs):
        info['name'] = 'MKL'
    return info


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, required=True)
    ap.add_argument('--cell', choices=['lstm', 'gru', 'rnn', 'indrnn', 'mingru', 'minlstm'], required=True)
    ap.add_argument('--input', type=int, required=True)
    ap.add_argument('--hidden', type=int, required=True)
    ap.add_argument('--batch', type=int, required=True)
    ap.add_argument('--length', type=int, required=True)
    ap.add_argument('--mode', choices=['train', 'infer'], required=True)
    ap.add_argument('--classes', type=int, default=0)
    ap.add_argument('--min-seconds', type=float, default=5.0)
    ap.add_argument('--warmup', type=int, default=3)
    ap.add_argument('--warmup-min-seconds', type=float, default=1.0)
    ap.add_argument('--warmup-max-seconds', type=float, default=10.0)
    ap.add_argument('--min-steps', type=int, default=3)
    ap.add_argument('--max-steps', type=int, default=100000)
    ap.add_argument('--flush-denormal', action='store_true',
                    help='torch.set_flush_denormal(True): subnormal floats become 0, as recur\'s wasm kernels flush gradients below 2^-100')
    a = ap.parse_args()

    notes = []
    os.environ['OMP_NUM_THREADS'] = str(a.threads)
    choose_openblas_core(notes)
    try:
        import torch
        from torch import nn
    except Exception as e:  # noqa: BLE001 - any import failure means "not available here"
        emit({'status': 'unavailable', 'error': 'torch does not import: %s: %s' % (type(e).__name__, e),
              'versions': {'python': sys.version.split()[0]}})
        return

    torch.set_num_threads(a.threads)  # after import it used 1 thread here, whatever the cores
    if a.flush_denormal:
        # Gradients that decay over 1000 steps (IndRNN's u < 1, the min cells' a_t < 1, and the
        # exp() of the log-space scan) reach float32 subnormals, where x86 arithmetic is slow.
        notes.append('flush denormal: %s' % torch.set_flush_denormal(True))
    torch.manual_seed(0)
    blas = loaded_blas()

    T, B, I, H = a.length, a.batch, a.input, a.hidden
    if a.cell in ('indrnn', 'mingru', 'minlstm'):
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'scripts'))
        from recur_cells_torch import RecurStack
        rnn = RecurStack(a.cell, I, H)
        rnn.reset_parameters(seq_len=T)
        if a.cell != 'indrnn':
            rnn.forward = rnn.forward_parallel  # the paper's log-space parallel form
            notes.append('%s: the paper\'s log-space parallel form (scripts/recur_cells_torch.py)' % a.cell)
        else:
            notes.append('indrnn: reference loop over time (scripts/recur_cells_torch.py)')
    else:
        cls = {'lstm': nn.LSTM, 'gru': nn.GRU, 'rnn': nn.RNN}[a.cell]
        kw = {'nonlinearity': 'tanh'} if a.cell == 'rnn' else {}
        rnn = cls(I, H, num_layers=1, **kw)
    head = nn.Linear(H, a.classes if a.classes else 1)
    params = list(rnn.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=1e-3)
    x = torch.randn(T, B, I)
    if a.classes:
        target = torch.randint(0, a.classes, (B,))
        loss_fn = nn.CrossEntropyLoss()
    else:
        target = torch.randn(B, 1)
        loss_fn = nn.MSELoss()

    if a.mode == 'infer':
        rnn.eval()
        head.eval()

        def step():
            with torch.inference_mode():
                out, _ = rnn(x)
                head(out[-1])
    else:
        def step():
            opt.zero_grad(set_to_none=True)
            out, _ = rnn(x)
            loss = loss_fn(head(out[-1]), target)
            loss.backward()
            opt.step()

    w0 = time.perf_counter()
    warm = 0
    while True:
        elapsed = time.perf_counter() - w0
        if warm >= a.warmup and elapsed >= a.warmup_min_seconds:
            break
        if warm >= 1 and elapsed >= a.warmup_max_seconds:
            if warm < a.warmup:
                notes.append('warm-up cut to %d of %d step(s) by the %g s warm-up cap' % (warm, a.warmup, a.warmup_max_seconds))
            break
        step()
        warm += 1
    warm_ms = (time.perf_counter() - w0) * 1000

    ms = []
    t0 = time.perf_counter()
    while True:
        s = time.perf_counter()
        step()
        e = time.perf_counter()
        ms.append((e - s) * 1000)
        elapsed = e - t0
        if len(ms) >= a.max_steps:
            break
        if elapsed >= a.min_seconds and len(ms) >= a.min_steps:
            if len(ms) == a.min_steps and elapsed > 1.5 * a.min_seconds:
                notes.append('slow: timed only the minimum %d steps (%.1f s)' % (a.min_steps, elapsed))
            break

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB
    emit({
        'status': 'ok',
        'msPerStep': ms,
        'warmupSteps': warm,
        'warmupMs': warm_ms,
        'peakRssMB': peak_mb,
        'threads': torch.get_num_threads(),
        'blas': blas,
        'versions': {'torch': torch.__version__, 'python': sys.version.split()[0]},
        'notes': notes,
    })


if __name__ == '__main__':
    main()
