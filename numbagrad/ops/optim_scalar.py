"""Scalar formulas of the optimizer updates: one element of a parameter and its state, one step.

Plain Python functions of scalars using ``math.*`` only, like :mod:`numbagrad.ops.scalar`: the
CPU backend's kernels (``backends/cpu/optim.py``) inline them with ``njit``, the CUDA backend's
(``backends/cuda/optim.py``) with ``cuda.jit(device=True)``, and with ``NUMBA_DISABLE_JIT=1``
they run as ordinary Python. Each returns the new value of the parameter element and of each
state-buffer element; a buffer whose option is off comes in as any value of the right type and
goes out unchanged, so the kernels neither read nor write it.

The arithmetic follows the order of torch's single-tensor implementations
(``torch/optim/{sgd,adam,rmsprop,adagrad}.py``: ``add(alpha=)``, ``lerp_``, ``addcmul_``,
``addcdiv_``), each step rounded to the arguments' dtype. The scalars are of that dtype too,
derived in Python by ``numbagrad.optim``; the formulas hold no float literals, which would
promote float32 arithmetic to float64 under Numba's typing.
"""
import math


def lerp(start, end, weight, weight_complement):
    """torch's ``lerp``: exact at both ends, whichever side of 0.5 the weight lies."""
    if weight < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * weight_complement


def sgd_update(p, g, b, neg_lr, weight_decay, momentum, one_minus_dampening, nesterov, maximize,
               use_momentum, init_buffer):
    """One SGD step of one element: the new ``(param, momentum_buffer)``."""
    if maximize:
        g = -g
    if weight_decay != 0:
        g = g + weight_decay * p
    if use_momentum:
        if init_buffer:
            b = g
        else:
            b = b * momentum
            b = b + one_minus_dampening * g
        g = g + momentum * b if nesterov else b
    return p + neg_lr * g, b


def adam_update(p, g, m, v, v_max, lr_weight_decay_keep, weight_decay, beta1_weight,
                beta1_weight_complement, beta2, one_minus_beta2, bias_correction2_sqrt, eps,
                neg_step_size, amsgrad, maximize, decoupled):
    """One Adam(W) step of one element: the new ``(param, exp_avg, exp_avg_sq,
    max_exp_avg_sq)``."""
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
    v_hat = v
    if amsgrad:
        # max() that keeps a nan already in the buffer, as torch.maximum does.
        if v < v_max or math.isnan(v_max):
            v_hat = v_max
        v_max = v_hat
    denom = math.sqrt(v_hat) / bias_correction2_sqrt + eps
    return p + neg_step_size * m / denom, m, v, v_max


def rmsprop_update(p, g, s, a, b, neg_lr, weight_decay, alpha, one_minus_alpha,
                   alpha_weight_complement, eps, momentum, centered, maximize, use_momentum):
    """One RMSprop step of one element: the new ``(param, square_avg, grad_avg,
    momentum_buffer)``."""
    if maximize:
        g = -g
    if weight_decay != 0:
        g = g + weight_decay * p
    s = s * alpha
    s = s + one_minus_alpha * g * g
    if centered:
        a = lerp(a, g, one_minus_alpha, alpha_weight_complement)
        avg = math.sqrt(s - a * a)
    else:
        avg = math.sqrt(s)
    avg = avg + eps
    if use_momentum:
        b = b * momentum
        b = b + g / avg
        return p + neg_lr * b, s, a, b
    return p + neg_lr * g / avg, s, a, b


def adagrad_update(p, g, s, neg_clr, weight_decay, eps, maximize):
    """One Adagrad step of one element: the new ``(param, state_sum)``."""
    if maximize:
        g = -g
    if weight_decay != 0:
        g = g + weight_decay * p
    s = s + g * g
    return p + neg_clr * g / (math.sqrt(s) + eps), s
