"""Rearranging ops written from the shape and index ops: repeat/tile, flips and rolls, moving and
swapping dimensions, the numpy-style stacks and splits, broadcasting helpers, meshgrid.

Each is a composite of views (``reshape``, ``permute``, ``expand``, slices) and of integer-array
indexing (``getitem``) for the reversals and rotations, so gradients and devices come from those.
"""
from __future__ import annotations

import numbers

import numpy as np

from numbagrad.ops import shape as sh
from numbagrad.ops.shape import _tensor_list, _wrap

_INT = (numbers.Integral, np.integer)


def _is_int(v) -> bool:
    return isinstance(v, _INT) and not isinstance(v, bool)


def _int_tuple(op: str, name: str, values) -> tuple:
    """``values`` (an int or a sequence of ints) as a tuple of ints."""
    if _is_int(values):
        return (int(values),)
    if not isinstance(values, (tuple, list)):
        raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, not "
                        f"{type(values).__name__}")
    for v in values:
        if not _is_int(v):
            raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, but found element "
                            f"of type {type(v).__name__}")
    return tuple(int(v) for v in values)


def _dims(op: str, dims, ndim: int) -> tuple:
    """``dims`` wrapped, refusing repeats as torch does."""
    wrapped = tuple(_wrap(d, max(ndim, 1), op) for d in _int_tuple(op, "dims", dims))
    for d in wrapped:
        if wrapped.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return wrapped


def _take(input, axis: int, positions):
    """``input`` with the entries along ``axis`` picked at ``positions`` (an index array)."""
    from numbagrad.ops.index import getitem

    key = (slice(None),) * axis + (np.asarray(positions, dtype=np.int64),)
    return getitem(input, key)


# ---------------------------------------------------------------------------- repeating


def repeat(input, *sizes):
    """``input`` repeated ``sizes[d]`` times along each dimension (extra leading sizes add
    dimensions). A copy. d/dx = the gradient summed over the repeats.

    Raises
    ------
    RuntimeError
        If fewer sizes than dimensions are given, or a size is negative.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.tensor([1, 2]).repeat(2, 2).shape
    numbagrad.Size([2, 4])
    """
    sizes = sh._sizes("repeat", sizes)
    shape = tuple(input.shape)
    if len(sizes) < len(shape):
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    padded = (1,) * (len(sizes) - len(shape)) + shape
    target = tuple(r * n for r, n in zip(sizes, padded))
    if any(r < 0 for r in sizes):
        raise RuntimeError(f"Trying to create tensor with negative dimension "
                           f"{min(target)}: {list(target)}")
    interleaved = []
    for n in padded:
        interleaved += [1, n]
    spread = []
    for r, n in zip(sizes, padded):
        spread += [r, n]
    x = sh.reshape(input, tuple(interleaved))
    x = sh.expand(x, tuple(spread))
    return sh.reshape(sh.clone(x), target)


def tile(input, dims):
    """``input`` repeated ``dims[d]`` times along each dimension; ``dims`` shorter than the rank
    is padded with leading ones (as :func:`repeat` otherwise). d/dx = the gradient summed over
    the repeats.

    Raises
    ------
    RuntimeError
        If a repeat count is negative.
    """
    dims = _int_tuple("tile", "dims", dims)
    dims = (1,) * (input.ndim - len(dims)) + dims
    return repeat(input, dims)


# ---------------------------------------------------------------------------- reversing


def flip(input, dims):
    """A copy of ``input`` reversed along each of ``dims`` (an int or a sequence).

    d/dx = the gradient flipped back.

    Raises
    ------
    RuntimeError
        If a dimension repeats.
    IndexError
        If a dimension is out of range.
    TypeError
        If ``dims`` is not a sequence (the method also takes ``x.flip(0, 1)``).

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.tensor([1, 2, 3]).flip(0)
    tensor([3, 2, 1])
    """
    if not isinstance(dims, (tuple, list)):
        raise TypeError(f"flip(): argument 'dims' (position 2) must be tuple of ints, not "
                        f"{type(dims).__name__}")
    x = input
    for d in _dims("flip", dims, input.ndim):
        if input.ndim:
            x = _take(x, d, np.arange(input.shape[d] - 1, -1, -1))
    return sh.clone(x) if x is input else x


def _flip_method(self, *dims):
    """``x.flip(dims)`` or ``x.flip(d0, d1, ...)``."""
    return flip(self, dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims)


def fliplr(input):
    """``input`` reversed along dimension 1 (left to right). d/dx = the gradient flipped back.

    Raises
    ------
    RuntimeError
        If ``input`` has fewer than 2 dimensions.
    """
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input):
    """``input`` reversed along dimension 0 (up to down). d/dx = the gradient flipped back.

    Raises
    ------
    RuntimeError
        If ``input`` is 0-d.
    """
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


def roll(input, shifts, dims=None):
    """``input`` shifted cyclically by ``shifts`` along ``dims`` (ints or tuples of the same
    length); without ``dims`` the flattened tensor rolls and takes the shape back.

    d/dx = the gradient rolled back.

    Raises
    ------
    RuntimeError
        If ``shifts`` and ``dims`` differ in length.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.tensor([1, 2, 3]).roll(1)
    tensor([3, 1, 2])
    """
    shifts = _int_tuple("roll", "shifts", shifts)
    dims_t = () if dims is None else _int_tuple("roll", "dims", dims)
    if dims is None and len(shifts) == 1:
        flat = sh.flatten(input)
        return sh.reshape(roll(flat, shifts, 0), tuple(input.shape))
    if len(shifts) != len(dims_t):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims_t)}")
    if input.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    x = input
    for s, d in zip(shifts, dims_t):
        axis = _wrap(d, input.ndim, "roll")
        n = input.shape[axis]
        if n:
            x = _take(x, axis, (np.arange(n) - s) % n)
    return sh.clone(x) if x is input else x


def rot90(input, k: int = 1, dims=(0, 1)):
    """``input`` rotated by 90 degrees ``k`` times in the plane of ``dims``, from the first
    towards the second. d/dx = the gradient rotated back.

    Raises
    ------
    RuntimeError
        If ``dims`` is not two different dimensions or ``input`` has fewer than 2.
    """
    dims = _int_tuple("rot90", "dims", dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    a, b = _wrap(dims[0], input.ndim, "rot90"), _wrap(dims[1], input.ndim, "rot90")
    if a == b:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {a} and "
                           f"dim1 = {b}")
    k = int(k) % 4
    if k == 1:
        return sh.transpose(flip(input, (b,)), a, b)
    if k == 2:
        return flip(input, (a, b))
    if k == 3:
        return flip(sh.transpose(input, a, b), (b,))
    return sh.clone(input)


# ---------------------------------------------------------------------------- slicing


def narrow(input, dim: int, start: int, length: int):
    """The view of ``input`` from ``start`` for ``length`` entries along ``dim``.

    d/dx = the gradient in the narrowed positions, zero elsewhere.

    Raises
    ------
    IndexError
        If ``dim`` or ``start`` is out of range.
    RuntimeError
        If ``length`` is negative or the slice runs past the end.
    """
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    axis = _wrap(dim, input.ndim, "narrow")
    n = input.shape[axis]
    if hasattr(start, "item"):
        start = start.item()
    start, length = int(start), int(length)
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got "
                         f"{start})")
    if start < 0:
        start += n
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return sh._narrow(input, axis, start, length)


def unbind(input, dim: int = 0):
    """The slices of ``input`` along ``dim``, that dimension removed, as a tuple of views.

    d/dx = each slice's gradient in its place.

    Raises
    ------
    IndexError
        If ``input`` is 0-d or ``dim`` is out of range.
    """
    if input.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    axis = _wrap(dim, input.ndim, "unbind")
    return tuple(sh.squeeze(sh._narrow(input, axis, i, 1), axis)
                 for i in range(input.shape[axis]))


# ---------------------------------------------------------------------------- moving dimensions


def movedim(input, source, destination):
    """A view with the dimensions ``source`` moved to ``destination`` (ints or sequences), the
    others keeping their order. d/dx = the gradient with the dimensions moved back.

    Raises
    ------
    RuntimeError
        If ``source`` and ``destination`` differ in length or repeat a dimension.
    """
    src = _int_tuple("movedim", "source", source)
    dst = _int_tuple("movedim", "destination", destination)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
            f"contain the same number of dims as destination ({list(dst)} dims)")
    ndim = input.ndim
    src = tuple(_wrap(d, max(ndim, 1), "movedim") for d in src)
    dst = tuple(_wrap(d, max(ndim, 1), "movedim") for d in dst)
    if len(set(src)) != len(src):
        raise RuntimeError(f"movedim: repeated dim in `source` ({list(src)})")
    if len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({list(dst)})")
    if ndim == 0:
        return sh.permute(input)
    order = [None] * ndim
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(d for d in range(ndim) if d not in src)
    order = [next(rest) if o is None else o for o in order]
    return sh.permute(input, *order)


moveaxis = movedim


def swapaxes(input, axis0: int, axis1: int):
    """``input.transpose(axis0, axis1)`` (NumPy's name)."""
    return sh.transpose(input, axis0, axis1)


def swapdims(input, dim0: int, dim1: int):
    """``input.transpose(dim0, dim1)``."""
    return sh.transpose(input, dim0, dim1)


# ---------------------------------------------------------------------------- at least n-d


def _atleast(op: str, tensors, fix):
    from numbagrad.tensor import Tensor

    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        return fix(tensors[0])
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    return tuple(fix(t) for t in _tensor_list(op, tensors))


def atleast_1d(*tensors):
    """Each tensor as is if it has a dimension, a 0-d one as shape ``(1,)``: one tensor for one
    argument, else a tuple."""
    return _atleast("atleast_1d", tensors, lambda t: sh.reshape(t, (1,)) if t.ndim == 0 else t)


def _2d(t):
    return sh.reshape(t, (1, 1)) if t.ndim == 0 else sh.unsqueeze(t, 0) if t.ndim == 1 else t


def _3d(t):
    if t.ndim == 0:
        return sh.reshape(t, (1, 1, 1))
    if t.ndim == 1:
        return sh.reshape(t, (1, t.shape[0], 1))
    return sh.unsqueeze(t, -1) if t.ndim == 2 else t


def atleast_2d(*tensors):
    """Each tensor with at least 2 dimensions (a 1-d one becomes a row ``(1, n)``)."""
    return _atleast("atleast_2d", tensors, _2d)


def atleast_3d(*tensors):
    """Each tensor with at least 3 dimensions (``(n,)`` becomes ``(1, n, 1)``, ``(m, n)``
    becomes ``(m, n, 1)``)."""
    return _atleast("atleast_3d", tensors, _3d)


# ---------------------------------------------------------------------------- numpy-style stacks


def _nonempty(op: str, tensors) -> list:
    tensors = _tensor_list(op, tensors)
    if not tensors:
        raise RuntimeError(f"{op} expects a non-empty TensorList")
    return tensors


def hstack(tensors):
    """``tensors`` joined column-wise: along dimension 1, or 0 for 1-d tensors (0-d ones count
    as 1-d). d/dx_i = x_i's slab of the gradient."""
    tensors = [atleast_1d(t) for t in _nonempty("hstack", tensors)]
    return sh.cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    """``tensors`` made at least 2-d and joined along dimension 0."""
    return sh.cat([_2d(t) for t in _nonempty("vstack", tensors)], 0)


row_stack = vstack


def dstack(tensors):
    """``tensors`` made at least 3-d and joined along dimension 2."""
    return sh.cat([_3d(t) for t in _nonempty("dstack", tensors)], 2)


def column_stack(tensors):
    """``tensors`` as columns: 0-d and 1-d ones become ``(n, 1)``, then joined along dimension
    1."""
    tensors = _nonempty("column_stack", tensors)
    cols = [sh.reshape(t, (t.numel(), 1)) if t.ndim <= 1 else t for t in tensors]
    return sh.cat(cols, 1)


# ---------------------------------------------------------------------------- broadcasting


def broadcast_shapes(*shapes) -> tuple:
    """The shape that ``shapes`` broadcast to (ints count as 1-d shapes).

    Raises
    ------
    RuntimeError
        If two sizes differ and neither is 1.
    """
    from numbagrad.tensor import Size

    shapes = [(int(s),) if _is_int(s) else tuple(int(n) for n in s) for s in shapes]
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for k, s in enumerate(shapes):
        for i, n in enumerate(s):
            d = ndim - len(s) + i
            if n == out[d] or n == 1:
                continue
            if out[d] != 1:
                raise RuntimeError(
                    f"Attempting to broadcast a dimension of length {n} at {i - len(s)}! "
                    f"Mismatching argument at index {k} had {s}; but expected shape should be "
                    f"broadcastable to {out}")
            out[d] = n
    return Size(out)


def broadcast_to(input, size):
    """A read-only view of ``input`` broadcast to ``size`` (as :func:`expand`).

    Raises
    ------
    RuntimeError
        If a non-singleton size would change.
    """
    return sh.expand(input, tuple(size))


def broadcast_tensors(*tensors):
    """``tensors`` expanded to their common broadcast shape, as a tuple of views.

    d/dx_i = the gradient summed over the dimensions x_i was expanded along.

    Raises
    ------
    RuntimeError
        If the shapes do not broadcast.
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    tensors = _tensor_list("broadcast_tensors", tensors)
    ndim = max((t.ndim for t in tensors), default=0)
    out = [1] * ndim
    for i, t in enumerate(tensors):
        for j, n in enumerate(t.shape):
            d = ndim - t.ndim + j
            if n == out[d] or n == 1:
                continue
            if out[d] != 1:
                raise RuntimeError(
                    f"The size of tensor a ({out[d]}) must match the size of tensor b ({n}) at "
                    f"non-singleton dimension {d}")
            out[d] = n
    return tuple(sh.expand(t, tuple(out)) for t in tensors)


def meshgrid(*tensors, indexing: str = "ij"):
    """Coordinate grids from 1-d (or 0-d) tensors: output i varies along dimension i
    (``indexing='ij'``), or with the first two inputs' dimensions swapped (``'xy'``). Views.

    d/dx_i = the gradient of grid i summed over the other dimensions.

    Raises
    ------
    RuntimeError
        If a tensor has more than one dimension or ``indexing`` is unknown.
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    tensors = _tensor_list("meshgrid", tensors)
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but '
                           f'received: {indexing}')
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError("torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got: {t.ndim}D")
    for t in tensors[1:]:
        if t.dtype != tensors[0].dtype:
            raise RuntimeError("torch.meshgrid: expects all tensors to have the same dtype")
    swap = indexing == "xy" and len(tensors) >= 2
    order = list(tensors)
    if swap:
        order[0], order[1] = order[1], order[0]
    sizes = tuple(t.numel() for t in order)
    grids = []
    for i, t in enumerate(order):
        view_shape = (1,) * i + (sizes[i],) + (1,) * (len(sizes) - i - 1)
        grids.append(sh.expand(sh.reshape(t, view_shape), sizes))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


# ---------------------------------------------------------------------------- splitting


def tensor_split(input, indices_or_sections, dim: int = 0):
    """Views of ``input`` cut along ``dim``: into ``n`` near-equal parts (the first
    ``size % n`` one longer) for an int, or at the listed indices (piece i is
    ``input[indices[i-1]:indices[i]]``, clamped, so it may be empty).

    d/dx = each piece's gradient in its place.

    Raises
    ------
    RuntimeError
        If ``input`` is 0-d or the number of sections is not positive.
    """
    if input.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    axis = _wrap(dim, input.ndim, "tensor_split")
    n = input.shape[axis]
    if hasattr(indices_or_sections, "tolist"):
        indices_or_sections = indices_or_sections.tolist()
    if _is_int(indices_or_sections):
        sections = int(indices_or_sections)
        if sections <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
        q, r = divmod(n, sections)
        bounds, start = [], 0
        for i in range(sections):
            stop = start + q + (1 if i < r else 0)
            bounds.append((start, stop))
            start = stop
    else:
        cuts = [int(i) for i in _int_tuple("tensor_split", "indices", indices_or_sections)]
        bounds, start = [], 0
        for c in cuts + [n]:
            c = min(max(c + n if c < 0 else c, 0), n)
            bounds.append((start, max(c, start)))
            start = c
    return tuple(sh._narrow(input, axis, a, b - a) for a, b in bounds)


def _numpy_split(op: str, input, sections, dim: int, min_dims: int):
    if input.ndim < min_dims:
        raise RuntimeError(f"torch.{op} requires a tensor with at least {min_dims} dimension, "
                           f"but got a tensor with {input.ndim} dimensions!")
    if _is_int(sections):
        n = input.shape[dim]
        if sections == 0 or n % int(sections):
            raise RuntimeError(f"torch.{op} attempted to split along dimension {dim}, but the "
                               f"size of the dimension {n} is not divisible by the split_size "
                               f"{int(sections)}!")
    return tensor_split(input, sections, dim)


def hsplit(input, indices_or_sections):
    """:func:`tensor_split` along dimension 1 (0 for a 1-d tensor); an int must divide it."""
    return _numpy_split("hsplit", input, indices_or_sections, 0 if input.ndim == 1 else 1, 1)


def vsplit(input, indices_or_sections):
    """:func:`tensor_split` along dimension 0 of an at least 2-d tensor; an int must divide
    it."""
    return _numpy_split("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input, indices_or_sections):
    """:func:`tensor_split` along dimension 2 of an at least 3-d tensor; an int must divide
    it."""
    return _numpy_split("dsplit", input, indices_or_sections, 2, 3)


def unflatten(input, dim: int, sizes):
    """``input`` with dimension ``dim`` split into ``sizes`` (one may be -1, inferred).

    d/dx = the gradient reshaped back.

    Raises
    ------
    RuntimeError
        If ``input`` is 0-d, or ``sizes`` is empty or does not multiply up to the dimension's
        size.
    """
    if input.ndim == 0:
        raise RuntimeError("unflatten: Dimension specified as 0 but tensor has no dimensions")
    axis = _wrap(dim, input.ndim, "unflatten")
    sizes = _int_tuple("unflatten", "sizes", sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    n = input.shape[axis]
    known = 1
    for s in sizes:
        if s != -1:
            known *= s
    if sizes.count(-1) == 1 and known and n % known == 0:
        sizes = tuple(n // known if s == -1 else s for s in sizes)
    elif sizes.count(-1) or known != n:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {axis} ({n}) in the input tensor")
    shape = tuple(input.shape)
    return sh.reshape(input, shape[:axis] + sizes + shape[axis + 1:])


METHODS: dict = {
    "repeat": repeat, "tile": tile, "flip": _flip_method, "fliplr": fliplr, "flipud": flipud,
    "roll": roll, "rot90": rot90, "narrow": narrow, "unbind": unbind, "movedim": movedim,
    "moveaxis": moveaxis, "swapaxes": swapaxes, "swapdims": swapdims,
    "broadcast_to": broadcast_to, "tensor_split": tensor_split, "hsplit": hsplit,
    "vsplit": vsplit, "dsplit": dsplit, "unflatten": unflatten,
}
