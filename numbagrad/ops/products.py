"""Products of tensors: einsum, tensordot, dot, vdot, mv, outer/ger, addmm, addmv, addbmm,
baddbmm, kron, cross and cdist.

Every op here is a composite: operands are permuted and reshaped so that each contraction is
one call of the ``matmul``/``bmm`` primitive (the one BLAS call), and gradients come from the
ops it is written with. ``METHODS`` lists the Tensor methods and in-place forms.
"""
from __future__ import annotations

import warnings
from math import prod

from numbagrad import dtypes
from numbagrad.autograd.grad_mode import _enabled, no_grad
from numbagrad.ops import comparison as cmp
from numbagrad.ops import elementwise as ew
from numbagrad.ops import linalg, logic
from numbagrad.ops import reduce as red
from numbagrad.ops import shape as shape_ops
from numbagrad.ops.elementwise import check_tensor, write_out
from numbagrad.ops.inplace import inplace
from numbagrad.tensor import Tensor

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ELLIPSIS_BASE = len(_LETTERS)  # labels of dimensions covered by an ellipsis start here


def _name(d: dtypes.dtype) -> str:
    return dtypes.scalar_name(d)


def _dims(shape) -> str:
    return "x".join(str(n) for n in shape)


def _check_same_dtype(tensors) -> None:
    """torch's message for operands of different dtypes (einsum, cross, cdist)."""
    first = tensors[0].dtype
    for t in tensors[1:]:
        if t.dtype is not first:
            raise RuntimeError(f"expected scalar type {_name(first)} but found {_name(t.dtype)}")


def _check_shapes_broadcast(sa: tuple, sb: tuple) -> tuple:
    """The broadcast of shapes ``sa`` and ``sb``, or torch's RuntimeError."""
    nd = max(len(sa), len(sb))
    pa, pb = (1,) * (nd - len(sa)) + sa, (1,) * (nd - len(sb)) + sb
    for i, (u, v) in enumerate(zip(pa, pb)):
        if u != v and u != 1 and v != 1:
            raise RuntimeError(f"The size of tensor a ({u}) must match the size of tensor b "
                               f"({v}) at non-singleton dimension {i}")
    return tuple(max(u, v) if min(u, v) else 0 for u, v in zip(pa, pb))


def _expand_error(target: tuple, shape: tuple, dtype) -> RuntimeError | None:
    """torch's error when ``shape`` cannot be expanded to ``target`` (addmm's input), else None."""
    if len(shape) > len(target):
        return RuntimeError(
            f"expand(torch.{_name(dtype)}Tensor{{{list(shape)}}}, size={list(target)}): the "
            f"number of sizes provided ({len(target)}) must be greater or equal to the number "
            f"of dimensions in the tensor ({len(shape)})")
    offset = len(target) - len(shape)
    for i in range(len(shape) - 1, -1, -1):
        if shape[i] != 1 and shape[i] != target[offset + i]:
            return RuntimeError(
                f"The expanded size of the tensor ({target[offset + i]}) must match the existing "
                f"size ({shape[i]}) at non-singleton dimension {offset + i}.  Target sizes: "
                f"{list(target)}.  Tensor sizes: {list(shape)}")
    return None


# ------------------------------------------------------------------------------------ einsum


def _parse_operand(eq: str, start: int, text: str, what: str) -> tuple:
    """Labels of one operand's (or the output's) subscripts: ints for letters, ``None`` for
    the ellipsis; ``start`` is the offset of ``text`` in ``eq`` (for messages)."""
    labels = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == " ":
            i += 1
        elif c == ".":
            if None in labels:
                raise RuntimeError(
                    f"einsum(): found '.' for {what} for which an ellipsis was already found")
            if text[i:i + 3] != "...":
                suffix = " (...)" if what == "output" else ""
                raise RuntimeError(
                    f"einsum(): found '.' for {what} that is not part of any ellipsis{suffix}")
            labels.append(None)
            i += 3
        elif c in _LETTERS:
            labels.append(_LETTERS.index(c))
            i += 1
        else:
            raise RuntimeError(
                f"einsum(): invalid subscript given at index {start + i} in the equation string, "
                "subscripts must be in [a-zA-Z]")
    return labels


def _sublist_equation(args: tuple) -> tuple:
    """torch's sublist form ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` as an equation string and
    the operands."""
    def letters(sub) -> str:
        out = []
        for s in sub:
            if s is Ellipsis:
                out.append("...")
            elif isinstance(s, int) and 0 <= s < 52:
                out.append(_LETTERS[s])
            else:
                raise ValueError(
                    "einsum(): subscript in subscript list is not within the valid range [0, 52)")
        return "".join(out)

    operands = args[0::2][:len(args) // 2]
    subs = [letters(s) for s in args[1::2][:len(args) // 2]]
    eq = ",".join(subs)
    if len(args) % 2 == 1:
        eq += "->" + letters(args[-1])
    return eq, tuple(operands)


def _einsum_arguments(args: tuple) -> tuple:
    if not args or (isinstance(args[0], str) and len(args) < 2) or (
            not isinstance(args[0], str) and len(args) < 2):
        raise ValueError(
            "einsum(): must specify the equation string and at least one operand, or at least "
            "one operand and its subscripts list")
    if isinstance(args[0], str):
        eq, operands = args[0], args[1:]
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = tuple(operands[0])
    else:
        eq, operands = _sublist_equation(args)
    for i, t in enumerate(operands):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"expected Tensor as element {i} in argument 1, but got {type(t).__name__}")
    return eq, operands


def _diagonal(x, labels: list) -> tuple:
    """``x`` with each label repeated in ``labels`` reduced to its diagonal (a strided slice of
    the flattened repeated dimensions), and the labels left."""
    while True:
        repeated = next((lab for lab in labels if labels.count(lab) > 1), None)
        if repeated is None:
            return x, labels
        where = [i for i, lab in enumerate(labels) if lab == repeated]
        rest = [i for i, lab in enumerate(labels) if lab != repeated]
        n = x.shape[where[0]]
        x = shape_ops.permute(x, tuple(rest + where))
        lead = tuple(x.shape[:len(rest)])
        x = shape_ops.reshape(x, lead + (n ** len(where),))
        step = max(1, sum(n ** j for j in range(len(where))))
        x = x[(Ellipsis, slice(None, None, step))]
        labels = [labels[i] for i in rest] + [repeated]


def _permute(x, order: tuple):
    """``x.permute(order)``, or ``x`` itself for the identity."""
    return x if order == tuple(range(len(order))) else shape_ops.permute(x, order)


def _reshape(x, shape: tuple):
    return x if tuple(x.shape) == shape else shape_ops.reshape(x, shape)


def _sum_labels(x, labels: list, drop: set, dtype) -> tuple:
    axes = tuple(i for i, lab in enumerate(labels) if lab in drop)
    if not axes:
        return x, labels
    x = red._sum(x, axes, False, dtype)
    return x, [lab for lab in labels if lab not in drop]


def _contract(a, la: list, b, lb: list, keep: set) -> tuple:
    """The product of ``a`` (labels ``la``) and ``b`` (labels ``lb``) summed over their shared
    labels not in ``keep``: one bmm on ``(batch, left, sum) x (batch, sum, right)`` views, or a
    broadcast multiplication when nothing is summed."""
    batch = [lab for lab in la if lab in lb and lab in keep]
    summed = [lab for lab in la if lab in lb and lab not in keep]
    left = [lab for lab in la if lab not in lb]
    right = [lab for lab in lb if lab not in la]
    size = dict(zip(la, a.shape))
    size.update(zip(lb, b.shape))
    bs, ls, rs, ks = ([size[lab] for lab in group] for group in (batch, left, right, summed))
    a = _permute(a, tuple(la.index(lab) for lab in batch + left + summed))
    b = _permute(b, tuple(lb.index(lab) for lab in batch + summed + right))
    if not summed:
        a = _reshape(a, tuple(bs + ls + [1] * len(rs)))
        b = _reshape(b, tuple(bs + [1] * len(ls) + rs))
        return ew.mul(a, b), batch + left + right
    if a.dtype is dtypes.bool_:
        raise NotImplementedError('"bmm" not implemented for \'Bool\'')
    a = _reshape(a, (prod(bs), prod(ls), prod(ks)))
    b = _reshape(b, (prod(bs), prod(ks), prod(rs)))
    out = linalg.bmm(a, b)
    return _reshape(out, tuple(bs + ls + rs)), batch + left + right


def einsum(*args):
    """Sum of products of the operands' elements over the indices an equation names.

    ``einsum(equation, *operands)``, ``einsum(equation, [operands])`` or torch's sublist form
    ``einsum(op0, sublist0, op1, sublist1, ..., [out_sublist])``. Subscripts are letters
    (``[a-zA-Z]``) and at most one ``...`` per operand, which broadcasts; a letter repeated in
    one operand takes the diagonal; letters missing from the output are summed. Without
    ``->`` the output is the ellipsis dimensions, then the letters used once, sorted.
    Operands are contracted left to right, each pair by one ``bmm`` of permuted views.

    Derivative: that of the products and sums written out (each operand's gradient is the
    einsum of the output gradient with the other operands).

    Raises
    ------
    ValueError
        Without an equation and an operand.
    TypeError
        If an operand is not a tensor.
    RuntimeError
        For a malformed equation, a number of subscripts that does not match an operand's
        rank, a subscript whose sizes do not broadcast, operands of different dtypes (torch's
        messages).
    """
    eq, operands = _einsum_arguments(args)
    arrow = eq.find("->")
    lhs = eq if arrow < 0 else eq[:arrow]
    parts, start = [], 0
    for text in lhs.split(","):
        parts.append(_parse_operand(eq, start, text, f"operand {len(parts)}"))
        start += len(text) + 1
    output = None
    if arrow >= 0:
        output = _parse_operand(eq, arrow + 2, eq[arrow + 2:], "output")
    if len(operands) > len(parts):
        raise RuntimeError(
            "einsum(): more operands were provided than specified in the equation")
    if len(operands) < len(parts):
        raise RuntimeError(
            "einsum(): fewer operands were provided than specified in the equation")
    # Each operand's labels, the ellipsis expanded into labels aligned on the right.
    ell = 0
    for i, (x, labels) in enumerate(zip(operands, parts)):
        named = len(labels) - labels.count(None)
        if None in labels:
            if named > x.ndim:
                raise RuntimeError(
                    f"einsum(): the number of subscripts in the equation ({named}) is more than "
                    f"the number of dimensions ({x.ndim}) for operand {i}")
            ell = max(ell, x.ndim - named)
        elif named != x.ndim:
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({named}) does not match "
                f"the number of dimensions ({x.ndim}) for operand {i} and no ellipsis was given")
    ell_labels = [_ELLIPSIS_BASE + j for j in range(ell)]
    full = []
    for x, labels in zip(operands, parts):
        if None in labels:
            k = labels.index(None)
            covered = x.ndim - (len(labels) - 1)
            labels = labels[:k] + ell_labels[ell - covered:] + labels[k + 1:]
        full.append(labels)
    # Sizes: repeated within an operand must match; across operands they broadcast.
    size: dict = {}
    for i, (x, labels) in enumerate(zip(operands, full)):
        covered = x.ndim - (len(parts[i]) - 1)  # the ellipsis's dimensions, if it has one
        seen: dict = {}
        for lab, n in zip(labels, x.shape):
            if lab in seen and seen[lab] != n:
                raise RuntimeError(
                    f"einsum(): subscript {_LETTERS[lab]} is repeated for operand {i} but the "
                    f"sizes don't match, {n} != {seen[lab]}")
            seen[lab] = n
        for lab, n in seen.items():
            prev = size.get(lab)
            if prev is not None and prev != n and prev != 1 and n != 1:
                if lab >= _ELLIPSIS_BASE:
                    raise RuntimeError(
                        f"einsum(): dimension {lab - _ELLIPSIS_BASE - (ell - covered)} "
                        f"covered by ellipsis in operand {i}has size {n} which does not "
                        f"broadcast with previously seen ellipsis with size {prev} for the "
                        "respective dimension")
                raise RuntimeError(
                    f"einsum(): subscript {_LETTERS[lab]} has size {n} for operand {i} which "
                    f"does not broadcast with previously seen size {prev}")
            size[lab] = n if prev is None or prev == 1 else prev
    # The output's labels.
    if output is None:
        counts: dict = {}
        for labels in parts:
            for lab in labels:
                if lab is not None:
                    counts[lab] = counts.get(lab, 0) + 1
        out_labels = ell_labels + sorted(lab for lab, c in counts.items() if c == 1)
    else:
        out_labels = []
        for lab in output:
            if lab is None:
                out_labels.extend(ell_labels)
                continue
            if lab in out_labels:
                raise RuntimeError(
                    f"einsum(): output subscript {_LETTERS[lab]} appears more than once in the "
                    "output")
            if lab not in size:
                raise RuntimeError(
                    f"einsum(): output subscript {_LETTERS[lab]} does not appear in the equation "
                    "for any input operand")
            out_labels.append(lab)
    _check_same_dtype(operands)
    dtype = operands[0].dtype
    single = len(operands) == 1
    # Diagonals, broadcast size-1 dimensions, labels used by one operand only summed first.
    terms = []
    for i, (x, labels) in enumerate(zip(operands, full)):
        x, labels = _diagonal(x, labels)
        target = tuple(size[lab] for lab in labels)
        if tuple(x.shape) != target:
            x = shape_ops.expand(x, target)
        elsewhere = set(out_labels)
        for j, other in enumerate(full):
            if j != i:
                elsewhere.update(other)
        x, labels = _sum_labels(x, labels, set(labels) - elsewhere, None if single else dtype)
        terms.append((x, labels))
    x, labels = terms[0]
    for j in range(1, len(terms)):
        keep = set(out_labels)
        for _, later in terms[j + 1:]:
            keep.update(later)
        y, ly = terms[j]
        x, labels = _sum_labels(x, labels, set(labels) - keep - set(ly), dtype)
        y, ly = _sum_labels(y, ly, set(ly) - keep - set(labels), dtype)
        x, labels = _contract(x, labels, y, ly, keep)
    return _permute(x, tuple(labels.index(lab) for lab in out_labels))


# --------------------------------------------------------------------------------- tensordot


def _int_list(dims) -> list:
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        return [dims]
    return [int(d) for d in dims]


def _wrap_dim(d: int, ndim: int) -> int:
    lo, hi = -max(ndim, 1), max(ndim, 1) - 1
    if not lo <= d <= hi:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {d})")
    return d % max(ndim, 1)


def tensordot(a, b, dims=2, out=None):
    """Sum of products of ``a`` and ``b`` over the dimension pairs ``dims`` names: an int
    ``d`` (``a``'s last ``d`` with ``b``'s first ``d``) or two lists of dimensions. One GEMM
    of the operands permuted and folded into matrices.

    Derivative: ``da = g @ b^T`` and ``db = a^T @ g`` in the folded matrices.

    Raises
    ------
    TypeError
        If ``a`` or ``b`` is not a tensor.
    RuntimeError
        For negative or too large ``dims``, lists of different lengths, a dimension listed
        twice, contracted sizes that differ, or operands of different dtypes.
    IndexError
        For a dimension out of range.
    """
    check_tensor("tensordot", a, "input")
    check_tensor("tensordot", b, "other", 2)
    if isinstance(dims, Tensor) and dims.ndim == 0:
        dims = int(dims.item())
    if isinstance(dims, bool) or not isinstance(dims, (int, list, tuple, Tensor)):
        raise RuntimeError(
            "tensordot expects dims to be int or tuple[list[int], list[int]] or list[list[int]] "
            f"containing two lists, but got dims={dims}")
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a.ndim or dims > b.ndim:
            raise RuntimeError(
                f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        given_a, given_b = list(range(-dims, 0)), list(range(dims))
    else:
        if len(dims) != 2:
            raise RuntimeError(
                "tensordot expects dims to be int or tuple[list[int], list[int]] or "
                f"list[list[int]] containing two lists, but got dims={dims}")
        given_a, given_b = _int_list(dims[0]), _int_list(dims[1])
        if len(given_a) != len(given_b):
            raise RuntimeError("both dimension lists should have same length")
    dims_a = [_wrap_dim(d, a.ndim) for d in given_a]
    dims_b = [_wrap_dim(d, b.ndim) for d in given_b]
    for ds in (dims_a, dims_b):
        for d in ds:
            if ds.count(d) > 1:
                raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    for da, db, ga, gb in zip(dims_a, dims_b, given_a, given_b):
        if a.shape[da] != b.shape[db]:
            raise RuntimeError(
                f"contracted dimensions need to match, but first has size {a.shape[da]} in dim "
                f"{ga} and second has size {b.shape[db]} in dim {gb}")
    if a.dtype is not b.dtype:
        raise RuntimeError("both inputs should have same dtype")
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    k = prod(a.shape[d] for d in dims_a)
    sa = [a.shape[d] for d in free_a]
    sb = [b.shape[d] for d in free_b]
    a2 = shape_ops.reshape(shape_ops.permute(a, tuple(free_a + dims_a)), (prod(sa), k))
    b2 = shape_ops.reshape(shape_ops.permute(b, tuple(dims_b + free_b)), (k, prod(sb)))
    result = shape_ops.reshape(linalg.mm(a2, b2), tuple(sa + sb))
    return write_out("tensordot", result, out)


# -------------------------------------------------------------------------- vector products


def _dot(op: str, input, other, out):
    check_tensor(op, input)
    check_tensor(op, other, "tensor", 2)
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(
            f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    n, m = input.shape[0], other.shape[0]
    if n != m:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the same "
            f"number of elements, but got {n} and {m} elements respectively")
    if input.dtype is not other.dtype:
        raise RuntimeError(
            f"{op} : expected both vectors to have same dtype, but found {_name(input.dtype)} "
            f"and {_name(other.dtype)}".replace("vdot :", "dot :"))
    if input.dtype is dtypes.bool_:
        raise NotImplementedError(f'"{op}" not implemented for \'Bool\'')
    return write_out(op, linalg.matmul(input, other), out)


def dot(input, tensor, *, out=None):
    """Inner product of two 1-D tensors of one dtype, a 0-d tensor.

    Derivative: ``d input = g * tensor``, ``d tensor = g * input``.

    Raises
    ------
    TypeError
        If an argument is not a tensor.
    RuntimeError
        If an operand is not 1-D, the lengths or the dtypes differ.
    NotImplementedError
        For bool tensors.
    """
    return _dot("dot", input, tensor, out)


def vdot(input, other, *, out=None):
    """``dot(input.conj(), other)``; for the real dtypes here, ``dot``.

    Derivative: ``d input = g * other``, ``d other = g * input``.

    Raises
    ------
    TypeError
        If an argument is not a tensor.
    RuntimeError
        If an operand is not 1-D, the lengths or the dtypes differ.
    NotImplementedError
        For bool tensors.
    """
    return _dot("vdot", input, other, out)


def mv(input, vec, *, out=None):
    """Matrix-vector product ``(n, m) @ (m,) -> (n,)``.

    Derivative: ``d input = outer(g, vec)``, ``d vec = input^T g``.

    Raises
    ------
    TypeError
        If an argument is not a tensor.
    RuntimeError
        If ``input`` is not 2-D or ``vec`` not 1-D, the sizes or the dtypes differ.
    """
    check_tensor("mv", input)
    check_tensor("mv", vec, "vec", 2)
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(
            f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}")
    if input.shape[1] != vec.shape[0]:
        n, m = input.shape
        raise RuntimeError(
            f"size mismatch, got input ({n}), mat ({n}x{m}), vec ({vec.shape[0]})")
    result_dtype = out.dtype if isinstance(out, Tensor) else vec.dtype
    if not result_dtype is input.dtype is vec.dtype:
        raise RuntimeError(
            f"addmv input tensors must have the same dtype, but got {_name(result_dtype)}, "
            f"{_name(input.dtype)}, and {_name(vec.dtype)}")
    return write_out("mv", linalg.matmul(input, vec), out)


def outer(input, vec2, *, out=None):
    """Outer product ``input[i] * vec2[j]`` of two 1-D tensors (promoted dtype).

    Derivative: ``d input = g @ vec2``, ``d vec2 = g^T @ input``.

    Raises
    ------
    TypeError
        If an argument is not a tensor.
    RuntimeError
        If an operand is not 1-D.
    """
    check_tensor("outer", input)
    check_tensor("outer", vec2, "vec2", 2)
    for name, x in (("self", input), ("vec2", vec2)):
        if x.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {x.ndim}-D")
    result = ew.mul(shape_ops.reshape(input, (input.shape[0], 1)), vec2)
    return write_out("outer", result, out)


def ger(input, vec2, *, out=None):
    """Alias of :func:`outer`, deprecated in torch (with its warning)."""
    warnings.warn("torch.ger is deprecated and will be removed in a future PyTorch release. "
                  "Use torch.outer instead.", UserWarning, stacklevel=2)
    return outer(input, vec2, out=out)


# ---------------------------------------------------------------------------- add*mm family


def _scale(x, factor):
    return x if factor == 1 else ew.mul(x, factor)


def _add_scaled(op: str, input, product, beta, alpha, out):
    """``beta * input + alpha * product`` with torch's rules: ``beta == 0`` ignores ``input``
    (nan and inf included; its gradient is zero), integer results stay integers."""
    target = tuple(product.shape)
    err = _expand_error(target, tuple(input.shape), input.dtype)
    if err is not None:
        raise err
    result = _scale(product, alpha)
    if beta == 0:
        if input.requires_grad and _enabled.get():
            # No contribution, but a (zero) gradient for input, as torch.
            result = ew.add(result, _graph_zero(input))
    else:
        result = ew.add(_scale(input, beta), result)
    if not product.dtype.is_floating_point and result.dtype is not product.dtype:
        result = ew.cast(result, product.dtype)
    if tuple(result.shape) != target:
        result = shape_ops.expand(result, target)
    return write_out(op, result, out)


def _graph_zero(x, axes: tuple = ()):
    """Zeros of ``x``'s shape less ``axes``, in ``x``'s graph: ``x`` gets a zero gradient
    through them (not None, and not nan where ``x`` is nan or inf, as ``0 * x`` would give)."""
    empty = shape_ops.unsqueeze(x, x.ndim)[(Ellipsis, slice(0, 0))]
    return red._sum(empty, (x.ndim,) + tuple(axes), False)


def _check_matrix_dtypes(input, m1, m2) -> None:
    if input.dtype is not m2.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got "
                           f"{_name(input.dtype)} and {_name(m2.dtype)}")
    if m1.dtype is not m2.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got "
                           f"{_name(m1.dtype)} and {_name(m2.dtype)}")


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat1 @ mat2)``, ``input`` broadcast to the product's shape;
    with ``beta == 0`` ``input`` is ignored (nan included).

    Derivative: ``d input = beta g`` (summed over broadcast dims), ``d mat1 = alpha g mat2^T``,
    ``d mat2 = alpha mat1^T g``.

    Raises
    ------
    TypeError
        If an argument is not a tensor.
    RuntimeError
        If ``mat1`` or ``mat2`` is not 2-D, their sizes do not fit, ``input`` does not
        broadcast to the product, or the dtypes differ.
    """
    for pos, (name, x) in enumerate((("input", input), ("mat1", mat1), ("mat2", mat2)), 1):
        check_tensor("addmm", x, name, pos)
    for name, x in (("mat1", mat1), ("mat2", mat2)):
        if x.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {x.ndim}-D tensor")
    _check_matrix_dtypes(input, mat1, mat2)
    if mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_dims(mat1.shape)} and "
                           f"{_dims(mat2.shape)})")
    return _add_scaled("addmm", input, linalg.mm(mat1, mat2), beta, alpha, out)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat @ vec)``, ``input`` broadcast to the product's length;
    with ``beta == 0`` ``input`` is ignored (nan included).

    Derivative: ``d input = beta g``, ``d mat = alpha outer(g, vec)``, ``d vec = alpha mat^T g``.

    Raises
    ------
    TypeError
        If an argument is not a tensor.
    RuntimeError
        If ``mat`` is not 2-D, ``vec`` not 1-D, ``input`` more than 1-D, the sizes do not fit
        or the dtypes differ.
    """
    for pos, (name, x) in enumerate((("input", input), ("mat", mat), ("vec", vec)), 1):
        check_tensor("addmv", x, name, pos)
    if mat.ndim != 2 or vec.ndim != 1 or input.ndim > 1:
        raise RuntimeError(
            f"vector + matrix @ vector expected, got {input.ndim}, {mat.ndim}, {vec.ndim}")
    n, m = mat.shape
    if m != vec.shape[0] or (input.ndim == 1 and input.shape[0] not in (1, n)):
        got = input.shape[0] if input.ndim == 1 else 1
        raise RuntimeError(
            f"size mismatch, got input ({got}), mat ({n}x{m}), vec ({vec.shape[0]})")
    if not input.dtype is mat.dtype is vec.dtype:
        raise RuntimeError(
            f"addmv input tensors must have the same dtype, but got {_name(input.dtype)}, "
            f"{_name(mat.dtype)}, and {_name(vec.dtype)}")
    return _add_scaled("addmv", input, linalg.matmul(mat, vec), beta, alpha, out)


def _size(x, d: int) -> int:
    """``x.size(d)`` with torch's IndexError for a dimension ``x`` lacks."""
    if d >= x.ndim:
        n = max(x.ndim, 1)
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
    return x.shape[d]


def _check_input_expands(input, target: tuple) -> None:
    err = _expand_error(target, tuple(input.shape), input.dtype)
    if err is not None:
        raise err


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * sum_b batch1[b] @ batch2[b]``: one GEMM of ``batch1`` viewed
    as ``(n, b*m)`` and ``batch2`` as ``(b*m, p)``.

    Derivative: ``d input = beta g``, ``d batch1[b] = alpha g batch2[b]^T``,
    ``d batch2[b] = alpha batch1[b]^T g``.

    Raises
    ------
    TypeError
        If an argument is not a tensor.
    IndexError
        If ``batch1`` has under 2 or ``batch2`` under 3 dimensions (torch's message).
    RuntimeError
        If a batch is not 3-D, the batch counts or matrix sizes differ, ``input`` does not
        broadcast to ``(n, p)``, or the dtypes differ.
    """
    for pos, (name, x) in enumerate((("input", input), ("batch1", batch1), ("batch2", batch2)),
                                    1):
        check_tensor("addbmm", x, name, pos)
    _check_input_expands(input, (_size(batch1, 1), _size(batch2, 2)))
    for name, x in (("batch1", batch1), ("batch2", batch2)):
        if x.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
    (b, n, m), (b2, m2, p) = batch1.shape, batch2.shape
    if b != b2:
        raise RuntimeError(
            f"batch1 and batch2 must have same number of batches, got {b} and {b2}")
    if m != m2:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({n}x{m} and {m2}x{p})")
    _check_matrix_dtypes(input, batch1, batch2)
    a2 = shape_ops.reshape(shape_ops.permute(batch1, (1, 0, 2)), (n, b * m))
    b2m = shape_ops.reshape(batch2, (b * m, p))
    return _add_scaled("addbmm", input, linalg.mm(a2, b2m), beta, alpha, out)


_CPP = {"float32": "float", "float64": "double", "int32": "int", "int64": "long",
        "bool": "bool"}


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * bmm(batch1, batch2)``, ``input`` broadcast to ``(b, n, p)``;
    with ``beta == 0`` ``input`` is ignored (nan included).

    Derivative: ``d input = beta g``, ``d batch1 = alpha g batch2^T``,
    ``d batch2 = alpha batch1^T g`` per batch.

    Raises
    ------
    TypeError
        If an argument is not a tensor.
    IndexError
        If ``batch1`` has under 2 or ``batch2`` under 3 dimensions (torch's message).
    RuntimeError
        If a batch is not 3-D, the batch or inner sizes differ, ``input`` does not broadcast
        to the product, or the dtypes differ.
    """
    for pos, (name, x) in enumerate((("input", input), ("batch1", batch1), ("batch2", batch2)),
                                    1):
        check_tensor("baddbmm", x, name, pos)
    _check_input_expands(input, (_size(batch1, 0), _size(batch1, 1), _size(batch2, 2)))
    for name, x in (("batch1", batch1), ("batch2", batch2)):
        if x.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
    (b, _, m), (b2, m2, _) = batch1.shape, batch2.shape
    if (b, m) != (b2, m2):
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{b}, {m}] but "
            f"got: [{b2}, {m2}].")
    if not input.dtype is batch1.dtype is batch2.dtype:
        names = [_CPP.get(x.dtype.name, x.dtype.name) for x in (input, batch1, batch2)]
        raise RuntimeError(f"Input dtypes must be the same, got: input {names[0]}, batch1: "
                           f"{names[1]}, batch2: {names[2]}")
    return _add_scaled("baddbmm", input, linalg.bmm(batch1, batch2), beta, alpha, out)


def _inplace_product(fn, shape_first: bool):
    """``addmm_`` and its kin: the result must have ``self``'s shape (torch's message), checked
    before the op's own checks (``shape_first``, as torch's addmm_ and baddbmm_) or after."""
    def method(self, *args, **kwargs):
        shape = _result_shape(fn.__name__, *args)
        if shape is not None and shape != tuple(self.shape):
            if not shape_first:
                with no_grad():
                    fn(self, *args, **kwargs)  # the op's own error, if it has one
            raise RuntimeError(
                f"Bad in-place call: input tensor size {list(self.shape)} and output tensor "
                f"size {list(shape)} should match")
        return inplace(self, fn, *args, **kwargs)

    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"``{fn.__name__}`` in place: the result is written into ``self``."
    return method


def _result_shape(op: str, a=None, b=None, *rest):
    """The shape of ``op``'s result for operands ``a`` and ``b``, or None if they are not
    tensors of the ranks it takes."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        return None
    if op == "addmm" and a.ndim == 2 and b.ndim == 2:
        return (a.shape[0], b.shape[1])
    if op == "addmv" and a.ndim == 2:
        return (a.shape[0],)
    if op == "addbmm" and a.ndim == 3 and b.ndim == 3:
        return (a.shape[1], b.shape[2])
    if op == "baddbmm" and a.ndim == 3 and b.ndim == 3:
        return (a.shape[0], a.shape[1], b.shape[2])
    return None


# ---------------------------------------------------------------------------------- kron, cross


def kron(input, other, *, out=None):
    """Kronecker product: blocks ``input[i...] * other``; the ranks are padded with leading
    ones to the larger, the result's sizes are the products of the sizes.

    Derivative: that of the broadcast product ``input[:, None, ...] * other[None, :, ...]``.

    Raises
    ------
    TypeError
        If an argument is not a tensor.
    """
    check_tensor("kron", input)
    check_tensor("kron", other, "other", 2)
    nd = max(input.ndim, other.ndim)
    sa = (1,) * (nd - input.ndim) + tuple(input.shape)
    sb = (1,) * (nd - other.ndim) + tuple(other.shape)
    a = shape_ops.reshape(input, tuple(x for n in sa for x in (n, 1)))
    b = shape_ops.reshape(other, tuple(x for n in sb for x in (1, n)))
    result = shape_ops.reshape(ew.mul(a, b), tuple(x * y for x, y in zip(sa, sb)))
    return write_out("kron", result, out)


def cross(input, other, dim=None, *, out=None):
    """Cross product of 3-vectors along ``dim``, the operands broadcast. Without ``dim`` (with
    torch's deprecation warning) the first dimension of ``input`` of size 3.

    Derivative: ``d input = other x g``, ``d other = g x input``.

    Raises
    ------
    TypeError
        If an argument is not a tensor.
    RuntimeError
        If the ranks differ, the shapes do not broadcast, no dimension has size 3 (without
        ``dim``), ``dim`` has not size 3, or the dtypes differ.
    IndexError
        For ``dim`` out of range.
    """
    check_tensor("cross", input)
    check_tensor("cross", other, "other", 2)
    if dim is None:
        warnings.warn(
            "Using torch.cross without specifying the dim arg is deprecated.\nPlease either "
            "pass the dim explicitly or simply use torch.linalg.cross.\nThe default value of "
            "dim will change to agree with that of linalg.cross in a future release.",
            UserWarning, stacklevel=2)
        dim = next((d for d, n in enumerate(input.shape) if n == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    _check_same_dtype((input, other))
    _check_shapes_broadcast(tuple(input.shape), tuple(other.shape))
    d = _wrap_dim(dim, input.ndim)
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {d} must have length 3. Got "
                           f"{input.shape[d]} and {other.shape[d]}")

    def part(x, i):
        key = (slice(None),) * d + (slice(i, i + 1),)
        return x[key]

    a = [part(input, i) for i in range(3)]
    b = [part(other, i) for i in range(3)]
    c = [ew.sub(ew.mul(a[(i + 1) % 3], b[(i + 2) % 3]), ew.mul(a[(i + 2) % 3], b[(i + 1) % 3]))
         for i in range(3)]
    return write_out("cross", shape_ops.cat(c, d), out)


# ------------------------------------------------------------------------------------- cdist

_COMPUTE_MODES = {"use_mm_for_euclid_dist_if_necessary": 0, "use_mm_for_euclid_dist": 1,
                  "donot_use_mm_for_euclid_dist": 2}


def _root(s, p: float):
    """``s ** (1/p)`` with a zero gradient where ``s`` is 0 (torch's cdist backward)."""
    zero = cmp.eq(s, 0)
    safe = ew.where(zero, 1.0, s)
    root = ew.sqrt(safe) if p == 2 else ew.pow(safe, 1.0 / p)
    return ew.where(zero, 0.0, root)


def _euclidean_mm(x1, x2):
    """torch's matrix-product form of the p=2 distance: ``[-2 x1, |x1|^2, 1] @ [x2, 1,
    |x2|^2]^T``, clamped at 0, square-rooted."""
    n1 = red._sum(ew.mul(x1, x1), (-1 % x1.ndim,), True)
    n2 = red._sum(ew.mul(x2, x2), (-1 % x2.ndim,), True)
    one1 = shape_ops.expand(_one(x1), tuple(n1.shape))
    one2 = shape_ops.expand(_one(x2), tuple(n2.shape))
    a = shape_ops.cat([ew.mul(x1, -2), n1, one1], -1)
    b = shape_ops.cat([x2, one2, n2], -1)
    s = linalg.matmul(a, shape_ops.transpose(b, -1, -2))
    s = ew.clamp(s, min=0)
    return _root(s, 2)


def _one(x):
    """A 0-d tensor 1 of ``x``'s dtype and device."""
    from numbagrad.creation import ones

    return ones((), dtype=x.dtype, device=x.device)


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """p-norm distances between the rows of ``x1`` ``(*, P, M)`` and of ``x2`` ``(*, R, M)``,
    ``(*, P, R)``, the batch dimensions broadcast. ``p = 0`` counts differing coordinates,
    ``p = inf`` takes the largest. For ``p = 2`` torch's matrix-product form is used when
    ``compute_mode`` asks for it (by default when ``P`` or ``R`` exceeds 25).

    Derivative: ``d x1 = sum_r g |d|^(p-1) sign(d) / dist^(p-1)`` with ``d = x1 - x2``, zero
    where the distance is zero; for ``p = inf`` every coordinate reaching the maximum gets
    ``sign(d) g``.

    Raises
    ------
    TypeError
        If an argument is not a tensor.
    ValueError
        For an unknown ``compute_mode``.
    RuntimeError
        For operands under 2-D, not floating point, of different dtypes or column counts,
        batch dimensions that do not broadcast, or a negative ``p``.
    """
    check_tensor("cdist", x1, "x1")
    check_tensor("cdist", x2, "x2", 2)
    if compute_mode not in _COMPUTE_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    for name, x in (("X1", x1), ("X2", x2)):
        if x.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {x.ndim}D")
    for name, x in (("X1", x1), ("X2", x2)):
        if not x.dtype.is_floating_point:
            raise RuntimeError(
                f"cdist only supports floating-point dtypes, {name} got: {_name(x.dtype)}")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1.shape[-1]} X2: {x2.shape[-1]}")
    p = float(p)
    if not p >= 0:
        raise RuntimeError("cdist only supports non-negative p values")
    _check_same_dtype((x1, x2))
    batch1, batch2 = tuple(x1.shape[:-2]), tuple(x2.shape[:-2])
    batch = _check_shapes_broadcast(batch1, batch2)
    (r1, m), r2 = x1.shape[-2:], x2.shape[-2]
    x1 = shape_ops.expand(x1, batch + (r1, m))
    x2 = shape_ops.expand(x2, batch + (r2, m))
    mode = _COMPUTE_MODES[compute_mode]
    if p == 2 and (mode == 1 or (mode == 0 and (r1 > 25 or r2 > 25))):
        return _euclidean_mm(x1, x2)
    nd = len(batch)
    diff = ew.sub(shape_ops.unsqueeze(x1, nd + 1), shape_ops.unsqueeze(x2, nd))
    last = (nd + 2,)
    if m == 0:
        return _graph_zero(diff, last)  # no coordinates: every distance is 0
    if p == 0:
        count = red._sum(ew.cast(cmp.ne(diff, 0), diff.dtype), last, False)
        # Connected to the graph with a zero gradient, as torch's.
        return ew.add(count, _graph_zero(diff, last))
    if p == 1:
        return red._sum(ew.abs(diff), last, False)
    if p == 2:
        return _root(red._sum(ew.mul(diff, diff), last, False), 2)
    a = ew.abs(diff)
    if p == float("inf"):
        top = red.amax(a.detach(), -1)
        hit = cmp.eq(a.detach(), shape_ops.unsqueeze(top, nd + 2)) & logic.isfinite(a.detach())
        # The value is the maximum; the gradient reaches every coordinate that attains it.
        moved = ew.sub(ew.where(hit, a, 0.0), ew.where(hit, a.detach(), 0.0))
        return ew.add(top, red._sum(moved, last, False))
    zero = cmp.eq(a, 0)
    powered = ew.where(zero, 0.0, ew.pow(ew.where(zero, 1.0, a), p))
    return _root(red._sum(powered, last, False), p)


METHODS: dict = {
    "dot": dot, "vdot": vdot, "mv": mv, "outer": outer, "ger": ger, "kron": kron,
    "cross": cross, "addmm": addmm, "addmv": addmv, "addbmm": addbmm, "baddbmm": baddbmm,
    "addmm_": _inplace_product(addmm, True), "addmv_": _inplace_product(addmv, False),
    "addbmm_": _inplace_product(addbmm, False), "baddbmm_": _inplace_product(baddbmm, True),
}
