"""Connectionist temporal classification (CTC) on the GPU: the twin of ``backends/cpu/ctc.py``.

Same functions, arguments and arithmetic: the per-sample recursions are the CPU module's plain
functions, compiled here as device functions. **One thread per sample** (grid-stride over the
batch) runs the whole alpha, beta and gradient recursion of its sample, in float64 log space:
the recursion over time is sequential, and within a step the states depend on each other only
through the previous step, so one block per sample with a barrier per step would be faster for
long targets; this kernel is the simple, exact one, parallel over the batch only. Each thread
writes only its sample's rows of ``alpha``, ``beta``, ``lcab``, ``nll`` and ``grad[:, n, :]``:
no atomics.
"""
from __future__ import annotations

import math

import numpy as np
from numba import cuda

from numbagrad.backends.cpu.ctc import ctc_alpha_sample, ctc_grad_sample
from numbagrad.backends.cuda import _array
from numbagrad.backends.cuda._jit import kernel, launch
from numbagrad.backends.cuda.memory import contiguous, full

_alpha_sample = cuda.jit(device=True)(ctc_alpha_sample)
_grad_sample = cuda.jit(device=True)(ctc_grad_sample)


def _ctc_forward(lp, tgt, input_lengths, target_lengths, blank, zero_infinity, alpha, nll, out):
    """Thread ``n`` (grid-stride over the batch) owns ``alpha[n]``, ``nll[n]`` and ``out[n]``
    (``nll[n]``, or 0 for an impossible alignment with ``zero_infinity``)."""
    n = cuda.grid(1)
    while n < lp.shape[1]:
        v = _alpha_sample(lp, n, tgt, input_lengths[n], target_lengths[n], blank, alpha)
        nll[n] = v
        out[n] = 0.0 if (zero_infinity and v == math.inf) else v
        n += cuda.gridsize(1)


def _ctc_backward(lp, tgt, input_lengths, target_lengths, blank, alpha, beta, nll, g,
                  zero_infinity, lcab, grad):
    """Thread ``n`` (grid-stride over the batch) owns ``beta[n]``, ``lcab[n]`` and
    ``grad[:, n, :]``."""
    n = cuda.grid(1)
    while n < lp.shape[1]:
        _grad_sample(lp, n, tgt, input_lengths[n], target_lengths[n], blank, alpha, beta,
                     nll[n], g[n], zero_infinity, lcab, grad)
        n += cuda.gridsize(1)


_ctc_forward_kernel = kernel(_ctc_forward)
_ctc_backward_kernel = kernel(_ctc_backward)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank: int,
             zero_infinity: bool):
    """Per-sample losses and the saved ``(alpha, nll)``; see the CPU twin."""
    lp = contiguous(log_probs)
    steps, batch, _ = lp.shape
    states = 2 * targets.shape[1] + 1
    alpha = full((batch, max(steps, 1), states), -np.inf, np.float64)
    nll = _array.empty((batch,), np.float64)
    out = _array.empty((batch,), lp.dtype)
    if batch:
        launch(_ctc_forward_kernel, batch, lp, targets, input_lengths, target_lengths,
               int(blank), bool(zero_infinity), alpha, nll, out)
    return out, (alpha, nll)


def ctc_loss_vjp(g, log_probs, targets, input_lengths, target_lengths, saved, blank: int,
                 zero_infinity: bool):
    """The gradient of ``log_probs`` ``(T, N, C)``; see the CPU twin."""
    alpha, nll = saved
    lp = contiguous(log_probs)
    grad = _array.empty(lp.shape, lp.dtype)
    beta = full(alpha.shape, -np.inf, np.float64)
    lcab = _array.empty((lp.shape[1], lp.shape[2]), np.float64)
    if lp.shape[1]:
        launch(_ctc_backward_kernel, lp.shape[1], lp, targets, input_lengths, target_lengths,
               int(blank), alpha, beta, nll, contiguous(g), bool(zero_infinity), lcab, grad)
    return grad
