"""Further optimizer update kernels for the GPU: Adadelta, Adamax, NAdam, RAdam, ASGD, Rprop.

The twin of ``backends/cpu/optim_extra.py`` (the same functions, the same arguments), built as
``backends/cuda/optim.py``: one grid-stride launch per parameter, thread ``t`` owning elements
``t, t + gridsize, ...`` of every array (coalesced, no atomics, independent of the launch
shape), the per-element arithmetic a formula of :mod:`numbagrad.ops.optim_extra_scalar`
compiled with ``cuda.jit(device=True)``. The option flags are kernel arguments, uniform across
threads. ``<name>_foreach`` launches once per parameter.
"""
from __future__ import annotations

from numba import cuda

from numbagrad.backends.cpu._jit import formulas
from numbagrad.backends.cuda._jit import device_function, digest, kernel, launch, once
from numbagrad.backends.cuda.optim import _foreach
from numbagrad.ops.optim_extra_scalar import (adadelta_update, adamax_update, asgd_update,
                                              nadam_update, radam_update, rprop_update)
from numbagrad.ops.optim_scalar import lerp


def _adadelta_template(update, key):
    def adadelta_kernel(param, grad, square_avg, acc_delta, neg_lr, weight_decay, rho,
                        one_minus_rho, eps, maximize):
        key  # noqa: B018 - the formulas' source hash, in Numba's cache key
        i = cuda.grid(1)
        while i < param.shape[0]:
            p, s, d = update(param[i], grad[i], square_avg[i], acc_delta[i], neg_lr,
                             weight_decay, rho, one_minus_rho, eps, maximize)
            param[i] = p
            square_avg[i] = s
            acc_delta[i] = d
            i += cuda.gridsize(1)

    return adadelta_kernel


def _adamax_template(update, key):
    def adamax_kernel(param, grad, exp_avg, exp_inf, weight_decay, beta1_weight,
                      beta1_weight_complement, beta2, eps, neg_clr, maximize):
        key  # noqa: B018 - the formulas' source hash, in Numba's cache key
        i = cuda.grid(1)
        while i < param.shape[0]:
            p, m, u = update(param[i], grad[i], exp_avg[i], exp_inf[i], weight_decay,
                             beta1_weight, beta1_weight_complement, beta2, eps, neg_clr,
                             maximize)
            param[i] = p
            exp_avg[i] = m
            exp_inf[i] = u
            i += cuda.gridsize(1)

    return adamax_kernel


def _nadam_template(update, key):
    def nadam_kernel(param, grad, exp_avg, exp_avg_sq, lr_weight_decay_keep, weight_decay,
                     beta1_weight, beta1_weight_complement, beta2, one_minus_beta2,
                     bias_correction2, eps, grad_coef, avg_coef, maximize, decoupled):
        key  # noqa: B018 - the formulas' source hash, in Numba's cache key
        i = cuda.grid(1)
        while i < param.shape[0]:
            p, m, v = update(param[i], grad[i], exp_avg[i], exp_avg_sq[i], lr_weight_decay_keep,
                             weight_decay, beta1_weight, beta1_weight_complement, beta2,
                             one_minus_beta2, bias_correction2, eps, grad_coef, avg_coef,
                             maximize, decoupled)
            param[i] = p
            exp_avg[i] = m
            exp_avg_sq[i] = v
            i += cuda.gridsize(1)

    return nadam_kernel


def _radam_template(update, key):
    def radam_kernel(param, grad, exp_avg, exp_avg_sq, lr_weight_decay_keep, weight_decay,
                     beta1_weight, beta1_weight_complement, beta2, one_minus_beta2,
                     bias_correction1, lr, bias_correction2_sqrt, eps, rect, maximize, decoupled,
                     rectified):
        key  # noqa: B018 - the formulas' source hash, in Numba's cache key
        i = cuda.grid(1)
        while i < param.shape[0]:
            p, m, v = update(param[i], grad[i], exp_avg[i], exp_avg_sq[i], lr_weight_decay_keep,
                             weight_decay, beta1_weight, beta1_weight_complement, beta2,
                             one_minus_beta2, bias_correction1, lr, bias_correction2_sqrt, eps,
                             rect, maximize, decoupled, rectified)
            param[i] = p
            exp_avg[i] = m
            exp_avg_sq[i] = v
            i += cuda.gridsize(1)

    return radam_kernel


def _asgd_template(update, key):
    def asgd_kernel(param, grad, ax, weight_decay, decay_keep, neg_eta, mu, maximize, average):
        key  # noqa: B018 - the formulas' source hash, in Numba's cache key
        i = cuda.grid(1)
        while i < param.shape[0]:
            p, a = update(param[i], grad[i], ax[i], weight_decay, decay_keep, neg_eta, mu,
                          maximize, average)
            param[i] = p
            ax[i] = a
            i += cuda.gridsize(1)

    return asgd_kernel


def _rprop_template(update, key):
    def rprop_kernel(param, grad, prev, step_size, etaminus, etaplus, step_size_min,
                     step_size_max, maximize):
        key  # noqa: B018 - the formulas' source hash, in Numba's cache key
        i = cuda.grid(1)
        while i < param.shape[0]:
            p, g, s = update(param[i], grad[i], prev[i], step_size[i], etaminus, etaplus,
                             step_size_min, step_size_max, maximize)
            param[i] = p
            prev[i] = g
            step_size[i] = s
            i += cuda.gridsize(1)

    return rprop_kernel


_TEMPLATES = {"adadelta": (_adadelta_template, adadelta_update),
              "adamax": (_adamax_template, adamax_update),
              "nadam": (_nadam_template, nadam_update),
              "radam": (_radam_template, radam_update),
              "asgd": (_asgd_template, asgd_update),
              "rprop": (_rprop_template, rprop_update)}


def _kernel(name: str):
    """The compiled kernel of optimizer ``name``, built on first use."""
    template, update = _TEMPLATES[name]

    def build():
        formulas(lerp)  # callable by name from the device functions that use it
        return kernel(template(device_function(update), digest(update, lerp)))

    return once((template,), build)


def _step(name: str):
    """The host function that launches kernel ``name`` over a parameter and its buffers."""

    def step(param, *args) -> None:
        n = param.shape[0]
        if n:
            launch(_kernel(name), n, param, *args)

    step.__name__ = step.__qualname__ = f"{name}_step"
    step.__doc__ = (f"{name} update in place, as the CPU's ``{name}_step`` (same arguments); "
                    "one launch.")
    return step


adadelta_step = _step("adadelta")
adamax_step = _step("adamax")
nadam_step = _step("nadam")
radam_step = _step("radam")
asgd_step = _step("asgd")
rprop_step = _step("rprop")

adadelta_foreach = _foreach(adadelta_step)
adamax_foreach = _foreach(adamax_step)
nadam_foreach = _foreach(nadam_step)
radam_foreach = _foreach(radam_step)
asgd_foreach = _foreach(asgd_step)
rprop_foreach = _foreach(rprop_step)
