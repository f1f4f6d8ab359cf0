"""``Fold``, ``Unfold`` and ``Unflatten``: thin shells over ``F.fold``, ``F.unfold`` and
``Tensor.unflatten``."""
from __future__ import annotations

from numbagrad.nn.module import Module
from numbagrad.ops.fold import fold, unfold
from numbagrad.tensor import Tensor


class Fold(Module):
    """Sums sliding blocks back into an image: (N, C*prod(kernel_size), L) → (N, C,
    *output_size); see ``F.fold``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.Fold(3, 2)
    Fold(output_size=3, kernel_size=2, dilation=1, padding=0, stride=1)
    """

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        """Fold ``input``."""
        return fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                    self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")


class Unfold(Module):
    """Extracts sliding blocks: (N, C, H, W) → (N, C*prod(kernel_size), L); see
    ``F.unfold``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.Unfold(2)
    Unfold(kernel_size=2, dilation=1, padding=0, stride=1)
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        """Unfold ``input``."""
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Unflatten(Module):
    """Splits dimension ``dim`` into ``unflattened_size``: (N, C*H*W) → (N, C, H, W) with
    ``Unflatten(1, (C, H, W))``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.Unflatten(1, (2, 3))
    Unflatten(dim=1, unflattened_size=(2, 3))
    """

    def __init__(self, dim: int, unflattened_size) -> None:
        super().__init__()
        if not isinstance(dim, int):
            raise TypeError("invalid argument type for dim parameter, expected `int`, but got "
                            f"{type(dim)}")
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError("unflattened_size must be tuple of ints, but found type "
                            f"{type(unflattened_size).__name__}")
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input: Tensor) -> Tensor:
        """Unflatten ``input``."""
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
