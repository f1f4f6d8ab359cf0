"""The connectionist temporal classification loss: one primitive (per-sample losses, kernels in
``backends/*/ctc.py``) and its reductions as composites.

Every argument is checked before the loss's kernels run, with torch's messages where torch
checks: lengths against the tensors' sizes (the kernels index with them), and labels against the
number of classes (torch's CPU kernel reads out of bounds for those; here they fail cleanly).
The checks of values are kernels (``check_lengths``, ``check_targets``) over the lengths' and
targets' own arrays, and padded ``(N, S)`` targets are read as they are, ``S`` wide: so a
compiled step replays the checks on each call's values, and its buffers' shapes depend on
shapes only. Concatenated 1-D targets are padded on the host to the longest target, a value.
"""
from __future__ import annotations

import numpy as np

from numbagrad import dtypes
from numbagrad.backends import cpu
from numbagrad.backends.cpu.ctc import check_lengths, check_targets
from numbagrad.ops import reduce as red
from numbagrad.ops.elementwise import cast
from numbagrad.ops.loss import _REDUCTIONS, _tensor_arg
from numbagrad.ops.registry import OpDef, apply, register
from numbagrad.tensor import Tensor


def _ctc_forward(be, log_probs, targets, input_lengths, target_lengths, *, blank, zero_infinity):
    return be.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, zero_infinity)


def _ctc_vjp(be, g, node):
    """torch's rule: ``g[n] (exp(lp) - exp(log(sum alpha beta) + nll - lp))`` per step of
    sample ``n`` (see ``backends/cpu/ctc.py``)."""
    log_probs, targets, input_lengths, target_lengths = node.inputs
    a = node.attrs
    grad = be.ctc_loss_vjp(g, log_probs, targets, input_lengths, target_lengths, node.extra,
                           a["blank"], a["zero_infinity"])
    return grad, None, None, None


CTC_LOSS = register(OpDef("ctc_loss", _ctc_forward, _ctc_vjp,
                          kernels=("ctc_loss", "ctc_loss_vjp"), saves_inputs=True,
                          nondiff=(1, 2, 3)))


def _lengths(name: str, value, batch: int) -> np.ndarray:
    """The lengths as a new int64 host array ``(N,)`` (through the CPU backend's ``astype``,
    which a compiled step records)."""
    if isinstance(value, Tensor):
        if value.dtype.is_floating_point or value.dtype is dtypes.bool_:
            raise RuntimeError(f"{name} must be integral")
        host = value._backend().to_host(value._data)
    else:
        host = np.asarray(value)
        if host.dtype.kind not in "iu":
            raise RuntimeError(f"{name} must be integral")
    if host.size != batch:
        raise RuntimeError(f"{name} must be of size batch_size")
    return cpu.astype(host, np.int64).reshape(-1)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False):
    """Connectionist temporal classification loss: ``-log`` of the summed probability of every
    alignment of ``log_probs`` that collapses (repeats merged, blanks removed) to the target.

    Derivative (torch's): ``exp(lp) - occupancy / p(target)`` per step and class, which is the
    gradient through the log-softmax that made ``log_probs``.

    Parameters
    ----------
    log_probs : Tensor
        ``(T, N, C)`` or ``(T, C)`` log-probabilities (``log_softmax`` over ``C``); floating.
    targets : Tensor
        ``(N, S)`` padded labels, or all targets concatenated ``(sum(target_lengths),)``; each
        label in ``[0, C)``.
    input_lengths, target_lengths : Tensor or sequence of int
        ``(N,)``: ``input_lengths[n] <= T``; ``target_lengths[n] <= S``.
    blank : int
        The blank label, in ``[0, C)``.
    reduction : {"mean", "sum", "none"}
        ``"mean"`` divides each loss by its target length (at least 1), then averages.
    zero_infinity : bool
        Give impossible alignments (a target too long for its input) a loss and gradient of 0
        instead of inf.

    Returns
    -------
    Tensor
        0-d, or ``(N,)`` for ``"none"`` (0-d for unbatched input).

    Raises
    ------
    RuntimeError
        For a blank outside ``[0, C)``, lengths of the wrong count, negative, or past the
        tensors' sizes, or non-integral lengths.
    IndexError
        For a label outside ``[0, C)``.
    ValueError
        For an unknown reduction.

    Examples
    --------
    >>> import numbagrad as torch
    >>> lp = torch.tensor([[[0.5, 0.5]], [[0.5, 0.5]]]).log()
    >>> loss = torch.nn.functional.ctc_loss(lp, torch.tensor([[1]]), [2], [1], reduction="sum")
    >>> round(loss.item(), 4)  # -log(3/4): alignments 11, b1, 1b of the label 1
    0.2877
    """
    _tensor_arg("ctc_loss", "log_probs", 1, log_probs)
    _tensor_arg("ctc_loss", "targets", 2, targets)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if not log_probs.dtype.is_floating_point:
        raise NotImplementedError(f"\"ctc_loss_cpu\" not implemented for "
                                  f"'{dtypes.scalar_name(log_probs.dtype)}'")
    unbatched = log_probs.ndim == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
        targets = targets.reshape(1, -1) if targets.ndim == 1 else targets
    if log_probs.ndim != 3:
        raise RuntimeError(f"ctc_loss: expected log_probs of shape (T, N, C) or (T, C), got "
                           f"{tuple(log_probs.shape)}")
    steps, batch, classes = log_probs.shape
    if not 0 <= blank < classes:
        raise RuntimeError("blank must be in label range")
    padded, il, tl = _checked_inputs(log_probs.shape, targets, input_lengths, target_lengths,
                                     unbatched)
    be, device = log_probs._backend(), log_probs.device

    def to_device(a):
        return Tensor._make(be.from_host(a), device)

    tl = to_device(tl)
    losses = apply(CTC_LOSS, (log_probs, to_device(padded), to_device(il), tl),
                   blank=int(blank), zero_infinity=bool(zero_infinity))
    if reduction == "none":
        return losses.reshape(()) if unbatched else losses
    if reduction == "sum":
        return red.sum(losses)
    return red.mean(losses / cast(tl.clamp_min(1), log_probs.dtype))


def _checked_inputs(shape: tuple, targets, input_lengths, target_lengths,
                    unbatched: bool) -> tuple:
    """``(targets, input_lengths, target_lengths)`` as the kernels read them, int64 host
    arrays ``(N, S)``, ``(N,)``, ``(N,)``, every value checked (torch's messages)."""
    steps, batch, classes = shape
    il = _lengths("input_lengths", input_lengths, batch)
    tl = _lengths("target_lengths", target_lengths, batch)
    check = "(while checking arguments for ctc_loss_allocate_outputs)"
    labels = targets._backend().to_host(targets._data)
    if labels.dtype.kind == "b" or labels.ndim not in (1, 2):
        raise RuntimeError(f"ctc_loss: expected targets of shape (N, S) or (sum(target_lengths),)"
                           f", got {tuple(targets.shape)}")
    check_lengths(il, tl, steps)
    if labels.ndim == 1:
        labels = labels.astype(np.int64)
        width = int(tl.max()) if batch else 0
        total = int(tl.sum())
        if labels.shape[0] < total:
            raise RuntimeError(f"Expected tensor to have size {total} at dimension 0, but got "
                               f"size {labels.shape[0]} for argument #2 'targets' {check}")
        padded = np.zeros((batch, width), np.int64)
        starts = np.concatenate([[0], np.cumsum(tl)])
        for n in range(batch):
            padded[n, :tl[n]] = labels[starts[n]:starts[n + 1]]
    else:
        if labels.shape[0] != batch and not (batch == 1 and unbatched):
            raise RuntimeError(f"ctc_loss: expected {batch} rows of targets, got "
                               f"{labels.shape[0]}")
        # S wide: the padding's width is a shape, not the longest target
        padded = cpu.contiguous(cpu.astype(labels, np.int64))
    check_targets(padded, tl, classes)
    return padded, il, tl
