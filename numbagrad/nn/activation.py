"""Activation layers: thin modules over ``numbagrad.nn.functional``."""
from __future__ import annotations

from numbagrad.nn import functional as F
from numbagrad.nn.module import Module
from numbagrad.tensor import Tensor


class ReLU(Module):
    """``max(x, 0)`` elementwise. Input and output: any shape."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Apply ReLU."""
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """``x if x > 0 else negative_slope * x``. Input and output: any shape."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Apply leaky ReLU."""
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """``1 / (1 + exp(-x))``. Input and output: any shape."""

    def forward(self, input: Tensor) -> Tensor:
        """Apply the sigmoid."""
        return F.sigmoid(input)


class Tanh(Module):
    """Hyperbolic tangent. Input and output: any shape."""

    def forward(self, input: Tensor) -> Tensor:
        """Apply tanh."""
        return F.tanh(input)


class Softmax(Module):
    """Softmax along ``dim``: entries along it are positive and sum to 1."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """Apply softmax along ``self.dim``."""
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """Log-softmax along ``dim``."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """Apply log-softmax along ``self.dim``."""
        return F.log_softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
