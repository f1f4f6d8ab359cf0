"""Optimizer update kernels for the CPU: one fused pass over a parameter and its state.

Each kernel owns one parameter tensor. It receives the parameter, its gradient and its state
buffers as flat C-contiguous 1-D arrays of one floating dtype, plus scalars already converted to
that dtype, and updates the parameter and the buffers in place, reading and writing each element
once. Loop iteration ``i`` owns element ``i`` of every array.

The per-element arithmetic follows the order of torch's single-tensor implementations
(``torch/optim/{sgd,adam,rmsprop,adagrad}.py``: ``add(alpha=)``, ``lerp_``, ``addcmul_``,
``addcdiv_``), each step rounded to the parameter's dtype, so float32 trajectories agree with
torch's to a few units in the last place. Scalars that torch derives in Python (``-lr``, bias
corrections, ``1 - beta``) are derived by the caller in Python and passed in; the kernels hold no
literals, since a Python number would promote float32 arithmetic to float64 under Numba's typing.

Kernels take arrays and scalars only, so other ``njit`` code (a compiled training step) can call
them. Arguments are checked by the caller (``numbagrad.optim``): sizes must match, because Numba
does not bounds-check.
"""
from __future__ import annotations

import math

from numbagrad.backends.cpu._jit import jit


@jit
def sgd_step(param, grad, momentum_buffer, neg_lr, weight_decay, momentum, one_minus_dampening,
             nesterov, maximize, use_momentum, init_buffer):
    """SGD with optional weight decay, (Nesterov) momentum and maximisation, in place.

    Per element: ``g = ±grad + weight_decay * p``; with momentum,
    ``b = g`` on the first step (``init_buffer``) else ``b = momentum * b + (1 - dampening) * g``,
    then ``g = g + momentum * b`` (Nesterov) or ``g = b``; finally ``p = p - lr * g``.

    Parameters
    ----------
    param, grad : 1-D arrays of n elements
        The parameter (written) and its gradient (read).
    momentum_buffer : 1-D array of n elements, or of 0 when ``use_momentum`` is False
        Written in place.
    neg_lr, weight_decay, momentum, one_minus_dampening : scalars of the arrays' dtype
    nesterov, maximize, use_momentum, init_buffer : bool
    """
    for i in range(param.shape[0]):
        p = param[i]
        g = -grad[i] if maximize else grad[i]
        if weight_decay != 0:
            g = g + weight_decay * p
        if use_momentum:
            if init_buffer:
                b = g
            else:
                b = momentum_buffer[i] * momentum
                b = b + one_minus_dampening * g
            momentum_buffer[i] = b
            g = g + momentum * b if nesterov else b
        param[i] = p + neg_lr * g


@jit
def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr_weight_decay_keep, weight_decay,
              beta1_weight, beta1_weight_complement, beta2, one_minus_beta2, bias_correction2_sqrt,
              eps, neg_step_size, amsgrad, maximize, decoupled):
    """Adam and AdamW, in place.

    Per element, with ``g = ±grad``:

    * weight decay: ``p = p * (1 - lr * wd)`` (decoupled, AdamW) or ``g = g + wd * p`` (Adam);
    * ``m = lerp(m, g, 1 - beta1)``, ``v = beta2 * v + (1 - beta2) * g * g``;
    * ``v_max = max(v_max, v)`` when ``amsgrad``, and ``v_max`` replaces ``v`` below;
    * ``p = p - step_size * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)`` with
      ``step_size = lr / (1 - beta1**t)``.

    Parameters
    ----------
    param, grad, exp_avg, exp_avg_sq : 1-D arrays of n elements
    max_exp_avg_sq : 1-D array of n elements, or of 0 when ``amsgrad`` is False
    lr_weight_decay_keep : scalar
        ``1 - lr * weight_decay`` (used when ``decoupled``).
    weight_decay, beta2, one_minus_beta2, bias_correction2_sqrt, eps, neg_step_size : scalars
    beta1_weight, beta1_weight_complement : scalars
        The lerp weight ``1 - beta1`` and ``1 - weight`` rounded in the arrays' dtype.
    amsgrad, maximize, decoupled : bool
    """
    for i in range(param.shape[0]):
        p = param[i]
        g = -grad[i] if maximize else grad[i]
        if weight_decay != 0:
            if decoupled:
                p = p * lr_weight_decay_keep
            else:
                g = g + weight_decay * p
        m = _lerp(exp_avg[i], g, beta1_weight, beta1_weight_complement)
        exp_avg[i] = m
        v = exp_avg_sq[i] * beta2
        v = v + one_minus_beta2 * g * g
        exp_avg_sq[i] = v
        if amsgrad:
            if v < max_exp_avg_sq[i] or math.isnan(max_exp_avg_sq[i]):
                v = max_exp_avg_sq[i]
            max_exp_avg_sq[i] = v
        denom = math.sqrt(v) / bias_correction2_sqrt + eps
        param[i] = p + neg_step_size * m / denom


@jit
def rmsprop_step(param, grad, square_avg, grad_avg, momentum_buffer, neg_lr, weight_decay, alpha,
                 one_minus_alpha, alpha_weight_complement, eps, momentum, centered, maximize,
                 use_momentum):
    """RMSprop with optional weight decay, centring and momentum, in place.

    Per element, with ``g = ±grad + wd * p``: ``s = alpha * s + (1 - alpha) * g * g``;
    centred: ``a = lerp(a, g, 1 - alpha)`` and ``avg = sqrt(s - a * a) + eps``, else
    ``avg = sqrt(s) + eps``; with momentum ``b = momentum * b + g / avg`` and ``p = p - lr * b``,
    without ``p = p - lr * g / avg``.

    Parameters
    ----------
    param, grad, square_avg : 1-D arrays of n elements
    grad_avg : 1-D array of n elements, or of 0 when ``centered`` is False
    momentum_buffer : 1-D array of n elements, or of 0 when ``use_momentum`` is False
    neg_lr, weight_decay, alpha, one_minus_alpha, eps, momentum : scalars
    alpha_weight_complement : scalar
        ``1 - (1 - alpha)`` rounded in the arrays' dtype (the lerp of ``grad_avg``).
    centered, maximize, use_momentum : bool
    """
    for i in range(param.shape[0]):
        p = param[i]
        g = -grad[i] if maximize else grad[i]
        if weight_decay != 0:
            g = g + weight_decay * p
        s = square_avg[i] * alpha
        s = s + one_minus_alpha * g * g
        square_avg[i] = s
        if centered:
            a = _lerp(grad_avg[i], g, one_minus_alpha, alpha_weight_complement)
            grad_avg[i] = a
            avg = math.sqrt(s - a * a)
        else:
            avg = math.sqrt(s)
        avg = avg + eps
        if use_momentum:
            b = momentum_buffer[i] * momentum
            b = b + g / avg
            momentum_buffer[i] = b
            param[i] = p + neg_lr * b
        else:
            param[i] = p + neg_lr * g / avg


@jit
def adagrad_step(param, grad, state_sum, neg_clr, weight_decay, eps, maximize):
    """Adagrad, in place.

    Per element, with ``g = ±grad + wd * p``: ``s = s + g * g`` and
    ``p = p - clr * g / (sqrt(s) + eps)``, where ``clr = lr / (1 + (t - 1) * lr_decay)``.

    Parameters
    ----------
    param, grad, state_sum : 1-D arrays of n elements
    neg_clr, weight_decay, eps : scalars of the arrays' dtype
    maximize : bool
    """
    for i in range(param.shape[0]):
        p = param[i]
        g = -grad[i] if maximize else grad[i]
        if weight_decay != 0:
            g = g + weight_decay * p
        s = state_sum[i] + g * g
        state_sum[i] = s
        param[i] = p + neg_clr * g / (math.sqrt(s) + eps)


@jit
def _lerp(start, end, weight, weight_complement):
    """torch's ``lerp``: exact at both ends, whichever side of 0.5 the weight lies."""
    if weight < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * weight_complement
