"""Scalar formulas of the further optimizer updates (Adadelta, Adamax, NAdam, RAdam, ASGD, Rprop).

The companions of :mod:`numbagrad.ops.optim_scalar`, written the same way: plain functions of
scalars using ``math.*`` only, inlined by the CPU kernels (``backends/cpu/optim_extra.py``) and
compiled as device functions by the CUDA kernels (``backends/cuda/optim_extra.py``). Each takes
one element of a parameter, its gradient and its state buffers, and returns the new parameter
element and buffer elements. The arithmetic follows the order of torch's single-tensor
implementations (``torch/optim/{adadelta,adamax,nadam,radam,asgd,rprop}.py``), each operation
rounded to the arguments' dtype; the scalars are of that dtype, derived in Python by
``numbagrad.optim``. No float literals: they would promote float32 arithmetic to float64.
"""
import math

from numbagrad.ops.optim_scalar import lerp


def adadelta_update(p, g, s, d, neg_lr, weight_decay, rho, one_minus_rho, eps, maximize):
    """One Adadelta step of one element: the new ``(param, square_avg, acc_delta)``."""
    if maximize:
        g = -g
    if weight_decay != 0:
        g = g + weight_decay * p
    s = s * rho
    s = s + one_minus_rho * g * g
    std = math.sqrt(s + eps)
    delta = math.sqrt(d + eps)
    delta = delta / std
    delta = delta * g
    d = d * rho
    d = d + one_minus_rho * delta * delta
    return p + neg_lr * delta, s, d


def adamax_update(p, g, m, u, weight_decay, beta1_weight, beta1_weight_complement, beta2, eps,
                  neg_clr, maximize):
    """One Adamax step of one element: the new ``(param, exp_avg, exp_inf)``."""
    if maximize:
        g = -g
    if weight_decay != 0:
        g = g + weight_decay * p
    m = lerp(m, g, beta1_weight, beta1_weight_complement)
    u = u * beta2
    a = abs(g) + eps
    # torch.maximum: a nan on either side wins.
    if a > u or math.isnan(a):
        u = a
    return p + neg_clr * m / u, m, u


def nadam_update(p, g, m, v, lr_weight_decay_keep, weight_decay, beta1_weight,
                 beta1_weight_complement, beta2, one_minus_beta2, bias_correction2, eps,
                 grad_coef, avg_coef, maximize, decoupled):
    """One NAdam step of one element: the new ``(param, exp_avg, exp_avg_sq)``.

    ``grad_coef = -lr * (1 - mu_t) / (1 - prod mu)`` and
    ``avg_coef = -lr * mu_{t+1} / (1 - prod mu * mu_{t+1})``.
    """
    if maximize:
        g = -g
    if weight_decay != 0:
        if decoupled:
            p = p * lr_weight_decay_keep
        else:
            g = g + weight_decay * p
    m = lerp(m, g, beta1_weight, beta1_weight_complement)
    v = v * beta2
    v = v + one_minus_beta2 * g * g
    denom = math.sqrt(v / bias_correction2) + eps
    p = p + grad_coef * g / denom
    return p + avg_coef * m / denom, m, v


def radam_update(p, g, m, v, lr_weight_decay_keep, weight_decay, beta1_weight,
                 beta1_weight_complement, beta2, one_minus_beta2, bias_correction1, lr,
                 bias_correction2_sqrt, eps, rect, maximize, decoupled, rectified):
    """One RAdam step of one element: the new ``(param, exp_avg, exp_avg_sq)``.

    With ``rectified`` (the variance's SMA length above 5) the step is adaptive and scaled by
    ``rect``; otherwise it is the bias-corrected momentum alone.
    """
    if maximize:
        g = -g
    if weight_decay != 0:
        if decoupled:
            p = p * lr_weight_decay_keep
        else:
            g = g + weight_decay * p
    m = lerp(m, g, beta1_weight, beta1_weight_complement)
    v = v * beta2
    v = v + one_minus_beta2 * g * g
    u = m / bias_correction1
    u = u * lr
    if rectified:
        u = u * (bias_correction2_sqrt / (math.sqrt(v) + eps))
        u = u * rect
    return p - u, m, v


def asgd_update(p, g, ax, weight_decay, decay_keep, neg_eta, mu, maximize, average):
    """One ASGD step of one element: the new ``(param, ax)``.

    ``decay_keep = 1 - lambd * eta``; with ``average`` (mu != 1) ``ax`` moves toward the
    parameter by ``mu``, otherwise it becomes the parameter.
    """
    if maximize:
        g = -g
    if weight_decay != 0:
        g = g + weight_decay * p
    p = p * decay_keep
    p = p + neg_eta * g
    if average:
        ax = ax + (p - ax) * mu
    else:
        ax = p
    return p, ax


def rprop_update(p, g, prev, step_size, etaminus, etaplus, step_size_min, step_size_max,
                 maximize):
    """One Rprop step of one element: the new ``(param, prev, step_size)``."""
    if maximize:
        g = -g
    s = g * prev
    if s > 0:
        step_size = step_size * etaplus
    elif s < 0:
        step_size = step_size * etaminus
        g = g - g  # a sign change: no step this time, and no sign remembered
    # clamp(min, max): min first, then max, as torch's clamp; nan stays nan.
    if step_size < step_size_min:
        step_size = step_size_min
    if step_size > step_size_max:
        step_size = step_size_max
    if g > 0:
        p = p - step_size
    elif g < 0:
        p = p + step_size
    return p, g, step_size
