"""Further optimizer update kernels for the CPU: Adadelta, Adamax, NAdam, RAdam, ASGD, Rprop.

Built exactly as ``backends/cpu/optim.py``: each kernel owns one parameter, receives it, its
gradient and its state buffers as flat C-contiguous 1-D arrays of one floating dtype plus
scalars of that dtype, and updates them in place, element ``i`` in loop iteration ``i``. The
per-element arithmetic is a formula of :mod:`numbagrad.ops.optim_extra_scalar`, the one the CUDA
twin (``backends/cuda/optim_extra.py``) compiles. Each ``<name>_step`` has a several-parameter
twin ``<name>_foreach`` (a tuple of per-parameter tuples of arrays, the same scalars). Arguments
are checked by the caller (``numbagrad.optim``): Numba does not bounds-check.
"""
from __future__ import annotations

from numbagrad.backends.cpu.optim import _kernels
from numbagrad.ops.optim_extra_scalar import (adadelta_update, adamax_update, asgd_update,
                                              nadam_update, radam_update, rprop_update)
from numbagrad.ops.optim_scalar import lerp


def _adadelta_template(update, digest):
    def adadelta_step(param, grad, square_avg, acc_delta, neg_lr, weight_decay, rho,
                      one_minus_rho, eps, maximize):
        """Adadelta in place: ``s = rho * s + (1 - rho) * g * g``,
        ``delta = sqrt(d + eps) / sqrt(s + eps) * g``, ``d = rho * d + (1 - rho) * delta**2``,
        ``p = p - lr * delta``."""
        digest  # noqa: B018 - puts the formulas' source hash into Numba's cache key
        for i in range(param.shape[0]):
            p, s, d = update(param[i], grad[i], square_avg[i], acc_delta[i], neg_lr,
                             weight_decay, rho, one_minus_rho, eps, maximize)
            param[i] = p
            square_avg[i] = s
            acc_delta[i] = d

    return adadelta_step


def _adamax_template(update, digest):
    def adamax_step(param, grad, exp_avg, exp_inf, weight_decay, beta1_weight,
                    beta1_weight_complement, beta2, eps, neg_clr, maximize):
        """Adamax in place: ``m = lerp(m, g, 1 - beta1)``, ``u = max(beta2 * u, |g| + eps)``,
        ``p = p - lr / (1 - beta1**t) * m / u``."""
        digest  # noqa: B018 - puts the formulas' source hash into Numba's cache key
        for i in range(param.shape[0]):
            p, m, u = update(param[i], grad[i], exp_avg[i], exp_inf[i], weight_decay,
                             beta1_weight, beta1_weight_complement, beta2, eps, neg_clr,
                             maximize)
            param[i] = p
            exp_avg[i] = m
            exp_inf[i] = u

    return adamax_step


def _nadam_template(update, digest):
    def nadam_step(param, grad, exp_avg, exp_avg_sq, lr_weight_decay_keep, weight_decay,
                   beta1_weight, beta1_weight_complement, beta2, one_minus_beta2,
                   bias_correction2, eps, grad_coef, avg_coef, maximize, decoupled):
        """NAdam in place: Adam's moments, then
        ``p = p + grad_coef * g / denom + avg_coef * m / denom`` with
        ``denom = sqrt(v / (1 - beta2**t)) + eps``."""
        digest  # noqa: B018 - puts the formulas' source hash into Numba's cache key
        for i in range(param.shape[0]):
            p, m, v = update(param[i], grad[i], exp_avg[i], exp_avg_sq[i], lr_weight_decay_keep,
                             weight_decay, beta1_weight, beta1_weight_complement, beta2,
                             one_minus_beta2, bias_correction2, eps, grad_coef, avg_coef,
                             maximize, decoupled)
            param[i] = p
            exp_avg[i] = m
            exp_avg_sq[i] = v

    return nadam_step


def _radam_template(update, digest):
    def radam_step(param, grad, exp_avg, exp_avg_sq, lr_weight_decay_keep, weight_decay,
                   beta1_weight, beta1_weight_complement, beta2, one_minus_beta2,
                   bias_correction1, lr, bias_correction2_sqrt, eps, rect, maximize, decoupled,
                   rectified):
        """RAdam in place: Adam's moments, then ``p = p - m / (1 - beta1**t) * lr`` times
        ``sqrt(1 - beta2**t) / (sqrt(v) + eps) * rect`` when ``rectified``."""
        digest  # noqa: B018 - puts the formulas' source hash into Numba's cache key
        for i in range(param.shape[0]):
            p, m, v = update(param[i], grad[i], exp_avg[i], exp_avg_sq[i], lr_weight_decay_keep,
                             weight_decay, beta1_weight, beta1_weight_complement, beta2,
                             one_minus_beta2, bias_correction1, lr, bias_correction2_sqrt, eps,
                             rect, maximize, decoupled, rectified)
            param[i] = p
            exp_avg[i] = m
            exp_avg_sq[i] = v

    return radam_step


def _asgd_template(update, digest):
    def asgd_step(param, grad, ax, weight_decay, decay_keep, neg_eta, mu, maximize, average):
        """ASGD in place: ``p = p * (1 - lambd * eta) - eta * g``; ``ax = ax + (p - ax) * mu``
        (``average``) or ``ax = p``."""
        digest  # noqa: B018 - puts the formulas' source hash into Numba's cache key
        for i in range(param.shape[0]):
            p, a = update(param[i], grad[i], ax[i], weight_decay, decay_keep, neg_eta, mu,
                          maximize, average)
            param[i] = p
            ax[i] = a

    return asgd_step


def _rprop_template(update, digest):
    def rprop_step(param, grad, prev, step_size, etaminus, etaplus, step_size_min,
                   step_size_max, maximize):
        """Rprop in place: the step size grows by ``etaplus`` where the gradient kept its sign,
        shrinks by ``etaminus`` where it changed (and that gradient is dropped), is clamped, and
        ``p = p - sign(g) * step_size``; ``prev = g``."""
        digest  # noqa: B018 - puts the formulas' source hash into Numba's cache key
        for i in range(param.shape[0]):
            p, g, s = update(param[i], grad[i], prev[i], step_size[i], etaminus, etaplus,
                             step_size_min, step_size_max, maximize)
            param[i] = p
            prev[i] = g
            step_size[i] = s

    return rprop_step


# Registering the formulas compiles nothing: the kernels compile on their first call.
adadelta_step, adadelta_foreach = _kernels(_adadelta_template, adadelta_update)
adamax_step, adamax_foreach = _kernels(_adamax_template, adamax_update, lerp)
nadam_step, nadam_foreach = _kernels(_nadam_template, nadam_update, lerp)
radam_step, radam_foreach = _kernels(_radam_template, radam_update, lerp)
asgd_step, asgd_foreach = _kernels(_asgd_template, asgd_update)
rprop_step, rprop_foreach = _kernels(_rprop_template, rprop_update)
