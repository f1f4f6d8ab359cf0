"""Dropout: zero random elements while training, scaling the rest so the expectation is kept.

A composite: ``input * mask``, where ``mask`` holds ``0`` or ``1 / (1 - p)`` drawn from
numbagrad's seeded generator (``numbagrad.manual_seed`` makes runs repeatable), so the gradient
is the same mask and needs no code of its own.
"""
from __future__ import annotations

from numbagrad import random as _random
from numbagrad.nn.module import Module
from numbagrad.ops import elementwise as _ew
from numbagrad.tensor import Tensor

_TORCH_NAMES = {"bool": "Bool", "int32": "Int", "int64": "Long"}


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the others by ``1 / (1 - p)``.

    ``out = input * m / (1 - p)`` with ``m ~ Bernoulli(1 - p)`` elementwise, drawn from the
    default generator. Derivative: ``dx = g * m / (1 - p)``.

    Parameters
    ----------
    input : Tensor
        Floating, any shape.
    p : float
        Probability of zeroing an element, in ``[0, 1]``; ``p = 1`` gives zeros.
    training : bool
        When False (evaluation), ``input`` itself is returned, as torch does.
    inplace : bool
        Write the result into ``input``.

    Returns
    -------
    Tensor
        ``input``'s shape and dtype.

    Raises
    ------
    ValueError
        If ``p`` is outside ``[0, 1]``.
    RuntimeError
        For a non-floating input being dropped.

    Examples
    --------
    >>> import numbagrad as torch
    >>> _ = torch.manual_seed(0)
    >>> out = torch.nn.functional.dropout(torch.ones(1000), p=0.5)
    >>> sorted(set(out.tolist()))
    [0.0, 2.0]
    """
    _check_p(p)
    if not training or p == 0 or input.numel() == 0:
        return input
    if not input.dtype.is_floating_point:
        raise RuntimeError("result type Float can't be cast to the desired output type "
                           f"{_TORCH_NAMES[input.dtype.name]}")
    be = input._backend()
    np_type = input._data.dtype
    if p == 1:
        # torch multiplies by zero (not fills), so inf and nan in the input give nan.
        noise = be.zeros((), np_type)
    elif input._device.type == "cuda":  # drawn on the GPU (numba.cuda.random)
        from numbagrad.backends.cuda.random import dropout_mask

        noise = dropout_mask(tuple(input.shape), np_type, p)
    else:
        keep = _random.rng(None).random(tuple(input.shape)) >= p
        noise = be.from_host((keep / (1.0 - p)).astype(np_type))
    noise = Tensor._make(noise, input._device)
    return input.mul_(noise) if inplace else _ew.mul(input, noise)


class Dropout(Module):
    """During training, zero elements with probability ``p`` and scale the rest by
    ``1 / (1 - p)``; in evaluation (``model.eval()``), pass the input through.

    Input and output: any shape, the same.

    Parameters
    ----------
    p : float
        Probability of zeroing an element, in ``[0, 1]``.
    inplace : bool
        Overwrite the input.

    Raises
    ------
    ValueError
        If ``p`` is outside ``[0, 1]``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> drop = torch.nn.Dropout(p=0.2)
    >>> drop
    Dropout(p=0.2, inplace=False)
    >>> x = torch.ones(3)
    >>> drop.eval()(x) is x
    True
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        _check_p(p)
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Apply dropout when ``self.training``."""
        return dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
