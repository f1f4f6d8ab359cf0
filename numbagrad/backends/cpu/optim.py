"""Optimizer update kernels for the CPU: one fused pass over a parameter and its state.

Each kernel owns one parameter tensor. It receives the parameter, its gradient and its state
buffers as flat C-contiguous 1-D arrays of one floating dtype, plus scalars already converted to
that dtype, and updates the parameter and the buffers in place, reading and writing each element
once. Loop iteration ``i`` owns element ``i`` of every array.

The per-element arithmetic is a scalar formula of :mod:`numbagrad.ops.optim_scalar`
(``sgd_update``, ...), the one the CUDA twin (``backends/cuda/optim.py``) compiles for the GPU.
It follows the order of torch's single-tensor implementations, each step rounded to the
parameter's dtype, so float32 trajectories agree with torch's to a few units in the last place.
Scalars that torch derives in Python (``-lr``, bias corrections, ``1 - beta``) are derived by the
caller in Python and passed in; the kernels hold no literals, since a Python number would promote
float32 arithmetic to float64 under Numba's typing.

Each ``<name>_step`` has a twin ``<name>_foreach`` that updates several parameters in one call
(a tuple of per-parameter tuples of arrays, the same scalars): an optimizer step over a model
then crosses from Python into compiled code once per group of parameters instead of once per
parameter, which is most of its cost on small models.

Kernels take arrays and scalars only, so other ``njit`` code (a compiled training step) can call
them. Arguments are checked by the caller (``numbagrad.optim``): sizes must match, because Numba
does not bounds-check. Each kernel is built by a template that closes over its formula and the
formulas' source hash, which enters Numba's cache key: editing a formula recompiles the kernel.
"""
from __future__ import annotations

from numba.extending import register_jitable

from numbagrad.backends.cpu._jit import formulas, jit
from numbagrad.ops.optim_scalar import (adagrad_update, adam_update, lerp, rmsprop_update,
                                        sgd_update)


def _sgd_template(update, digest):
    def sgd_step(param, grad, momentum_buffer, neg_lr, weight_decay, momentum,
                 one_minus_dampening, nesterov, maximize, use_momentum, init_buffer):
        """SGD with optional weight decay, (Nesterov) momentum and maximisation, in place.

        Per element: ``g = ±grad + weight_decay * p``; with momentum,
        ``b = g`` on the first step (``init_buffer``) else
        ``b = momentum * b + (1 - dampening) * g``, then ``g = g + momentum * b`` (Nesterov) or
        ``g = b``; finally ``p = p - lr * g``.

        Parameters
        ----------
        param, grad : 1-D arrays of n elements
            The parameter (written) and its gradient (read).
        momentum_buffer : 1-D array of n elements, or of 0 when ``use_momentum`` is False
            Written in place (not read when ``init_buffer``).
        neg_lr, weight_decay, momentum, one_minus_dampening : scalars of the arrays' dtype
        nesterov, maximize, use_momentum, init_buffer : bool
        """
        digest  # noqa: B018 - puts the formulas' source hash into Numba's cache key
        read_buffer = use_momentum and not init_buffer
        for i in range(param.shape[0]):
            p = param[i]
            p, b = update(p, grad[i], momentum_buffer[i] if read_buffer else p, neg_lr,
                          weight_decay, momentum, one_minus_dampening, nesterov, maximize,
                          use_momentum, init_buffer)
            param[i] = p
            if use_momentum:
                momentum_buffer[i] = b

    return sgd_step


def _adam_template(update, digest):
    def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr_weight_decay_keep,
                  weight_decay, beta1_weight, beta1_weight_complement, beta2, one_minus_beta2,
                  bias_correction2_sqrt, eps, neg_step_size, amsgrad, maximize, decoupled):
        """Adam and AdamW, in place.

        Per element, with ``g = ±grad``:

        * weight decay: ``p = p * (1 - lr * wd)`` (decoupled, AdamW) or ``g = g + wd * p``
          (Adam);
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
        digest  # noqa: B018 - puts the formulas' source hash into Numba's cache key
        for i in range(param.shape[0]):
            v = exp_avg_sq[i]
            p, m, v, v_max = update(param[i], grad[i], exp_avg[i], v,
                                    max_exp_avg_sq[i] if amsgrad else v, lr_weight_decay_keep,
                                    weight_decay, beta1_weight, beta1_weight_complement, beta2,
                                    one_minus_beta2, bias_correction2_sqrt, eps, neg_step_size,
                                    amsgrad, maximize, decoupled)
            param[i] = p
            exp_avg[i] = m
            exp_avg_sq[i] = v
            if amsgrad:
                max_exp_avg_sq[i] = v_max

    return adam_step


def _rmsprop_template(update, digest):
    def rmsprop_step(param, grad, square_avg, grad_avg, momentum_buffer, neg_lr, weight_decay,
                     alpha, one_minus_alpha, alpha_weight_complement, eps, momentum, centered,
                     maximize, use_momentum):
        """RMSprop with optional weight decay, centring and momentum, in place.

        Per element, with ``g = ±grad + wd * p``: ``s = alpha * s + (1 - alpha) * g * g``;
        centred: ``a = lerp(a, g, 1 - alpha)`` and ``avg = sqrt(s - a * a) + eps``, else
        ``avg = sqrt(s) + eps``; with momentum ``b = momentum * b + g / avg`` and
        ``p = p - lr * b``, without ``p = p - lr * g / avg``.

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
        digest  # noqa: B018 - puts the formulas' source hash into Numba's cache key
        for i in range(param.shape[0]):
            s = square_avg[i]
            p, s, a, b = update(param[i], grad[i], s, grad_avg[i] if centered else s,
                                momentum_buffer[i] if use_momentum else s, neg_lr, weight_decay,
                                alpha, one_minus_alpha, alpha_weight_complement, eps, momentum,
                                centered, maximize, use_momentum)
            param[i] = p
            square_avg[i] = s
            if centered:
                grad_avg[i] = a
            if use_momentum:
                momentum_buffer[i] = b

    return rmsprop_step


def _adagrad_template(update, digest):
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
        digest  # noqa: B018 - puts the formulas' source hash into Numba's cache key
        for i in range(param.shape[0]):
            p, s = update(param[i], grad[i], state_sum[i], neg_clr, weight_decay, eps, maximize)
            param[i] = p
            state_sum[i] = s

    return adagrad_step


def _foreach_template(step):
    @jit
    def foreach(items, *scalars):
        """``step(*items[t], *scalars)`` for every ``t``: several parameters in one call.

        ``items`` is a tuple of per-parameter tuples of arrays, ``(param, grad, buffers...)``,
        all of one dtype; Numba compiles one version per length of ``items``.
        """
        for t in range(len(items)):
            step(*items[t], *scalars)

    return foreach


def _kernels(template, update, *helpers):
    """The one-parameter kernel of ``template`` with formula ``update``, and its
    several-parameter twin.

    The template's loop is registered with ``register_jitable`` rather than compiled: the
    several-parameter kernel then closes over a plain function, which pickles the same in every
    process, so both kernels' entries in Numba's cache are found again (a compiled dispatcher
    pickles with a per-process id and would miss the cache every time).
    """
    loop = register_jitable(template(update, formulas(*helpers, update)))
    return jit(loop), _foreach_template(loop)


# Registering the formulas compiles nothing: the kernels compile on their first call.
sgd_step, sgd_foreach = _kernels(_sgd_template, sgd_update)
adam_step, adam_foreach = _kernels(_adam_template, adam_update, lerp)
rmsprop_step, rmsprop_foreach = _kernels(_rmsprop_template, rmsprop_update, lerp)
adagrad_step, adagrad_foreach = _kernels(_adagrad_template, adagrad_update)
