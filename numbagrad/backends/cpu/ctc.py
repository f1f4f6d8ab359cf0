"""Connectionist temporal classification (CTC) for the CPU: the loss and its gradient.

Layout, fixed by the caller (``numbagrad.ops.ctc``): ``log_probs`` C-contiguous ``(T, N, C)``,
``targets`` int64 ``(N, S)`` padded, ``input_lengths`` and ``target_lengths`` int64 ``(N,)``,
every length and label already checked (``T_n <= T``, ``L_n <= S``, labels in ``[0, C)``, by
:func:`check_lengths` and :func:`check_targets`, which the op runs first): the recursions index
without bounds checks.

For sample ``n`` the extended target is ``l'`` = blank, ``l_1``, blank, ..., ``l_L``, blank
(``2 L + 1`` states; state ``s`` is the blank for even ``s`` and ``l_{s // 2}`` for odd ``s``).
The forward variables ``alpha[t, s]`` (log-probability of the prefixes that end in state ``s``
at time ``t``) and the backward ``beta[t, s]`` are kept in log space, float64: products of
hundreds of probabilities underflow any float, sums of their logs do not. A state takes from
itself, the state before, and the one two before when that skips a blank between two different
labels. The loss is ``-log(alpha[T-1, S'-1] + alpha[T-1, S'-2])``.

The gradient is torch's: ``exp(lp[t, c]) - exp(log(sum_{s: l'_s = c} alpha beta) + nll -
lp[t, c])`` times the output gradient, for ``t < T_n`` (0 after), which is the gradient through
a log-softmax of the scores that made ``log_probs``. ``zero_infinity`` gives an impossible
alignment (``nll = inf``) a loss and gradient of 0.

The per-sample recursions are plain functions, compiled here with ``njit`` and by the CUDA
backend as device functions, so both devices run the same arithmetic.
"""
from __future__ import annotations

import math

import numpy as np

from numbagrad.backends.cpu._jit import jit


def ctc_alpha_sample(lp, n, tgt, T, L, blank, alpha):
    """Fill ``alpha[n, :T, :2L+1]`` for sample ``n``; return its negative log-likelihood."""
    neg_inf = -math.inf
    states = 2 * L + 1
    if T == 0:
        return 0.0 if L == 0 else math.inf
    for s in range(states):
        alpha[n, 0, s] = neg_inf
    alpha[n, 0, 0] = lp[0, n, blank]
    if L > 0:
        alpha[n, 0, 1] = lp[0, n, tgt[n, 0]]
    for t in range(1, T):
        for s in range(states):
            c = blank
            if s % 2 == 1:
                c = tgt[n, s // 2]
            a1 = alpha[n, t - 1, s]
            a2 = neg_inf
            a3 = neg_inf
            if s > 0:
                a2 = alpha[n, t - 1, s - 1]
            if s > 1 and s % 2 == 1 and tgt[n, s // 2] != tgt[n, s // 2 - 1]:
                a3 = alpha[n, t - 1, s - 2]
            m = max(a1, max(a2, a3))
            if m == neg_inf:
                alpha[n, t, s] = neg_inf
            else:
                # max plus the log of a sum of at most three terms <= 1: never overflows.
                alpha[n, t, s] = (m + math.log(math.exp(a1 - m) + math.exp(a2 - m)
                                               + math.exp(a3 - m)) + lp[t, n, c])
    last = alpha[n, T - 1, states - 1]
    before = neg_inf
    if states > 1:
        before = alpha[n, T - 1, states - 2]
    m = max(last, before)
    if m == neg_inf:
        return math.inf
    return -(m + math.log(math.exp(last - m) + math.exp(before - m)))


def ctc_grad_sample(lp, n, tgt, T, L, blank, alpha, beta, nll, g, zero_infinity, lcab, grad):
    """Write ``grad[:, n, :]`` (all ``T_max`` steps) for sample ``n``: fills ``beta[n]`` and
    uses ``lcab[n]`` (``C`` float64) as scratch; ``g`` is the sample's output gradient."""
    neg_inf = -math.inf
    steps = grad.shape[0]
    classes = grad.shape[2]
    states = 2 * L + 1
    if (zero_infinity and nll == math.inf) or T == 0:
        for t in range(steps):
            for c in range(classes):
                grad[t, n, c] = 0.0
        return
    for s in range(states):
        beta[n, T - 1, s] = neg_inf
    beta[n, T - 1, states - 1] = lp[T - 1, n, blank]
    if L > 0:
        beta[n, T - 1, states - 2] = lp[T - 1, n, tgt[n, L - 1]]
    for t in range(T - 2, -1, -1):
        for s in range(states):
            c = blank
            if s % 2 == 1:
                c = tgt[n, s // 2]
            b1 = beta[n, t + 1, s]
            b2 = neg_inf
            b3 = neg_inf
            if s + 1 < states:
                b2 = beta[n, t + 1, s + 1]
            if s % 2 == 1 and s + 2 < states and tgt[n, s // 2] != tgt[n, s // 2 + 1]:
                b3 = beta[n, t + 1, s + 2]
            m = max(b1, max(b2, b3))
            if m == neg_inf:
                beta[n, t, s] = neg_inf
            else:
                beta[n, t, s] = (m + math.log(math.exp(b1 - m) + math.exp(b2 - m)
                                              + math.exp(b3 - m)) + lp[t, n, c])
    for t in range(T):
        for c in range(classes):
            lcab[n, c] = neg_inf
        for s in range(states):
            c = blank
            if s % 2 == 1:
                c = tgt[n, s // 2]
            v = alpha[n, t, s] + beta[n, t, s]
            cur = lcab[n, c]
            if v != neg_inf:
                if cur == neg_inf:
                    lcab[n, c] = v
                else:
                    m = max(cur, v)
                    lcab[n, c] = m + math.log(math.exp(cur - m) + math.exp(v - m))
        for c in range(classes):
            x = lp[t, n, c] + 0.0  # float64, for float32 inputs too
            grad[t, n, c] = (math.exp(x) - math.exp(lcab[n, c] + nll - x)) * g
    for t in range(T, steps):
        for c in range(classes):
            grad[t, n, c] = 0.0


_alpha_sample = jit(ctc_alpha_sample)
_grad_sample = jit(ctc_grad_sample)


_CHECK = " (while checking arguments for ctc_loss_allocate_outputs)"


@jit
def check_lengths(input_lengths, target_lengths, steps):
    """torch's checks of the lengths (int64, ``(N,)``), raised with its messages: the
    recursions index with them. A kernel, so that a compiled step checks each call's."""
    for n in range(input_lengths.size):
        if input_lengths[n] < 0:
            raise RuntimeError("Expected input_lengths to have value at least 0, but got value "
                               + str(input_lengths[n]) + _CHECK)
        if input_lengths[n] > steps:
            raise RuntimeError("Expected input_lengths to have value at most " + str(steps)
                               + ", but got value " + str(input_lengths[n]) + _CHECK)
        if target_lengths[n] < 0:
            raise RuntimeError("Expected target_lengths to have value at least 0, but got "
                               "value " + str(target_lengths[n]) + _CHECK)


@jit
def check_targets(targets, target_lengths, classes):
    """Padded targets ``(N, S)`` (int64) hold each sample's ``target_lengths[n]`` labels,
    each in ``[0, classes)``: torch's size check and message, then an IndexError for a label
    out of range (torch's CPU kernel reads out of bounds there). Labels past a sample's length
    are never read, by this check or the recursions."""
    width = 0
    for n in range(target_lengths.size):
        width = max(width, target_lengths[n])
    if width > targets.shape[1]:
        raise RuntimeError("Expected tensor to have size at least " + str(width) + " at "
                           "dimension 1, but got size " + str(targets.shape[1])
                           + " for argument #2 'targets'" + _CHECK)
    for n in range(target_lengths.size):
        for s in range(target_lengths[n]):
            v = targets[n, s]
            if v < 0 or v >= classes:
                raise IndexError("ctc_loss: target label " + str(v) + " (sample " + str(n)
                                 + ", position " + str(s) + ") is out of range for "
                                 + str(classes) + " classes")


@jit
def _ctc_forward(lp, tgt, input_lengths, target_lengths, blank, zero_infinity, alpha, nll,
                 out):
    """Iteration ``n`` owns ``alpha[n]``, ``nll[n]`` and ``out[n]`` (``nll[n]`` in ``lp``'s
    dtype, or 0 for an impossible alignment with ``zero_infinity``)."""
    for n in range(lp.shape[1]):
        v = _alpha_sample(lp, n, tgt, input_lengths[n], target_lengths[n], blank, alpha)
        nll[n] = v
        out[n] = 0.0 if (zero_infinity and v == math.inf) else v


@jit
def _ctc_backward(lp, tgt, input_lengths, target_lengths, blank, alpha, beta, nll, g,
                  zero_infinity, lcab, grad):
    """Iteration ``n`` owns ``beta[n]``, ``lcab[n]`` and ``grad[:, n, :]``."""
    for n in range(lp.shape[1]):
        _grad_sample(lp, n, tgt, input_lengths[n], target_lengths[n], blank, alpha, beta,
                     nll[n], g[n], zero_infinity, lcab, grad)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank: int,
             zero_infinity: bool):
    """Per-sample losses ``(N,)`` in ``log_probs``' dtype (0 for impossible alignments with
    ``zero_infinity``) and, for the vjp, ``(alpha, nll)`` (float64)."""
    lp = np.ascontiguousarray(log_probs)
    steps, batch, _ = lp.shape
    states = 2 * targets.shape[1] + 1
    alpha = np.full((batch, max(steps, 1), states), -np.inf)
    nll = np.empty(batch)
    out = np.empty(batch, lp.dtype)
    _ctc_forward(lp, targets, input_lengths, target_lengths, blank, bool(zero_infinity), alpha,
                 nll, out)
    return out, (alpha, nll)


def ctc_loss_vjp(g, log_probs, targets, input_lengths, target_lengths, saved, blank: int,
                 zero_infinity: bool):
    """The gradient of ``log_probs`` ``(T, N, C)`` from the per-sample output gradient ``g``."""
    alpha, nll = saved
    lp = np.ascontiguousarray(log_probs)
    grad = np.empty(lp.shape, lp.dtype)
    beta = np.full(alpha.shape, -np.inf)
    lcab = np.empty((lp.shape[1], lp.shape[2]))
    # ``g`` in its own dtype and layout: float32 times float64 is the float64 product of the
    # exact conversion, so no converted copy is needed (nor one a compiled step cannot see).
    _ctc_backward(lp, targets, input_lengths, target_lengths, blank, alpha, beta, nll, g,
                  bool(zero_infinity), lcab, grad)
    return grad
