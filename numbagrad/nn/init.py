"""Parameter initialisation, as ``torch.nn.init``: every function fills a tensor in place
(under no_grad) and returns it, with torch's argument checks and messages.

The random functions draw from ``generator`` (the default generator, seeded by
``numbagrad.manual_seed``, when None) exactly as torch's do on the CPU: after the same seed the
same numbers come out (``orthogonal_`` agrees to rounding only: its QR is another LAPACK's).
The names without the trailing underscore (``uniform``, ``normal``, ...) are
torch's deprecated aliases: they warn (FutureWarning) and call the in-place form.
"""
from __future__ import annotations

import functools
import math
import warnings

import numpy as np

from numbagrad.autograd.grad_mode import no_grad
from numbagrad.tensor import Tensor

__all__ = ["calculate_gain", "constant_", "dirac_", "eye_", "kaiming_normal_",
           "kaiming_uniform_", "normal_", "ones_", "orthogonal_", "sparse_", "trunc_normal_",
           "uniform_", "xavier_normal_", "xavier_uniform_", "zeros_"]

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for ``nonlinearity``.

    ======================  ====================================
    nonlinearity            gain
    ======================  ====================================
    linear, conv*, sigmoid  1
    tanh                    5 / 3
    relu                    sqrt(2)
    leaky_relu              sqrt(2 / (1 + negative_slope ** 2))
    selu                    3 / 4
    ======================  ====================================

    Parameters
    ----------
    nonlinearity : str
        The function's name in ``numbagrad.nn.functional``.
    param : float, optional
        The negative slope of ``leaky_relu`` (default 0.01).

    Raises
    ------
    ValueError
        For an unknown nonlinearity or a slope that is not a number.

    Examples
    --------
    >>> calculate_gain("tanh")
    1.6666666666666667
    """
    if nonlinearity in _LINEAR or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif (not isinstance(param, bool) and isinstance(param, int)) or isinstance(param, float):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)``: ``size(1)`` and ``size(0)`` times the receptive field size.

    Raises
    ------
    ValueError
        For a tensor of fewer than 2 dimensions.
    """
    if tensor.dim() < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"
        )
    receptive = 1
    for s in tensor.shape[2:]:
        receptive *= s
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    valid = ["fan_in", "fan_out"]
    if mode not in valid:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _write(tensor: Tensor, values: np.ndarray) -> Tensor:
    """Copy host ``values`` into ``tensor`` (on its device, in its dtype), under no_grad."""
    from numbagrad.creation import from_numpy

    with no_grad():
        return tensor.copy_(from_numpy(np.ascontiguousarray(values)))


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill with samples of U(a, b).

    Examples
    --------
    >>> import numbagrad as torch
    >>> w = uniform_(torch.empty(3, 5), -1.0, 1.0)
    >>> bool((w.abs() <= 1).all())
    True
    """
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill with samples of N(mean, std**2)."""
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator=None) -> Tensor:
    """Fill with samples of N(mean, std**2) truncated to [a, b], by torch's rejection scheme
    and from torch's stream: when [a, b] holds more than 0.3 of the mass, the whole tensor is
    drawn from the normal and redrawn (whole, again) until every element is inside, keeping
    the first accepted draw of each; otherwise U(a, b) candidates are accepted with the
    normal's density relative to its peak on [a, b], ``log(U(0, 1)) <= log_pdf``, in the
    tensor's dtype.

    Warns
    -----
    UserWarning
        When ``mean`` is more than 2 std outside [a, b] (torch's warning).

    Examples
    --------
    >>> import numbagrad as torch
    >>> w = trunc_normal_(torch.empty(100), a=-1.0, b=1.0)
    >>> bool((w.abs() <= 1).all())
    True
    """
    if (mean < a - 2 * std) or (mean > b + 2 * std):
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)

    def cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    if cdf((b - mean) / std) - cdf((a - mean) / std) > 0.3:
        values = _trunc_by_normal(tensor, mean, std, a, b, generator)
    else:
        values = _trunc_by_uniform(tensor, mean, std, a, b, generator)
    return _write(tensor, values)


def _trunc_by_normal(tensor: Tensor, mean: float, std: float, a: float, b: float,
                     generator) -> np.ndarray:
    """torch's first branch: full normal draws until none falls outside [a, b] (the bounds
    rounded to the dtype first, so the test agrees with the stored values)."""
    from numbagrad.random import draw

    source = draw.resolve(generator)
    shape, dtype = tuple(tensor.shape), _np_dtype(tensor)
    lo, hi = dtype.type(a), dtype.type(b)
    result = draw.normal(source, shape, dtype, mean, std)
    while True:
        outside = (result < lo) | (result > hi)
        if not outside.any():
            return result
        result = np.where(outside, draw.normal(source, shape, dtype, mean, std), result)


def _trunc_by_uniform(tensor: Tensor, mean: float, std: float, a: float, b: float,
                      generator) -> np.ndarray:
    """torch's second branch: U(a, b) candidates accepted where ``log(U(0, 1)) <= log_pdf``,
    every draw over the whole tensor, the arithmetic in the dtype as torch's in-place ops."""
    from numbagrad.random import draw

    source = draw.resolve(generator)
    shape, dtype = tuple(tensor.shape), _np_dtype(tensor)
    kind = dtype.type
    log_peak = -0.5 * ((max(a, min(mean, b)) - mean) / std) ** 2

    def rejected(candidates: np.ndarray) -> np.ndarray:
        log_pdf = (candidates - kind(mean)) / kind(std)
        log_pdf = (log_pdf * log_pdf) * kind(-0.5) - kind(log_peak)
        # torch's log is (almost always) the correctly rounded one: log in double, rounded.
        accept = draw.uniform(source, shape, dtype)
        return np.log(accept.astype(np.float64)).astype(dtype) > log_pdf

    result = draw.uniform(source, shape, dtype, a, b)
    pending = rejected(result)
    while pending.any():
        candidates = draw.uniform(source, shape, dtype, a, b)
        result = np.where(pending, candidates, result)
        pending = np.where(pending, rejected(candidates), pending)
    return result


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``."""
    with no_grad():
        return tensor.fill_(val)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones."""
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros."""
    return constant_(tensor, 0.0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal of a rectangle).

    Raises
    ------
    ValueError
        For a tensor that is not 2-D.
    """
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    from numbagrad.creation import eye

    with no_grad():
        return tensor.copy_(eye(*tensor.shape, dtype=tensor.dtype))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a 3, 4 or 5-D convolution weight with the Dirac delta: the convolution keeps as many
    input channels as it can (per group), unchanged.

    Raises
    ------
    ValueError
        For another number of dimensions, or ``size(0)`` not divisible by ``groups``.
    """
    dims = tensor.dim()
    if dims not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tuple(tensor.shape)
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    per_group = sizes[0] // groups
    values = np.zeros(sizes)
    centre = tuple(s // 2 for s in sizes[2:])
    for g in range(groups):
        for d in range(min(per_group, sizes[1])):
            values[(g * per_group + d, d) + centre] = 1
    return _write(tensor, values.astype(_np_dtype(tensor)))


def _np_dtype(tensor: Tensor):
    return np.dtype(tensor.dtype.np_type)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std  # torch's order of the products, for its exact bound
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot normal: N(0, std**2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """He uniform: U(-b, b) with b = gain * sqrt(3 / fan).

    Warns
    -----
    UserWarning
        For a tensor with no elements (nothing is filled), as torch.
    """
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """He normal: N(0, std**2) with std = gain / sqrt(fan)."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor: Tensor, gain: float = 1, generator=None) -> Tensor:
    """Fill with a (semi-)orthogonal matrix times ``gain``: the tensor seen as
    ``(size(0), numel // size(0))`` has orthonormal rows or columns.

    The Q factor of a normal matrix's QR decomposition (NumPy, on the host), its columns' signs
    fixed by R's diagonal so that it is uniformly distributed. The normal matrix is torch's
    draw for the same seed; the QR runs on another LAPACK than torch's, so the result agrees
    with torch's to rounding, not bit for bit.

    Raises
    ------
    ValueError
        For a tensor of fewer than 2 dimensions.
    """
    from numbagrad.random import draw

    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    dtype = _np_dtype(tensor)
    flat = draw.normal(draw.resolve(generator), (rows, cols), dtype, 0.0, 1.0)
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = (q * np.sign(np.diag(r))).astype(dtype)
    if rows < cols:
        q = q.T
    return _write(tensor, (q * dtype.type(gain)).reshape(tuple(tensor.shape)))


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator=None) -> Tensor:
    """Fill a 2-D tensor with N(0, std**2) samples, then zero ``ceil(sparsity * rows)`` random
    entries of each column (chosen by ``randperm(rows)`` from the default generator, as torch).

    Raises
    ------
    ValueError
        For a tensor that is not 2-D.
    """
    from numbagrad.random import draw

    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    num_zeros = math.ceil(sparsity * rows)
    normal_(tensor, 0.0, std, generator)
    zero = np.zeros((rows, cols), dtype=bool)
    for col in range(cols):
        # torch draws these permutations from the default generator, whatever ``generator``.
        zero[draw.randperm(draw.resolve(None), rows, np.dtype(np.int64))[:num_zeros], col] = True
    from numbagrad.creation import from_numpy

    with no_grad():
        return tensor.masked_fill_(from_numpy(zero).to(tensor.device), 0.0)


def _make_deprecate(method):
    new_name = method.__name__
    old_name = new_name[:-1]

    @functools.wraps(method)
    def deprecated_init(*args, **kwargs):
        warnings.warn(f"`nn.init.{old_name}` is now deprecated in favor of "
                      f"`nn.init.{new_name}`.", FutureWarning, stacklevel=2)
        return method(*args, **kwargs)

    deprecated_init.__name__ = deprecated_init.__qualname__ = old_name
    deprecated_init.__doc__ = f"Deprecated alias of :func:`{new_name}` (warns)."
    return deprecated_init


uniform = _make_deprecate(uniform_)
normal = _make_deprecate(normal_)
constant = _make_deprecate(constant_)
eye = _make_deprecate(eye_)
dirac = _make_deprecate(dirac_)
xavier_uniform = _make_deprecate(xavier_uniform_)
xavier_normal = _make_deprecate(xavier_normal_)
kaiming_uniform = _make_deprecate(kaiming_uniform_)
kaiming_normal = _make_deprecate(kaiming_normal_)
orthogonal = _make_deprecate(orthogonal_)
sparse = _make_deprecate(sparse_)
