"""Activation layers: thin modules over ``numbagrad.nn.functional``."""
from __future__ import annotations

import warnings

from numbagrad.creation import empty
from numbagrad.nn import functional as F
from numbagrad.nn.init import constant_
from numbagrad.nn.module import Module
from numbagrad.nn.parameter import Parameter
from numbagrad.tensor import Tensor


class _Activation(Module):
    """A layer over ``F.<_fn>``. ``_args`` names the arguments its constructor stores: forward
    passes them to ``F.<_fn>`` after the input, in that order, and the repr prints them as
    torch does (``name=value``, and ``inplace=True`` only when it is set)."""

    _fn = ""
    _args: tuple[str, ...] = ()

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return getattr(F, self._fn)(input, *[getattr(self, name) for name in self._args])

    def extra_repr(self) -> str:
        shown = [f"{name}={getattr(self, name)}" for name in self._args if name != "inplace"]
        if getattr(self, "inplace", False):
            shown.append("inplace=True")
        return ", ".join(shown)


class _Inplace(_Activation):
    """An activation whose only argument is ``inplace``."""

    _args = ("inplace",)

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace


class ReLU(_Inplace):
    """``max(x, 0)`` elementwise. Input and output: any shape."""

    _fn = "relu"


class LeakyReLU(_Activation):
    """``x if x > 0 else negative_slope * x``. Input and output: any shape."""

    _fn, _args = "leaky_relu", ("negative_slope", "inplace")

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace


class Sigmoid(_Activation):
    """``1 / (1 + exp(-x))``. Input and output: any shape."""

    _fn = "sigmoid"


class Tanh(_Activation):
    """Hyperbolic tangent. Input and output: any shape."""

    _fn = "tanh"


class _AlongDim(_Activation):
    """An activation along one dimension, ``dim``."""

    _args = ("dim",)

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim


class Softmax(_AlongDim):
    """Softmax along ``dim``: entries along it are positive and sum to 1."""

    _fn = "softmax"


class LogSoftmax(_AlongDim):
    """Log-softmax along ``dim``."""

    _fn = "log_softmax"


class GELU(Module):
    """``x * Phi(x)`` (``approximate='tanh'``: its tanh approximation). Input and output: any
    shape.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.GELU(approximate="tanh")
    GELU(approximate='tanh')
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        """Apply GELU."""
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(_Inplace):
    """``x * sigmoid(x)``. Input and output: any shape."""

    _fn = "silu"


class Mish(_Inplace):
    """``x * tanh(softplus(x))``. Input and output: any shape."""

    _fn = "mish"


class SELU(_Inplace):
    """``scale * elu(x, alpha)`` with SELU's fixed constants. Input and output: any shape."""

    _fn = "selu"


class Hardsigmoid(_Inplace):
    """``min(max(x + 3, 0), 6) / 6``. Input and output: any shape."""

    _fn = "hardsigmoid"

    def extra_repr(self) -> str:
        return ""  # torch prints no arguments, inplace or not


class Hardswish(_Inplace):
    """``x * min(max(x + 3, 0), 6) / 6``. Input and output: any shape."""

    _fn = "hardswish"

    def extra_repr(self) -> str:
        return ""  # torch prints no arguments, inplace or not


class _WithAlpha(_Activation):
    """ELU and CELU: ``alpha`` and ``inplace``."""

    _args = ("alpha", "inplace")

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace


class ELU(_WithAlpha):
    """``x if x > 0 else alpha * (exp(x) - 1)``. Input and output: any shape.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.ELU(alpha=0.5, inplace=True)
    ELU(alpha=0.5, inplace=True)
    """

    _fn = "elu"


class CELU(_WithAlpha):
    """``x if x > 0 else alpha * (exp(x / alpha) - 1)``. Input and output: any shape."""

    _fn = "celu"


class Softplus(_Activation):
    """``log(1 + exp(beta x)) / beta``, linear where ``beta x > threshold``. Input and output:
    any shape."""

    _fn, _args = "softplus", ("beta", "threshold")

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold


class Softsign(_Activation):
    """``x / (1 + |x|)``. Input and output: any shape."""

    _fn = "softsign"


class LogSigmoid(_Activation):
    """``log(sigmoid(x))``, stable for large |x|. Input and output: any shape."""

    _fn = "logsigmoid"


class Tanhshrink(_Activation):
    """``x - tanh(x)``. Input and output: any shape."""

    _fn = "tanhshrink"


class Hardtanh(_Activation):
    """``x`` clamped to ``[min_val, max_val]``. Input and output: any shape.

    Raises
    ------
    AssertionError
        Unless ``max_val > min_val`` (torch's check).
    """

    _fn, _args = "hardtanh", ("min_val", "max_val", "inplace")

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value: float | None = None, max_value: float | None = None) -> None:
        super().__init__()
        for old, new, given in (("min_value", "min_val", min_value),
                                ("max_value", "max_val", max_value)):
            if given is not None:
                warnings.warn(f"keyword argument `{old}` is deprecated and renamed to `{new}`",
                              FutureWarning, stacklevel=2)
        min_val = min_val if min_value is None else min_value
        max_val = max_val if max_value is None else max_value
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace
        if self.max_val <= self.min_val:
            raise AssertionError(
                f"max_val ({self.max_val}) must be greater than min_val ({self.min_val})")


class ReLU6(Hardtanh):
    """``min(max(x, 0), 6)``: :class:`Hardtanh` on ``[0, 6]``. Input and output: any shape."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class _Shrink(_Activation):
    """Hardshrink and Softshrink: the band half-width ``lambd``."""

    _args = ("lambd",)

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def extra_repr(self) -> str:
        return f"{self.lambd}"  # torch prints the value alone


class Hardshrink(_Shrink):
    """``0`` on ``[-lambd, lambd]``, ``x`` elsewhere. Input and output: any shape."""

    _fn = "hardshrink"


class Softshrink(_Shrink):
    """``x -+ lambd`` outside ``[-lambd, lambd]``, ``0`` on it. Input and output: any shape."""

    _fn = "softshrink"


class Threshold(_Activation):
    """``value`` where ``x <= threshold``, else ``x``. Input and output: any shape."""

    _fn, _args = "threshold", ("threshold", "value", "inplace")

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace


class RReLU(_Activation):
    """Randomized leaky ReLU: slopes drawn from ``U(lower, upper)`` per element in training,
    their mean ``(lower + upper) / 2`` in evaluation. Input and output: any shape."""

    _args = ("lower", "upper", "inplace")

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
                 inplace: bool = False) -> None:
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Apply RReLU (random slopes when ``self.training``)."""
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)


class PReLU(Module):
    """``x if x > 0 else weight * x`` with learnable slopes: one for all channels
    (``num_parameters=1``) or one per channel (dim 1 of the input), each starting at ``init``.

    Input and output: any shape, ``(N, C, *)`` when ``num_parameters = C``. The parameter is
    ``weight``, of shape ``(num_parameters,)``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> m = torch.nn.PReLU(3)
    >>> m, tuple(m.weight.shape), m.weight.tolist()
    (PReLU(num_parameters=3), (3,), [0.25, 0.25, 0.25])
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None,
                 dtype=None) -> None:
        self.num_parameters = num_parameters
        super().__init__()
        self.init = init
        self.weight = Parameter(empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Set every slope to ``init``."""
        constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        """Apply PReLU with ``self.weight``."""
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class GLU(_AlongDim):
    """Gated linear unit: ``a * sigmoid(b)`` of the input's halves along ``dim``.

    Input ``(*, 2N, *)``, output ``(*, N, *)``.
    """

    _fn = "glu"

    def __init__(self, dim: int = -1) -> None:
        super().__init__(dim)


class Softmin(_AlongDim):
    """``softmax(-x)`` along ``dim``. Input and output: any shape, the same."""

    def forward(self, input: Tensor) -> Tensor:
        """Apply softmin along ``self.dim``."""
        return F.softmin(input, self.dim, _stacklevel=5)
