"""Fully connected layers: ``Linear``, ``Identity``, ``Flatten``."""
from __future__ import annotations

import math

from numbagrad.creation import empty
from numbagrad.nn import functional as F
from numbagrad.nn import init
from numbagrad.nn.module import Module
from numbagrad.nn.parameter import Parameter
from numbagrad.tensor import Tensor


class Linear(Module):
    """``y = x A^T + b``.

    Parameters
    ----------
    in_features, out_features : int
        Sizes of each input and output sample.
    bias : bool
        Learn an additive bias.

    Shapes: input (*, in_features) → output (*, out_features). Weight (out_features,
    in_features) and bias are initialised as torch's: U(-1/sqrt(in_features), 1/sqrt(in_features)).

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.Linear(20, 60)(torch.randn(128, 20)).shape
    numbagrad.Size([128, 60])
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(empty(out_features, in_features, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh weights as torch does (Kaiming-uniform with a = sqrt(5))."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1]
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        """Apply the affine map."""
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Identity(Module):
    """Returns its input unchanged."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        """Return ``input``."""
        return input


class Flatten(Module):
    """Flatten dims ``start_dim`` to ``end_dim``: (N, C, H, W) → (N, C*H*W) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        """Flatten the dims."""
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
