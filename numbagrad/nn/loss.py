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


class SmoothL1Loss(_Loss):
    """Smooth L1 loss: quadratic ``0.5 d ** 2 / beta`` for ``|d| < beta``, else
    ``|d| - 0.5 beta``.

    Input ``(*)``, target ``(*)``; output 0-d, or ``(*)`` for ``"none"``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.SmoothL1Loss()(torch.tensor([0.5, 3.0]), torch.tensor([0.0, 0.0])).item()
    1.3125
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean",
                 beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` against ``target``."""
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Huber loss: ``0.5 d ** 2`` for ``|d| < delta``, else ``delta (|d| - 0.5 delta)``.

    Input ``(*)``, target ``(*)``; output 0-d, or ``(*)`` for ``"none"``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.HuberLoss(delta=2.0)(torch.tensor([0.5, 3.0]), torch.tensor([0.0, 0.0])).item()
    2.0625
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` against ``target``."""
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence ``y (log y - x)`` of the target from the log-probabilities
    ``x`` (``exp(y) (y - x)`` with ``log_target``); use ``reduction="batchmean"`` for the
    divergence's definition.

    Input ``(*)``, target ``(*)``; output 0-d, or ``(*)`` for ``"none"``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> loss = torch.nn.KLDivLoss(reduction="batchmean")
    >>> loss(torch.tensor([[0.5, 0.5]]).log(), torch.tensor([[1.0, 0.0]])).item()
    0.6931471824645996
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean",
                 log_target: bool = False) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` against ``target``."""
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class PoissonNLLLoss(_Loss):
    """Poisson negative log-likelihood: ``exp(x) - y x`` (``x - y log(x + eps)`` without
    ``log_input``), plus Stirling's term with ``full``.

    Input ``(*)``, target ``(*)``; output 0-d, or ``(*)`` for ``"none"``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.PoissonNLLLoss()(torch.tensor([0.0]), torch.tensor([2.0])).item()
    1.0
    """

    def __init__(self, log_input: bool = True, full: bool = False, size_average=None,
                 eps: float = 1e-8, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``log_input`` against ``target``."""
        return F.poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full,
                                  eps=self.eps, reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Gaussian negative log-likelihood ``0.5 (log(var) + (x - y) ** 2 / var)``, the variance
    clamped at ``eps``.

    Input ``(N, *)`` or ``(*)``, target likewise, var the input's shape, or with the last
    dimension dropped or one dimension of size 1; output 0-d, or ``(N, *)`` for ``"none"``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> loss = torch.nn.GaussianNLLLoss()
    >>> loss(torch.tensor([1.0]), torch.tensor([3.0]), torch.tensor([1.0])).item()
    2.0
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6,
                 reduction: str = "mean") -> None:
        super().__init__(None, None, reduction)
        self.full = full
        self.eps = eps

    def forward(self, input: Tensor, target: Tensor, var) -> Tensor:
        """The loss of ``input`` (means) against ``target`` with variances ``var``."""
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps,
                                   reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """``1 - cos(x1, x2)`` for targets 1, ``max(0, cos(x1, x2) - margin)`` for targets -1.

    Inputs ``(N, D)`` or ``(D,)``, target ``(N,)`` or ``()``; output 0-d, or the target's shape
    for ``"none"``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> loss = torch.nn.CosineEmbeddingLoss()
    >>> loss(torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 1.0]]), torch.tensor([1.0])).item()
    1.0
    """

    def __init__(self, margin: float = 0.0, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        """The loss of the pairs ``input1``, ``input2`` against ``target``."""
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin,
                                       reduction=self.reduction)


class MarginRankingLoss(_Loss):
    """``max(0, -y (x1 - x2) + margin)``.

    Inputs ``(N,)`` or ``()``, target likewise; output 0-d, or ``(N,)`` for ``"none"``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> loss = torch.nn.MarginRankingLoss()
    >>> loss(torch.tensor([1.0]), torch.tensor([2.0]), torch.tensor([1.0])).item()
    1.0
    """

    def __init__(self, margin: float = 0.0, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        """The loss of the rankings ``input1``, ``input2`` against ``target``."""
        return F.margin_ranking_loss(input1, input2, target, margin=self.margin,
                                     reduction=self.reduction)


class HingeEmbeddingLoss(_Loss):
    """``x`` for targets 1, ``max(0, margin - x)`` for targets -1.

    Input ``(*)``, target ``(*)``; output 0-d, or ``(*)`` for ``"none"``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> loss = torch.nn.HingeEmbeddingLoss()
    >>> loss(torch.tensor([0.25, 2.0]), torch.tensor([-1.0, 1.0])).item()
    1.375
    """

    def __init__(self, margin: float = 1.0, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` against ``target``."""
        return F.hinge_embedding_loss(input, target, margin=self.margin,
                                      reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """Two-class logistic loss ``log(1 + exp(-y x))``.

    Input ``(*)``, target ``(*)``; output 0-d, or ``(*)`` for ``"none"``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> round(torch.nn.SoftMarginLoss()(torch.tensor([0.0]), torch.tensor([1.0])).item(), 4)
    0.6931
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` against ``target``."""
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """``max(0, margin + d(a, p) - d(a, n))`` with the ``p``-norm pairwise distance.

    Inputs ``(N, D)`` or ``(D,)``; output 0-d, or ``(N,)`` for ``"none"``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> loss = torch.nn.TripletMarginLoss(margin=6.0, eps=0.0)
    >>> a, q = torch.tensor([[0.0, 0.0]]), torch.tensor([[3.0, 4.0]])
    >>> round(loss(a, a, q).item(), 4)
    1.0
    """

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                 swap: bool = False, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got "
                             f"{margin} instead")
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        """The loss of the triplets."""
        return F.triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p,
                                     eps=self.eps, swap=self.swap, reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """``max(0, margin + d(a, p) - d(a, n))`` with any distance function (a
    :class:`~numbagrad.nn.PairwiseDistance` submodule by default).

    Inputs ``(N, *)``; output 0-d, or ``(N,)`` for ``"none"``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.TripletMarginWithDistanceLoss()
    TripletMarginWithDistanceLoss(
      (distance_function): PairwiseDistance()
    )
    """

    def __init__(self, *, distance_function=None, margin: float = 1.0, swap: bool = False,
                 reduction: str = "mean") -> None:
        super().__init__(None, None, reduction)
        if margin <= 0:
            raise ValueError("TripletMarginWithDistanceLoss: expected margin to be greater "
                             f"than 0, got {margin} instead")
        from numbagrad.nn.distance import PairwiseDistance

        self.distance_function = (distance_function if distance_function is not None
                                  else PairwiseDistance())
        self.margin = margin
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        """The loss of the triplets."""
        return F.triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss ``sum_{j != t} w[t] max(0, margin - x[t] + x[j]) ** p / C``.

    Input ``(N, C)`` or ``(C,)``, target int64 ``(N,)`` or ``()``; output 0-d, or the target's
    shape for ``"none"``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> loss = torch.nn.MultiMarginLoss()
    >>> round(loss(torch.tensor([[0.1, 0.2, 0.4, 0.8]]), torch.tensor([3])).item(), 4)
    0.325
    """

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
                 size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError("only p == 1 and p == 2 supported")
        if weight is not None and weight.dim() != 1:
            raise ValueError(f"MultiMarginLoss: expected weight to be None or 1D tensor, got "
                             f"{weight.dim()}D instead")
        self.p = p
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` against ``target``."""
        return F.multi_margin_loss(input, target, p=self.p, margin=self.margin,
                                   weight=self.weight, reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge loss over the target labels listed before the first -1.

    Input ``(N, C)`` or ``(C,)``, target int64 of the same shape; output 0-d, or ``(N,)`` for
    ``"none"``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> loss = torch.nn.MultiLabelMarginLoss()
    >>> x = torch.tensor([[0.1, 0.2, 0.4, 0.8]])
    >>> round(loss(x, torch.tensor([[3, 0, -1, 1]])).item(), 4)
    0.85
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` against ``target``."""
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """One-vs-all logistic loss, averaged over the classes.

    Input ``(N, C)``, target ``(N, C)`` of 0 and 1; output 0-d, or ``(N,)`` for ``"none"``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> loss = torch.nn.MultiLabelSoftMarginLoss()
    >>> round(loss(torch.zeros(1, 2), torch.tensor([[1.0, 0.0]])).item(), 4)
    0.6931
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` against ``target``."""
        return F.multilabel_soft_margin_loss(input, target, weight=self.weight,
                                             reduction=self.reduction)


class CTCLoss(_Loss):
    """Connectionist temporal classification loss of ``log_probs`` against unaligned targets.

    Log-probabilities ``(T, N, C)`` or ``(T, C)``; targets ``(N, S)`` padded or concatenated
    ``(sum(target_lengths),)``; lengths ``(N,)``; output 0-d, or ``(N,)`` for ``"none"``.
    ``"mean"`` divides each loss by its target length before averaging.

    Examples
    --------
    >>> import numbagrad as torch
    >>> lp = torch.tensor([[[0.5, 0.5]], [[0.5, 0.5]]]).log()
    >>> round(torch.nn.CTCLoss(reduction="sum")(lp, torch.tensor([[1]]), [2], [1]).item(), 4)
    0.2877
    """

    def __init__(self, blank: int = 0, reduction: str = "mean",
                 zero_infinity: bool = False) -> None:
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs: Tensor, targets: Tensor, input_lengths,
                target_lengths) -> Tensor:
        """The loss of ``log_probs`` against ``targets``."""
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                          self.reduction, self.zero_infinity)
