"""Optimizer update kernels for the GPU: one fused pass over a parameter and its state.

The twin of ``backends/cpu/optim.py``: the same four functions with the same arguments, and
their several-parameter forms ``<name>_foreach``, which here launch once per parameter. Each
receives a parameter, its gradient and its state buffers as flat C-contiguous 1-D device arrays
of one floating dtype, plus scalars already converted to that dtype (so float32 stays float32:
a Python number would promote the arithmetic to float64), and updates the parameter and the
buffers in place with one kernel launch. A buffer whose option is off arrives as an empty array
and is never touched.

Threads. One grid-stride loop over the elements: thread ``t`` owns elements ``t, t + gridsize,
...`` of every array, reads each of them once and writes each once. Consecutive threads touch
consecutive elements, so every load and store is coalesced; no element is shared between
threads, so there are no atomics and the result does not depend on the launch shape. The option
flags are kernel arguments: every thread takes the same branch, so they cost no divergence.

Math. The per-element update of each optimizer is a plain scalar function of
:mod:`numbagrad.ops.optim_scalar` (``sgd_update``, ...), the one the CPU kernels inline; the
kernels here compile it with ``cuda.jit(device=True)``. NVVM may fuse a multiply and an add into
one FMA (the CPU kernels allow LLVM the same contraction), so the two backends agree to a few
units in the last place, not always bit for bit.
"""
from __future__ import annotations

from numba import cuda

from numbagrad.backends.cpu._jit import formulas
from numbagrad.backends.cuda._jit import device_function, digest, kernel, launch, once
from numbagrad.ops.optim_scalar import (
    adagrad_update,
    adam_update,
    lerp,
    rmsprop_update,
    sgd_update,
)

# ---------------------------------------------------------------- kernels
# Each template closes over its compiled formula and the formulas' source hash: the hash enters
# Numba's cache key, so editing a formula recompiles the kernel instead of loading stale code.


def _sgd_template(update, key):
    def sgd_kernel(param, grad, momentum_buffer, neg_lr, weight_decay, momentum,
                   one_minus_dampening, nesterov, maximize, use_momentum, init_buffer):
        """SGD in place; thread ``t`` owns elements ``t, t + gridsize, ...``."""
        key  # noqa: B018 - the formulas' source hash, in Numba's cache key
        # On the first step the buffer is uninitialised: it is written, never read.
        read_buffer = use_momentum and not init_buffer
        i = cuda.grid(1)
        while i < param.shape[0]:
            p = param[i]
            p, b = update(p, grad[i], momentum_buffer[i] if read_buffer else p, neg_lr,
                          weight_decay, momentum, one_minus_dampening, nesterov, maximize,
                          use_momentum, init_buffer)
            param[i] = p
            if use_momentum:
                momentum_buffer[i] = b
            i += cuda.gridsize(1)

    return sgd_kernel


def _adam_template(update, key):
    def adam_kernel(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr_weight_decay_keep,
                    weight_decay, beta1_weight, beta1_weight_complement, beta2, one_minus_beta2,
                    bias_correction2_sqrt, eps, neg_step_size, amsgrad, maximize, decoupled):
        """Adam and AdamW in place; thread ``t`` owns elements ``t, t + gridsize, ...``."""
        key  # noqa: B018 - the formulas' source hash, in Numba's cache key
        i = cuda.grid(1)
        while i < param.shape[0]:
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
            i += cuda.gridsize(1)

    return adam_kernel


def _rmsprop_template(update, key):
    def rmsprop_kernel(param, grad, square_avg, grad_avg, momentum_buffer, neg_lr, weight_decay,
                       alpha, one_minus_alpha, alpha_weight_complement, eps, momentum, centered,
                       maximize, use_momentum):
        """RMSprop in place; thread ``t`` owns elements ``t, t + gridsize, ...``."""
        key  # noqa: B018 - the formulas' source hash, in Numba's cache key
        i = cuda.grid(1)
        while i < param.shape[0]:
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
            i += cuda.gridsize(1)

    return rmsprop_kernel


def _adagrad_template(update, key):
    def adagrad_kernel(param, grad, state_sum, neg_clr, weight_decay, eps, maximize):
        """Adagrad in place; thread ``t`` owns elements ``t, t + gridsize, ...``."""
        key  # noqa: B018 - the formulas' source hash, in Numba's cache key
        i = cuda.grid(1)
        while i < param.shape[0]:
            p, s = update(param[i], grad[i], state_sum[i], neg_clr, weight_decay, eps, maximize)
            param[i] = p
            state_sum[i] = s
            i += cuda.gridsize(1)

    return adagrad_kernel


_TEMPLATES = {"sgd": (_sgd_template, sgd_update), "adam": (_adam_template, adam_update),
              "rmsprop": (_rmsprop_template, rmsprop_update),
              "adagrad": (_adagrad_template, adagrad_update)}


def _kernel(name: str):
    """The compiled kernel of optimizer ``name``, built on first use."""
    template, update = _TEMPLATES[name]

    def build():
        # The update formulas call lerp by name: registering it (once per process, with
        # register_jitable, which serves every Numba target) makes it callable from device code.
        formulas(lerp)
        return kernel(template(device_function(update), digest(update, lerp)))

    return once((template,), build)


def _run(name: str, param, *args) -> None:
    n = param.shape[0]
    if n:
        launch(_kernel(name), n, param, *args)


# ---------------------------------------------------------------- the CPU twin's functions


def sgd_step(param, grad, momentum_buffer, neg_lr, weight_decay, momentum, one_minus_dampening,
             nesterov, maximize, use_momentum, init_buffer) -> None:
    """SGD with optional weight decay, (Nesterov) momentum and maximisation, in place.

    Per element: ``g = ±grad + weight_decay * p``; with momentum,
    ``b = g`` on the first step (``init_buffer``) else ``b = momentum * b + (1 - dampening) * g``,
    then ``g = g + momentum * b`` (Nesterov) or ``g = b``; finally ``p = p - lr * g``.

    Parameters
    ----------
    param, grad : 1-D device arrays of n elements
        The parameter (written) and its gradient (read).
    momentum_buffer : 1-D device array of n elements, or of 0 when ``use_momentum`` is False
        Written in place (not read when ``init_buffer``).
    neg_lr, weight_decay, momentum, one_minus_dampening : scalars of the arrays' dtype
    nesterov, maximize, use_momentum, init_buffer : bool
    """
    _run("sgd", param, grad, momentum_buffer, neg_lr, weight_decay, momentum,
         one_minus_dampening, nesterov, maximize, use_momentum, init_buffer)


def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr_weight_decay_keep,
              weight_decay, beta1_weight, beta1_weight_complement, beta2, one_minus_beta2,
              bias_correction2_sqrt, eps, neg_step_size, amsgrad, maximize, decoupled) -> None:
    """Adam and AdamW, in place.

    Per element, with ``g = ±grad``:

    * weight decay: ``p = p * (1 - lr * wd)`` (decoupled, AdamW) or ``g = g + wd * p`` (Adam);
    * ``m = lerp(m, g, 1 - beta1)``, ``v = beta2 * v + (1 - beta2) * g * g``;
    * ``v_max = max(v_max, v)`` when ``amsgrad``, and ``v_max`` replaces ``v`` below;
    * ``p = p - step_size * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)`` with
      ``step_size = lr / (1 - beta1**t)``.

    Parameters
    ----------
    param, grad, exp_avg, exp_avg_sq : 1-D device arrays of n elements
    max_exp_avg_sq : 1-D device array of n elements, or of 0 when ``amsgrad`` is False
    lr_weight_decay_keep : scalar
        ``1 - lr * weight_decay`` (used when ``decoupled``).
    weight_decay, beta2, one_minus_beta2, bias_correction2_sqrt, eps, neg_step_size : scalars
    beta1_weight, beta1_weight_complement : scalars
        The lerp weight ``1 - beta1`` and ``1 - weight`` rounded in the arrays' dtype.
    amsgrad, maximize, decoupled : bool
    """
    _run("adam", param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr_weight_decay_keep,
         weight_decay, beta1_weight, beta1_weight_complement, beta2, one_minus_beta2,
         bias_correction2_sqrt, eps, neg_step_size, amsgrad, maximize, decoupled)


def rmsprop_step(param, grad, square_avg, grad_avg, momentum_buffer, neg_lr, weight_decay, alpha,
                 one_minus_alpha, alpha_weight_complement, eps, momentum, centered, maximize,
                 use_momentum) -> None:
    """RMSprop with optional weight decay, centring and momentum, in place.

    Per element, with ``g = ±grad + wd * p``: ``s = alpha * s + (1 - alpha) * g * g``;
    centred: ``a = lerp(a, g, 1 - alpha)`` and ``avg = sqrt(s - a * a) + eps``, else
    ``avg = sqrt(s) + eps``; with momentum ``b = momentum * b + g / avg`` and ``p = p - lr * b``,
    without ``p = p - lr * g / avg``.

    Parameters
    ----------
    param, grad, square_avg : 1-D device arrays of n elements
    grad_avg : 1-D device array of n elements, or of 0 when ``centered`` is False
    momentum_buffer : 1-D device array of n elements, or of 0 when ``use_momentum`` is False
    neg_lr, weight_decay, alpha, one_minus_alpha, eps, momentum : scalars
    alpha_weight_complement : scalar
        ``1 - (1 - alpha)`` rounded in the arrays' dtype (the lerp of ``grad_avg``).
    centered, maximize, use_momentum : bool
    """
    _run("rmsprop", param, grad, square_avg, grad_avg, momentum_buffer, neg_lr, weight_decay,
         alpha, one_minus_alpha, alpha_weight_complement, eps, momentum, centered, maximize,
         use_momentum)


def adagrad_step(param, grad, state_sum, neg_clr, weight_decay, eps, maximize) -> None:
    """Adagrad, in place.

    Per element, with ``g = ±grad + wd * p``: ``s = s + g * g`` and
    ``p = p - clr * g / (sqrt(s) + eps)``, where ``clr = lr / (1 + (t - 1) * lr_decay)``.

    Parameters
    ----------
    param, grad, state_sum : 1-D device arrays of n elements
    neg_clr, weight_decay, eps : scalars of the arrays' dtype
    maximize : bool
    """
    _run("adagrad", param, grad, state_sum, neg_clr, weight_decay, eps, maximize)


def _foreach(step):
    """The several-parameter twin of ``step``: one launch per parameter, as the CPU's
    ``<name>_foreach`` takes ``(items, *scalars)`` (a tuple of per-parameter tuples of arrays)."""

    def foreach(items, *scalars) -> None:
        for item in items:
            step(*item, *scalars)

    foreach.__name__ = foreach.__qualname__ = step.__name__.replace("_step", "_foreach")
    foreach.__doc__ = (f"``{step.__name__}(*item, *scalars)`` for every item of ``items``: "
                       "several parameters, one launch each.")
    return foreach


sgd_foreach = _foreach(sgd_step)
adam_foreach = _foreach(adam_step)
rmsprop_foreach = _foreach(rmsprop_step)
adagrad_foreach = _foreach(adagrad_step)
