"""Embedding lookups: ``embedding`` (a row gather whose vjp is a scatter-add), ``embedding_bag``
(bags of rows summed, averaged or maxed) and ``one_hot``.

The lookup is one primitive whose index is an input: the backend's ``embedding_rows`` reads
the rows (and raises torch's error for an index out of range), and its vjp ``embedding_grad``
adds each gradient row back in index order (repeats add up), leaving out the positions of
``padding_idx``; for ``scale_grad_by_freq`` a kernel counts the frequencies. All of it reads
the index in kernels, so a compiled step replays it on each call's indices. Bags are composites of
the lookup, so they get both devices and their gradients free.
"""
from __future__ import annotations

import numpy as np

from numbagrad import dtypes
from numbagrad.autograd.grad_mode import no_grad
from numbagrad.backends.cpu.index import bag_ids
from numbagrad.ops import scalar as F
from numbagrad.ops.elementwise import cast, check_tensor, where
from numbagrad.ops.registry import OpDef, apply, register
from numbagrad.tensor import Tensor

_MODES = ("sum", "mean", "max")


def _embedding_forward(be, weight, index, shape, padding_idx, scale_grad_by_freq):
    """The rows of ``weight`` at ``index``'s values, in ``shape + (width,)``. The backend's
    ``embedding_rows`` reads the index and raises torch's range error itself, so nothing here
    reads index values in Python (a compiled step replays it on each call's index). The vjp
    keeps a flat int64 copy of the index: later writes to ``index`` cannot reach it."""
    width = weight.shape[1]
    rows = be.reshape(be.astype(index, np.int64), (-1,))
    out = be.embedding_rows(be.contiguous(weight), rows)
    return be.reshape(out, shape + (width,)), rows


def _embedding_vjp(be, g, node):
    """Each looked-up row's gradient is added back at its row, in index order (repeats add
    up); positions holding ``padding_idx`` send nothing, and with ``scale_grad_by_freq`` each
    position's gradient is divided by how often its row occurs in the input (counted from the
    index by the backend's ``embedding_freq_scale``)."""
    padding_idx = node.attrs["padding_idx"]
    num, width = node.in_shapes[0]
    n = int(np.prod(node.in_shapes[1], dtype=np.int64))
    dtype = node.in_dtypes[0]
    index = node.extra
    g2 = be.reshape(be.contiguous(g), (n, width))
    if node.attrs["scale_grad_by_freq"]:
        # The factors come from the index in a kernel; the product is a map of its own (not
        # fused into the accumulation), so each scaled value is rounded before it is added.
        g2 = be.map(F.mul, [g2, be.embedding_freq_scale(index, num, dtype)], dtype)
    grad = be.zeros((num, width), dtype)
    be.embedding_grad(grad, index, g2, -1 if padding_idx is None else padding_idx)
    return (grad, None)


EMBEDDING = register(OpDef("embedding", _embedding_forward, _embedding_vjp, nondiff=(1,),
                           kernels=("embedding_rows", "embedding_grad", "embedding_freq_scale",
                                    "map", "zeros", "contiguous", "reshape", "astype")))


def _check_indices(op: str, input) -> None:
    check_tensor(op, input, "indices", 2)
    if input.dtype.name not in ("int32", "int64"):
        raise RuntimeError(
            f"Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got {input.type()} instead (while checking arguments for "
            f"{op})")


def _check_weight(op: str, weight) -> None:
    check_tensor(op, weight, "weight", 1)
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")


def _padding(padding_idx, num: int):
    """``padding_idx`` in ``[0, num)`` (negatives count from the end), or None."""
    if padding_idx is None:
        return None
    if not -num <= padding_idx < num:
        raise AssertionError("Padding_idx must be within num_embeddings")
    return padding_idx + num if padding_idx < 0 else padding_idx


def _host_rows(op: str, input, num: int) -> np.ndarray:
    """``input`` as host int64 rows, every one checked against ``[0, num)`` (for ``max_norm``,
    which renormalizes the rows named before the lookup). Read through the backend rather than
    ``np.asarray(tensor)``, which a compiled step's capture refuses."""
    rows = input._backend().to_host(input._data).astype(np.int64).reshape(-1)
    if rows.size and (rows.min() < 0 or rows.max() >= num):
        raise IndexError("index out of range in self")
    return rows


def embedding_renorm_(weight, rows: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Rescale in place each row of ``weight`` named in ``rows`` whose ``norm_type``-norm
    exceeds ``max_norm`` to norm ``max_norm`` (``row *= max_norm / (norm + 1e-7)``), as torch.
    Not recorded by autograd."""
    unique = np.unique(rows)
    if not unique.size:
        return
    with no_grad():
        idx = Tensor._make(weight._backend().from_host(unique), weight._device)
        selected = weight[idx]
        norms = selected.norm(p=norm_type, dim=1, keepdim=True)
        big = norms > max_norm
        scale = where(big, max_norm / (norms + 1e-7), 1.0)
        weight[idx] = selected * scale


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False):
    """Rows of ``weight`` at the indices in ``input``: ``out[..., :] = weight[input[...], :]``.

    d/d weight: each output row's gradient added back at its row (repeats add up); rows at
    ``padding_idx`` get none; ``scale_grad_by_freq`` divides by each row's count in ``input``.

    Parameters
    ----------
    input : Tensor
        int32 or int64 indices, any shape.
    weight : Tensor
        The ``(num_embeddings, embedding_dim)`` table.
    padding_idx : int, optional
        A row that receives no gradient (negative counts from the end).
    max_norm : float, optional
        Rows looked up with a larger ``norm_type``-norm are rescaled in place first.
    norm_type : float
        The p of the norm for ``max_norm``.
    scale_grad_by_freq : bool
        Divide gradients by the frequency of their row in ``input``.
    sparse : bool
        Only False: sparse gradients are not supported.

    Returns
    -------
    Tensor
        ``input.shape + (embedding_dim,)``, ``weight``'s dtype.

    Raises
    ------
    IndexError
        An index outside ``[0, num_embeddings)``: ``index out of range in self``.
    RuntimeError
        Float indices, or a ``weight`` that is not 2-D.
    AssertionError
        ``padding_idx`` out of range (torch's class).
    NotImplementedError
        ``sparse=True``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> w = torch.tensor([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    >>> torch.nn.functional.embedding(torch.tensor([2, 0]), w)
    tensor([[4., 5.],
            [0., 1.]])
    """
    _check_indices("embedding", input)
    _check_weight("embedding", weight)
    if sparse:
        raise NotImplementedError("embedding: sparse=True (sparse gradients) is not supported; "
                                  "use sparse=False")
    num = weight.shape[0]
    pad = _padding(padding_idx, num)
    if max_norm is not None:
        embedding_renorm_(weight, _host_rows("embedding", input, num), float(max_norm),
                          float(norm_type))
    # The lookup's kernel reads the indices and raises torch's error for one out of range.
    return apply(EMBEDDING, (weight, input), shape=tuple(input.shape), padding_idx=pad,
                 scale_grad_by_freq=bool(scale_grad_by_freq))


def _bags(input, offsets, include_last_offset: bool, num: int, pad) -> tuple:
    """``(bag of each position, bag sizes (at least 1), number of bags)`` for 1-D input with
    offsets, or 2-D input of fixed-length bags, with torch's checks: a position holding
    ``pad``, and every position when there are no bags, is in bag ``number of bags``, which the
    caller drops. The bags come from a kernel over the input's and the offsets' own arrays
    (:func:`bag_ids`): a compiled step recomputes them from each call's."""
    be = input._backend()
    rows = be.to_host(input._data)
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated "
                             "is a mini-batch of fixed length sequences. However, found offsets "
                             f"of type {type(offsets)}")
        n_bags, length = input.shape
        starts = np.zeros(0, np.int64)
    else:
        if input.ndim != 1:
            raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                             f"{input.ndim}")
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        check_tensor("embedding_bag", offsets, "offsets", 3)
        if offsets.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        _check_indices("embedding_bag", offsets)
        starts = offsets._backend().to_host(offsets._data)
        n_bags = max(starts.size - 1, 0) if include_last_offset else starts.size
        length = -1
    bag, sizes = bag_ids(rows, starts, length, bool(include_last_offset), n_bags, num,
                         -1 if pad is None else pad)
    return bag, sizes, n_bags


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights=None, include_last_offset: bool = False,
                  padding_idx=None):
    """The sum, mean or max of the ``weight`` rows of each bag of indices.

    Bags are the rows of a 2-D ``input``, or the runs of a 1-D ``input`` starting at
    ``offsets``. Positions holding ``padding_idx`` are left out of their bag; an empty bag
    gives zeros. ``per_sample_weights`` (mode ``"sum"`` only) scale each looked-up row.
    Gradients flow to ``weight`` (and ``per_sample_weights``) through the lookup and the
    reduction; ``max`` sends each column's gradient to its largest row.

    Returns
    -------
    Tensor
        ``(number of bags, embedding_dim)``.

    Raises
    ------
    ValueError
        A bad ``mode``, missing or superfluous ``offsets``, or ``per_sample_weights`` of
        another shape than ``input``.
    RuntimeError
        Float indices, ``offsets[0] != 0``, offsets beyond the input, or an index out of range.
    NotImplementedError
        ``per_sample_weights`` with mode other than ``"sum"``, or ``sparse=True``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> w = torch.tensor([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    >>> torch.nn.functional.embedding_bag(torch.tensor([0, 1, 2]), w, torch.tensor([0, 2]),
    ...                                   mode="sum")
    tensor([[3., 3.],
            [3., 3.]])
    """
    from numbagrad import creation
    from numbagrad.ops.masked import index_add

    _check_indices("embedding_bag", input)
    _check_weight("embedding_bag", weight)
    if per_sample_weights is not None and tuple(per_sample_weights.shape) != tuple(input.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is "
                         "not None, then it must have the same shape as the input "
                         f"({input.shape})")
    if mode not in _MODES:
        raise ValueError("mode has to be one of sum, mean or max")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
            f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
            "GitHub.")
    if sparse:
        raise NotImplementedError("embedding_bag: sparse=True (sparse gradients) is not "
                                  "supported; use sparse=False")
    if per_sample_weights is not None and per_sample_weights.dtype is not weight.dtype:
        raise RuntimeError(
            "Expected tensor for argument #1 'weight' to have the same type as tensor for "
            f"argument #1 'per_sample_weights'; but type {weight.type()} does not equal "
            f"{per_sample_weights.type()} (while checking arguments for embedding_bag)")
    num, width = weight.shape
    if padding_idx is not None and not -num <= padding_idx < num:
        raise RuntimeError(f"padding_idx must be within the number of embeddings, -{num} "
                           f"through {num - 1}, but got {padding_idx}")
    pad = _padding(padding_idx, num)
    bag, sizes, n_bags = _bags(input, offsets, include_last_offset, num, pad)
    if max_norm is not None:  # the rows in bags, read on the host
        rows = input._backend().to_host(input._data).reshape(-1)[bag < n_bags]
        embedding_renorm_(weight, rows.astype(np.int64), float(max_norm), float(norm_type))
    be = weight._backend()
    bag_t = Tensor._make(be.from_host(bag), weight._device)
    # Every position is looked up, in a bag or not: the positions holding padding_idx send
    # the lookup no gradient, and their rows land in the dropped bag.
    looked = apply(EMBEDDING, (weight, input.reshape(-1)), shape=(bag.size,), padding_idx=pad,
                   scale_grad_by_freq=bool(scale_grad_by_freq))
    if mode == "max":
        keep = np.flatnonzero(bag < n_bags)
        looked = looked[Tensor._make(be.from_host(keep), weight._device)]
        zeros = creation.zeros((n_bags, width), dtype=weight.dtype, device=weight.device)
        return _bag_max(looked, bag[keep], n_bags, zeros)
    if per_sample_weights is not None:
        looked = looked * per_sample_weights.reshape(-1, 1)
    zeros = creation.zeros((n_bags + 1, width), dtype=weight.dtype, device=weight.device)
    out = index_add(zeros, 0, bag_t, looked)
    if mode == "mean":
        sizes_t = Tensor._make(be.from_host(sizes), weight._device)
        out = out / cast(sizes_t, weight.dtype).reshape(-1, 1)
    return out[:n_bags]


def _bag_max(looked, bag: np.ndarray, n_bags: int, zeros):
    """Each bag's columnwise max, empty bags zero: the rows are gathered into a
    ``(bags, longest bag, dim)`` block, short bags padded with their own first row (which
    cannot change a max, and loses ties to it), and reduced by ``max`` along the bag, which
    sends each column's gradient to its first largest row, as torch's kernel does."""
    if not bag.size:
        return zeros
    counts = np.bincount(bag, minlength=n_bags)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    step = np.arange(int(counts.max()), dtype=np.int64)
    first = np.where(counts == 0, 0, starts)[:, None]  # an empty bag reads row 0, zeroed below
    positions = np.where(step < counts[:, None], starts[:, None] + step, first)
    be = looked._backend()
    block = looked[Tensor._make(be.from_host(positions), looked._device)]
    out = block.max(dim=1).values
    if np.any(counts == 0):
        mask = Tensor._make(be.from_host((counts > 0).reshape(-1, 1)), looked._device)
        out = where(mask, out, zeros)
    return out


def one_hot(tensor, num_classes: int = -1):
    """An int64 tensor of ``tensor.shape + (num_classes,)``, 1 at each value's class.

    ``num_classes=-1`` takes ``tensor.max() + 1``.

    Raises
    ------
    RuntimeError
        A tensor that is not int64, a negative value, a value ``>= num_classes``, or an empty
        tensor with ``num_classes=-1``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.functional.one_hot(torch.tensor([0, 2]))
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    check_tensor("one_hot", tensor, "input", 1)
    if tensor.dtype is not dtypes.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    values = np.asarray(tensor).astype(np.int64)
    if num_classes == -1:
        if values.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        if values.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        num_classes = int(values.max()) + 1
    else:
        if values.size and values.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if num_classes < 1 and values.size or values.size and values.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    out = (values[..., None] == np.arange(max(num_classes, 0))).astype(np.int64)
    be = tensor._backend()
    return Tensor._make(be.from_host(out), tensor._device)
