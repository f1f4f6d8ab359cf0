"""Loss modules: thin stateful shells over the functions of ``numbagrad.nn.functional``.

Each keeps its options as attributes (``reduction``, ``ignore_index``, ...) and its weights as
buffers, so that ``state_dict()`` and ``.to()`` see them, as in torch.
"""
from __future__ import annotations

from numbagrad.nn import functional as F
from numbagrad.nn.module import Module
from numbagrad.ops.loss import reduction_arg
from numbagrad.tensor import Tensor


class _Loss(Module):
    """Base of the losses: holds ``reduction`` ("mean", "sum" or "none")."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = reduction_arg(reduction, size_average, reduce)
        self.reduction = reduction


class _WeightedLoss(_Loss):
    """A loss with an optional per-class ``weight`` buffer."""

    def __init__(self, weight: Tensor | None = None, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class L1Loss(_Loss):
    """Mean absolute error ``|x - y|``, reduced by ``reduction``.

    Input ``(*)``, target ``(*)`` (the same shape); output 0-d, or ``(*)`` for ``"none"``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.L1Loss()(torch.tensor([1.0, -3.0]), torch.tensor([0.0, 0.0])).item()
    2.0
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` against ``target``."""
        return F.l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error ``(x - y) ** 2``, reduced by ``reduction``.

    Input ``(*)``, target ``(*)`` (the same shape); output 0-d, or ``(*)`` for ``"none"``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.MSELoss()
    MSELoss()
    >>> torch.nn.MSELoss()(torch.tensor([1.0, 3.0]), torch.tensor([0.0, 0.0])).item()
    5.0
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` against ``target``."""
        return F.mse_loss(input, target, reduction=self.reduction)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood ``-w[t] * input[t]`` of class indices, for log-probabilities.

    Input ``(N, C)``, ``(C,)`` or ``(N, C, d1, ...)``; target int64 ``(N,)``, ``()`` or
    ``(N, d1, ...)``; output 0-d, or the target's shape for ``"none"``. ``"mean"`` divides by
    the summed weights of the targets not equal to ``ignore_index``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.NLLLoss()(torch.tensor([[-1.0, -2.0]]), torch.tensor([1])).item()
    2.0
    """

    def __init__(self, weight: Tensor | None = None, size_average=None,
                 ignore_index: int = -100, reduce=None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` against ``target``."""
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy of the softmax of scores against class indices or class probabilities.

    Input ``(N, C)``, ``(C,)`` or ``(N, C, d1, ...)`` (logits); target int64 ``(N,)``, ``()`` or
    ``(N, d1, ...)`` with values in ``[0, C)``, or floating probabilities of the input's shape;
    output 0-d, or the target's shape without the class axis for ``"none"``. Loss of one sample:
    ``w[t] * (logsumexp(x) - x[t])``; see :func:`numbagrad.nn.functional.cross_entropy` for
    label smoothing and the weighted mean.

    Examples
    --------
    >>> import numbagrad as torch
    >>> loss_fn = torch.nn.CrossEntropyLoss()
    >>> loss_fn
    CrossEntropyLoss()
    >>> round(loss_fn(torch.zeros(2, 4), torch.tensor([0, 3])).item(), 4)
    1.3863
    """

    def __init__(self, weight: Tensor | None = None, size_average=None,
                 ignore_index: int = -100, reduce=None, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` against ``target``."""
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy ``-w (y log(x) + (1 - y) log(1 - x))`` of probabilities, each log
    clamped at -100.

    Input ``(*)`` in ``[0, 1]``, target ``(*)`` (the same shape); output 0-d, or ``(*)`` for
    ``"none"``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> round(torch.nn.BCELoss()(torch.tensor([0.5]), torch.tensor([1.0])).item(), 4)
    0.6931
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` against ``target``."""
        return F.binary_cross_entropy(input, target, weight=self.weight,
                                      reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of ``sigmoid(input)``, computed stably from the logits.

    Input ``(*)`` (logits), target ``(*)`` (the same shape); output 0-d, or ``(*)`` for
    ``"none"``. ``pos_weight`` (broadcast against the target, typically ``(C,)``) weighs the
    positive term.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.BCEWithLogitsLoss()(torch.tensor([1000.0]), torch.tensor([0.0])).item()
    1000.0
    """

    def __init__(self, weight: Tensor | None = None, size_average=None, reduce=None,
                 reduction: str = "mean", pos_weight: Tensor | None = None) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` against ``target``."""
        return F.binary_cross_entropy_with_logits(input, target, weight=self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)
