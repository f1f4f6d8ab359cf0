"""Lookup tables: ``Embedding`` and ``EmbeddingBag``, thin shells over ``F.embedding`` and
``F.embedding_bag`` (``numbagrad/ops/embedding.py``)."""
from __future__ import annotations

from numbagrad.autograd.grad_mode import no_grad
from numbagrad.creation import empty
from numbagrad.nn import init
from numbagrad.nn.module import Module
from numbagrad.nn.parameter import Parameter
from numbagrad.ops.embedding import embedding, embedding_bag
from numbagrad.tensor import Tensor


def _padding_idx(padding_idx, num_embeddings: int):
    if padding_idx is None:
        return None
    if padding_idx >= num_embeddings or padding_idx < -num_embeddings:
        raise AssertionError("Padding_idx must be within num_embeddings")
    return padding_idx + num_embeddings if padding_idx < 0 else padding_idx


def _refuse_sparse(sparse: bool, name: str) -> None:
    if sparse:
        raise NotImplementedError(f"{name}: sparse=True (sparse gradients) is not supported; "
                                  "use sparse=False")


def _table(module, num_embeddings, embedding_dim, _weight, freeze, device, dtype) -> None:
    if _weight is None:
        module.weight = Parameter(empty(num_embeddings, embedding_dim, device=device,
                                        dtype=dtype), requires_grad=not freeze)
        module.reset_parameters()
    else:
        if list(_weight.shape) != [num_embeddings, embedding_dim]:
            raise AssertionError("Shape of weight does not match num_embeddings and "
                                 "embedding_dim")
        module.weight = Parameter(_weight, requires_grad=not freeze)


class Embedding(Module):
    """A table of ``num_embeddings`` vectors of size ``embedding_dim``, looked up by index.

    Shapes: input ``(*)`` of int32/int64 indices → output ``(*, embedding_dim)``. The weight is
    drawn from N(0, 1), with the ``padding_idx`` row zero; that row never receives a gradient.

    Parameters
    ----------
    num_embeddings, embedding_dim : int
        Table size.
    padding_idx : int, optional
        A row kept at zero and out of the gradient (negative counts from the end).
    max_norm : float, optional
        Looked-up rows with a larger ``norm_type``-norm are rescaled in place.
    norm_type : float
        The p of the norm for ``max_norm``.
    scale_grad_by_freq : bool
        Divide gradients by each index's frequency in the mini-batch.
    sparse : bool
        Only False (sparse gradients are not supported).

    Examples
    --------
    >>> import numbagrad as torch
    >>> emb = torch.nn.Embedding(10, 3, padding_idx=0)
    >>> emb
    Embedding(10, 3, padding_idx=0)
    >>> emb(torch.tensor([[1, 2], [0, 9]])).shape
    numbagrad.Size([2, 2, 3])
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False,
                 _weight: Tensor | None = None, _freeze: bool = False, device=None,
                 dtype=None) -> None:
        super().__init__()
        _refuse_sparse(sparse, "Embedding")
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = _padding_idx(padding_idx, num_embeddings)
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        _table(self, num_embeddings, embedding_dim, _weight, _freeze, device, dtype)
        self.sparse = sparse

    def reset_parameters(self) -> None:
        """Draw the table from N(0, 1) and zero the ``padding_idx`` row, as torch."""
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self) -> None:
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx].fill_(0)

    def forward(self, input: Tensor) -> Tensor:
        """Look up the rows at ``input``."""
        return embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                         self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        if self.sparse is not False:
            s += ", sparse=True"
        return s

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True, padding_idx=None,
                        max_norm=None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """An Embedding whose weight is ``embeddings`` (sharing its storage), frozen unless
        ``freeze=False``. The ``padding_idx`` row is left as given (not zeroed), as torch."""
        if embeddings.dim() != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        return cls(rows, cols, _weight=embeddings, _freeze=freeze, padding_idx=padding_idx,
                   max_norm=max_norm, norm_type=norm_type,
                   scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


class EmbeddingBag(Module):
    """Sums, means or maxima of bags of embeddings, without the per-index rows in between.

    Shapes: input ``(B, N)`` (B bags of N indices), or ``(total,)`` with ``offsets`` ``(B,)``
    (``(B + 1,)`` with ``include_last_offset``) → output ``(B, embedding_dim)``. The weight is
    drawn from N(0, 1), with the ``padding_idx`` row zero; positions holding ``padding_idx``
    are left out of their bag.

    Examples
    --------
    >>> import numbagrad as torch
    >>> bag = torch.nn.EmbeddingBag(10, 3, mode="sum")
    >>> bag
    EmbeddingBag(10, 3, mode='sum')
    >>> bag(torch.tensor([1, 2, 4, 5]), torch.tensor([0, 2])).shape
    numbagrad.Size([2, 3])
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight: Tensor | None = None,
                 include_last_offset: bool = False, padding_idx: int | None = None,
                 device=None, dtype=None) -> None:
        super().__init__()
        _refuse_sparse(sparse, "EmbeddingBag")
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        if padding_idx is not None and not -num_embeddings <= padding_idx < num_embeddings:
            raise AssertionError("padding_idx must be within num_embeddings")
        self.padding_idx = _padding_idx(padding_idx, num_embeddings)
        _table(self, num_embeddings, embedding_dim, _weight, False, device, dtype)
        self.mode = mode
        self.sparse = sparse
        self.include_last_offset = include_last_offset

    reset_parameters = Embedding.reset_parameters
    _fill_padding_idx_with_zero = Embedding._fill_padding_idx_with_zero

    def forward(self, input: Tensor, offsets: Tensor | None = None,
                per_sample_weights: Tensor | None = None) -> Tensor:
        """Reduce each bag of looked-up rows by ``self.mode``."""
        return embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                             self.scale_grad_by_freq, self.mode, self.sparse,
                             per_sample_weights, self.include_last_offset, self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm!r}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type!r}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq!r}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx!r}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True, max_norm=None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        mode: str = "mean", sparse: bool = False,
                        include_last_offset: bool = False, padding_idx=None) -> EmbeddingBag:
        """An EmbeddingBag whose weight is ``embeddings`` (sharing its storage), frozen unless
        ``freeze=False``."""
        if embeddings.dim() != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        bag = cls(rows, cols, _weight=embeddings, max_norm=max_norm, norm_type=norm_type,
                  scale_grad_by_freq=scale_grad_by_freq, mode=mode, sparse=sparse,
                  include_last_offset=include_last_offset, padding_idx=padding_idx)
        bag.weight.requires_grad = not freeze
        return bag
