"""Distance modules: thin shells over :func:`numbagrad.nn.functional.pairwise_distance` and
:func:`numbagrad.nn.functional.cosine_similarity`."""
from __future__ import annotations

from numbagrad.nn import functional as F
from numbagrad.nn.module import Module
from numbagrad.tensor import Tensor


class PairwiseDistance(Module):
    """``p``-norm of ``x1 - x2 + eps`` along the last dimension.

    Input ``(N, D)`` or ``(D,)`` each (broadcast together); output ``(N,)`` or ``()`` (with the
    last dimension kept as 1 for ``keepdim``).

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.PairwiseDistance()
    PairwiseDistance()
    >>> torch.nn.PairwiseDistance(eps=0.0)(torch.zeros(1, 2), torch.tensor([[3.0, 4.0]]))
    tensor([5.])
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """The distances between the rows of ``x1`` and ``x2``."""
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class CosineSimilarity(Module):
    """Cosine similarity of ``x1`` and ``x2`` along ``dim``.

    Inputs broadcast together; output their shape without ``dim``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.CosineSimilarity()
    CosineSimilarity()
    >>> torch.nn.CosineSimilarity()(torch.tensor([[1.0, 0.0]]), torch.tensor([[2.0, 0.0]]))
    tensor([1.])
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """The cosine similarities of ``x1`` and ``x2``."""
        return F.cosine_similarity(x1, x2, self.dim, self.eps)
