"""Shape operations: views (reshape, transpose, expand, ...), copies, cat/stack/split.

A view shares storage and version counter with its input, as in torch: writes to one show in the
other, and an in-place write to either invalidates values saved from both. The view-making itself
is a backend call (``be.reshape``, ``be.permute``, ``be.expand``, ``be.basic_index``), so a
device twins it; the op decides whether the result is a view and marks it with :func:`as_view`.
"""
from __future__ import annotations

import builtins
import numbers

import numpy as np

from numbagrad import dtypes
from numbagrad.autograd.node_names import rename
from numbagrad.ops.registry import OpDef, apply, register, unbroadcast


def _wrap(dim: int, ndim: int, op: str) -> int:
    from numbagrad.tensor import wrap_dim

    if not isinstance(dim, (numbers.Integral, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")
    return wrap_dim(int(dim), ndim, op)


def as_view(out, input):
    """Mark ``out`` as a view of ``input``: the same base and the same version counter.

    The bookkeeping of ``Tensor._make(array, device, base=input)``, for a tensor ``apply`` made.
    """
    out._base = input._base if input._base is not None else input
    out._version = input._version
    return out


def _sizes(op: str, sizes: tuple, arg: str = "size") -> tuple:
    """``sizes`` given as ints or as one sequence (``view(2, 3)``, ``view((2, 3))``), as ints;
    ``arg`` is the argument's name in torch's messages."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    for s in sizes:
        if not isinstance(s, (numbers.Integral, np.integer)) or isinstance(s, bool):
            raise TypeError(f"{op}(): argument '{arg}' must be a tuple of ints, but found element "
                            f"of type {type(s).__name__}")
    return tuple(int(s) for s in sizes)


# ---------------------------------------------------------------------------- primitives


def _clone_forward(be, x):
    return be.copy(x)


def _identity_vjp(be, g, node):
    return (g,)


CLONE = register(OpDef("clone", _clone_forward, _identity_vjp, kernels=("copy",)))


def _reshape_forward(be, x, shape):
    return be.reshape(x, shape)


def _reshape_vjp(be, g, node):
    return (be.reshape(g, node.in_shapes[0]),)


RESHAPE = register(OpDef("reshape", _reshape_forward, _reshape_vjp, kernels=("reshape",)))


def _permute_forward(be, x, dims):
    return be.permute(x, dims)


def _permute_vjp(be, g, node):
    dims = node.attrs["dims"]
    inverse = tuple(sorted(range(len(dims)), key=dims.__getitem__))
    return (be.permute(g, inverse),)


PERMUTE = register(OpDef("permute", _permute_forward, _permute_vjp, kernels=("permute",)))


def _expand_forward(be, x, shape):
    return be.expand(x, shape)


def _expand_vjp(be, g, node):
    return (unbroadcast(be, g, node.in_shapes[0]),)


EXPAND = register(OpDef("expand", _expand_forward, _expand_vjp, kernels=("expand", "sum")))


def _slice_forward(be, x, key):
    return be.basic_index(x, key)


def _slice_vjp(be, g, node):
    """The gradient lands in the sliced positions of a zero tensor of the input's shape."""
    grad = be.zeros(node.in_shapes[0], node.in_dtypes[0])
    be.assign(be.basic_index(grad, node.attrs["key"]), g)
    return (grad,)


SLICE = register(OpDef("slice", _slice_forward, _slice_vjp,
                       kernels=("basic_index", "zeros", "assign")))


def _cat_forward(be, *arrays, axis, skip):
    return be.cat([a for i, a in enumerate(arrays) if i not in skip], axis)


def _cat_vjp(be, g, node):
    """Each input gets its own slab of ``g`` along the joined axis (a view, no copy)."""
    axis, skip = node.attrs["axis"], node.attrs["skip"]
    grads, start = [], 0
    for i, shape in enumerate(node.in_shapes):
        if i in skip:
            grads.append(be.zeros(shape, node.in_dtypes[i]) if node.needs[i] else None)
            continue
        stop = start + shape[axis]
        if node.needs[i]:
            key = (slice(None),) * axis + (slice(start, stop),)
            grads.append(be.basic_index(g, key))
        else:
            grads.append(None)
        start = stop
    return tuple(grads)


CAT = register(OpDef("cat", _cat_forward, _cat_vjp, kernels=("cat", "basic_index", "zeros")))


# ---------------------------------------------------------------------------- copies


def clone(input):
    """A copy of ``input`` with its own storage; the gradient passes through unchanged.

    d/dx = 1.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.tensor([1.0, 2.0]).clone()
    tensor([1., 2.])
    """
    return apply(CLONE, (input,))


def contiguous(input):
    """``input`` if it is contiguous, else a contiguous copy (d/dx = 1)."""
    return input if input.is_contiguous() else clone(input)


# ---------------------------------------------------------------------------- reshaping


def _infer_shape(op: str, shape: tuple, numel: int) -> tuple:
    """``shape`` with its one ``-1`` filled in so that it holds ``numel`` elements."""
    infer = [d for d, s in enumerate(shape) if s == -1]
    if len(infer) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"{op}: invalid shape dimension {s}")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if infer:
        if known == 0:
            if numel == 0:
                raise RuntimeError(
                    f"{op}: cannot reshape tensor of 0 elements into shape {list(shape)} because "
                    "the unspecified dimension size -1 can be any value and is ambiguous")
        elif numel % known == 0:
            return tuple(numel // known if s == -1 else s for s in shape)
    elif known == numel:
        return shape
    raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {numel}")


def _viewable(shape: tuple, strides: tuple, new_shape: tuple) -> bool:
    """Whether ``shape`` with element ``strides`` can be relabelled as ``new_shape`` without a
    copy (torch's ``computeStride``): each run of dimensions merged or split must be contiguous
    within itself."""
    numel = 1
    for n in shape:
        numel *= n
    if numel <= 1:
        return True
    view_d = len(new_shape) - 1
    chunk_stride = strides[-1]
    tensor_numel = view_numel = 1
    for d in range(len(shape) - 1, -1, -1):
        tensor_numel *= shape[d]
        if d == 0 or (shape[d - 1] != 1 and strides[d - 1] != tensor_numel * chunk_stride):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return False
            if d > 0:
                chunk_stride = strides[d - 1]
                tensor_numel = view_numel = 1
    return view_d == -1


def _relabel(input, shape: tuple):
    """``input`` with ``shape`` (same numel, viewable): a view through the reshape primitive."""
    return as_view(apply(RESHAPE, (input,), shape=shape), input)


def view(input, *shape):
    """A view of ``input`` with a new shape (one size may be -1, inferred); shares storage.

    d/dx = the gradient reshaped back to ``input``'s shape.

    Raises
    ------
    RuntimeError
        If the sizes do not hold ``input``'s elements, or if ``input``'s strides do not allow a
        view (use :func:`reshape`, which copies then).

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.arange(6).view(2, -1).shape
    numbagrad.Size([2, 3])
    """
    shape = _infer_shape("view", _sizes("view", shape), input.numel())
    if not _viewable(tuple(input.shape), input.stride(), shape):
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
    return _relabel(input, shape)


def reshape(input, *shape):
    """``input`` with a new shape: a view when its strides allow one, else a copy.

    d/dx = the gradient reshaped back to ``input``'s shape.

    Raises
    ------
    RuntimeError
        If the sizes do not hold ``input``'s elements.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.arange(6).reshape(3, 2).shape
    numbagrad.Size([3, 2])
    """
    shape = _infer_shape("reshape", _sizes("reshape", shape, "shape"), input.numel())
    if _viewable(tuple(input.shape), input.stride(), shape):
        return _relabel(input, shape)
    # torch copies, then views the copy: its node is UnsafeViewBackward0.
    return rename(apply(RESHAPE, (input,), shape=shape), RESHAPE, "UnsafeViewBackward0")


def view_as(input, other):
    """``input.view(other.shape)``."""
    return view(input, tuple(other.shape))


def reshape_as(input, other):
    """``input.reshape(other.shape)``."""
    return reshape(input, tuple(other.shape))


def flatten(input, start_dim: int = 0, end_dim: int = -1):
    """Dimensions ``start_dim`` to ``end_dim`` merged into one (as :func:`reshape`).

    A 0-d tensor becomes 1-d. d/dx = the gradient reshaped back.

    Raises
    ------
    RuntimeError
        If ``start_dim`` comes after ``end_dim``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.zeros(2, 3, 4).flatten(1).shape
    numbagrad.Size([2, 12])
    """
    shape = tuple(input.shape)
    start, end = _wrap(start_dim, len(shape), "flatten"), _wrap(end_dim, len(shape), "flatten")
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if not shape:
        return reshape(input, (1,))
    merged = 1
    for n in shape[start:end + 1]:
        merged *= n
    return reshape(input, shape[:start] + (merged,) + shape[end + 1:])


def squeeze(input, dim=None):
    """A view without the size-1 dimensions (all, or those among ``dim``: int or tuple).

    Dimensions in ``dim`` whose size is not 1 stay. d/dx = the gradient reshaped back.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.zeros(2, 1, 3).squeeze().shape
    numbagrad.Size([2, 3])
    """
    shape = tuple(input.shape)
    if dim is None:
        dims = range(len(shape))
    else:
        given = (dim,) if isinstance(dim, (numbers.Integral, np.integer)) else tuple(dim)
        dims = [_wrap(d, len(shape), "squeeze") for d in given]
        for d in dims:
            if dims.count(d) > 1:
                raise RuntimeError(f"squeeze: dim {d} appears multiple times in the list of dims")
    drop = {d for d in dims if d < len(shape) and shape[d] == 1}
    out = _relabel(input, tuple(n for d, n in enumerate(shape) if d not in drop))
    overload = 0 if dim is None else 1 if isinstance(dim, (numbers.Integral, np.integer)) else 2
    return rename(out, RESHAPE, f"SqueezeBackward{overload}")


def unsqueeze(input, dim: int):
    """A view with a size-1 dimension inserted at ``dim`` (in ``[-ndim-1, ndim]``).

    d/dx = the gradient reshaped back.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.zeros(2, 3).unsqueeze(-1).shape
    numbagrad.Size([2, 3, 1])
    """
    shape = tuple(input.shape)
    d = _wrap(dim, len(shape) + 1, "unsqueeze")
    return rename(_relabel(input, shape[:d] + (1,) + shape[d:]), RESHAPE, "UnsqueezeBackward0")


# ---------------------------------------------------------------------------- reordering


def permute(input, *dims):
    """A view with dimensions reordered: result dimension i is ``input``'s ``dims[i]``.

    d/dx = the gradient permuted by the inverse order.

    Raises
    ------
    RuntimeError
        If ``dims`` is not an ordering of all of ``input``'s dimensions.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.zeros(2, 3, 4).permute(2, 0, 1).shape
    numbagrad.Size([4, 2, 3])
    """
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    ndim = input.ndim
    if len(dims) != ndim:
        raise RuntimeError(
            "permute(): number of dimensions in the tensor input does not match the length of "
            f"the desired ordering of dimensions i.e. input.dim() = {ndim} is not equal to "
            f"len(dims) = {len(dims)}")
    wrapped = tuple(_wrap(d, ndim, "permute") for d in dims)
    if len(set(wrapped)) != len(wrapped):
        raise RuntimeError(f"permute(): duplicate dims are not allowed (got {list(dims)}).")
    return as_view(apply(PERMUTE, (input,), dims=wrapped), input)


def transpose(input, dim0: int, dim1: int):
    """A view with dimensions ``dim0`` and ``dim1`` swapped. d/dx = the gradient swapped back.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.zeros(2, 3).transpose(0, 1).shape
    numbagrad.Size([3, 2])
    """
    ndim = input.ndim
    a, b = _wrap(dim0, ndim, "transpose"), _wrap(dim1, ndim, "transpose")
    dims = list(range(ndim))
    if ndim:
        dims[a], dims[b] = dims[b], dims[a]
    return rename(as_view(apply(PERMUTE, (input,), dims=tuple(dims)), input), PERMUTE,
                  "TransposeBackward0")


def t(input):
    """The transpose of a matrix; 0-d and 1-d tensors come back as (views of) themselves.

    Raises
    ------
    RuntimeError
        If ``input`` has more than 2 dimensions.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.zeros(2, 3).t().shape
    numbagrad.Size([3, 2])
    """
    if input.ndim > 2:
        raise RuntimeError(
            f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    out = transpose(input, 0, -1) if input.ndim == 2 else permute(input, *range(input.ndim))
    return rename(out, PERMUTE, "TBackward0")


# ---------------------------------------------------------------------------- broadcasting


def expand(input, *sizes):
    """A read-only view of ``input`` broadcast to ``sizes`` (-1 keeps a size; new leading
    dimensions may be added). d/dx = the gradient summed over the expanded dimensions.

    Raises
    ------
    RuntimeError
        If fewer sizes than dimensions are given, or a non-singleton size would change.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.zeros(3, 1).expand(2, -1, 4).shape
    numbagrad.Size([2, 3, 4])
    """
    sizes = _sizes("expand", sizes)
    shape = tuple(input.shape)
    if len(sizes) < len(shape):
        raise RuntimeError(
            f"expand({input.dtype.name}{list(shape)}, size={list(sizes)}): the number of sizes "
            f"provided ({len(sizes)}) must be greater or equal to the number of dimensions in "
            f"the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    target = []
    for d, s in enumerate(sizes):
        if d < lead:
            if s < 0:
                raise RuntimeError(f"expand: The expanded size of the tensor ({s}) isn't allowed "
                                   f"in a leading, non-existing dimension {d}")
            target.append(s)
            continue
        n = shape[d - lead]
        if s == -1:
            s = n
        if s != n and n != 1 or s < 0:
            raise RuntimeError(
                f"expand: The expanded size of the tensor ({s}) must match the existing size "
                f"({n}) at non-singleton dimension {d}.  Target sizes: {list(sizes)}.  Tensor "
                f"sizes: {list(shape)}")
        target.append(s)
    return as_view(apply(EXPAND, (input,), shape=tuple(target)), input)


def expand_as(input, other):
    """``input.expand(other.shape)``."""
    return expand(input, tuple(other.shape))


# ---------------------------------------------------------------------------- joining


def _tensor_list(op: str, tensors) -> list:
    from numbagrad.tensor import Tensor

    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                        f"{type(tensors).__name__}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    return list(tensors)


def _common_dtype(tensors: list):
    from numbagrad.ops.elementwise import cast

    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = dtypes.promote_types(dtype, t.dtype)
    return [cast(t, dtype) for t in tensors]


def cat(tensors, dim: int = 0):
    """``tensors`` joined along ``dim``; their dtypes promote as ``torch.cat``'s do.

    All sizes but ``dim``'s must match; 1-d empty tensors (shape ``[0]``) are skipped, as torch
    allows. d/dx_i = the slab of the gradient that ``x_i`` filled.

    Raises
    ------
    ValueError
        If ``tensors`` is empty.
    RuntimeError
        On 0-d tensors, mismatched ranks or sizes.
    IndexError
        If ``dim`` is out of range.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.cat([torch.zeros(2, 3), torch.ones(1, 3)]).shape
    numbagrad.Size([3, 3])
    """
    tensors = _tensor_list("cat", tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(
                f"cat: zero-dimensional tensor (at position {i}) cannot be concatenated")
    skip = tuple(i for i, t in enumerate(tensors) if tuple(t.shape) == (0,))
    kept = [t for i, t in enumerate(tensors) if i not in skip]
    if not kept:
        skip, kept = (), tensors
    ref = kept[0]
    axis = _wrap(dim, ref.ndim, "cat")
    for i, t in enumerate(tensors):
        if i in skip or t is ref:
            continue
        if t.ndim != ref.ndim:
            raise RuntimeError(
                f"cat: Tensors must have same number of dimensions: got {ref.ndim} and {t.ndim}")
        for d in range(ref.ndim):
            if d != axis and t.shape[d] != ref.shape[d]:
                raise RuntimeError(
                    f"cat: Sizes of tensors must match except in dimension {axis}. Expected size "
                    f"{ref.shape[d]} but got size {t.shape[d]} for tensor number {i} in the list.")
    return apply(CAT, tuple(_common_dtype(tensors)), axis=axis, skip=skip)


concat = concatenate = cat


def stack(tensors, dim: int = 0):
    """``tensors`` (all of one shape) joined along a new dimension ``dim``.

    d/dx_i = the gradient's slice i along ``dim``.

    Raises
    ------
    RuntimeError
        If ``tensors`` is empty or the shapes differ.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.stack([torch.zeros(2, 3), torch.ones(2, 3)], dim=1).shape
    numbagrad.Size([2, 2, 3])
    """
    tensors = _tensor_list("stack", tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tuple(tensors[0].shape)
    for i, t in enumerate(tensors[1:], 1):
        if tuple(t.shape) != shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 "
                f"and {list(t.shape)} at entry {i}")
    d = _wrap(dim, len(shape) + 1, "stack")
    return cat([unsqueeze(t, d) for t in tensors], d)


# ---------------------------------------------------------------------------- splitting


def _narrow(input, axis: int, start: int, length: int):
    """The view ``input[..., start:start+length, ...]`` along ``axis``."""
    key = (slice(None),) * axis + (slice(start, start + length),)
    return as_view(apply(SLICE, (input,), key=key), input)


def split(tensor, split_size_or_sections, dim: int = 0):
    """Views of ``tensor`` cut along ``dim``: pieces of ``split_size_or_sections`` (the last may
    be shorter) or of the listed sizes. d/dx = each piece's gradient in its place.

    Raises
    ------
    RuntimeError
        On a negative or zero size (for a non-empty dimension), or sizes that do not sum to the
        dimension's length.

    Examples
    --------
    >>> import numbagrad as torch
    >>> [p.shape[0] for p in torch.zeros(5).split(2)]
    [2, 2, 1]
    """
    if tensor.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    axis = _wrap(dim, tensor.ndim, "split")
    n = tensor.shape[axis]
    if isinstance(split_size_or_sections, (numbers.Integral, np.integer)):
        size = int(split_size_or_sections)
        if size < 0:
            raise RuntimeError(
                f"split expects split_size be non-negative, but got split_size={size}")
        if size == 0 and n != 0:
            raise RuntimeError("split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {n}")
        sizes = [size] * (n // size) + ([n % size] if n % size else []) if size else []
        sizes = sizes or [n]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes):
            raise RuntimeError("split_with_sizes expects split_sizes have only non-negative "
                               f"entries, but got split_sizes={sizes}")
        if builtins.sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's "
                f"size at dimension {axis}), but got split_sizes={sizes}")
    pieces, start = [], 0
    for s in sizes:
        pieces.append(_narrow(tensor, axis, start, s))
        start += s
    return tuple(pieces)


def chunk(input, chunks: int, dim: int = 0):
    """``input`` cut into at most ``chunks`` views of ``ceil(size / chunks)`` along ``dim``.

    Raises
    ------
    RuntimeError
        If ``chunks`` is not positive.

    Examples
    --------
    >>> import numbagrad as torch
    >>> [p.shape[0] for p in torch.zeros(5).chunk(3)]
    [2, 2, 1]
    """
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if input.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    axis = _wrap(dim, input.ndim, "chunk")
    n = input.shape[axis]
    if n == 0:
        return split(input, [0] * chunks, axis)
    return split(input, -(-n // chunks), axis)
