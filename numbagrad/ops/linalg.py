"""Matrix products: ``matmul`` (torch.matmul's rules), ``mm`` and ``bmm``.

All three are one forward and one vjp, registered under three names so that ``grad_fn`` reads
as in torch (``MmBackward0``, ``BmmBackward0``). The backend's ``matmul`` multiplies arrays of
at least two dimensions with broadcast batch dimensions; 1-D operands are viewed as a row
(left) or a column (right) and that dimension is dropped from the result, as torch does.
Transposed operands (``x.t()``, and ``b^T``, ``a^T`` in the vjp) are passed as views, never
copied: the kernels hand them to BLAS with a transpose flag.
"""
from __future__ import annotations

from math import prod

from numbagrad import dtypes
from numbagrad.ops import elementwise as ew
from numbagrad.ops import shape as shape_ops
from numbagrad.ops.registry import OpDef, apply, register, unbroadcast
from numbagrad.tensor import Tensor

# torch's C++ type names, used in its dtype-mismatch messages.
_CPP_NAMES = {"float32": "float", "float64": "double", "int32": "int", "int64": "long int",
              "bool": "bool"}


def _as_matrices(a, b):
    """``a`` and ``b`` with a 1-D left operand viewed as ``(1, k)``, a 1-D right one as ``(k, 1)``."""
    if a.ndim == 1:
        a = a.reshape((1, a.shape[0]))
    if b.ndim == 1:
        b = b.reshape((b.shape[0], 1))
    return a, b


def _matmul_forward(be, a, b):
    out = be.matmul(*_as_matrices(a, b))
    if a.ndim == 1:
        out = out.reshape(out.shape[:-2] + out.shape[-1:])
    if b.ndim == 1:
        out = out.reshape(out.shape[:-1])
    return out


def _matmul_vjp(be, g, node):
    """``grad_a = g @ b^T``, ``grad_b = a^T @ g``, each summed over the batch dimensions that
    broadcasting added to its operand."""
    a, b = node.inputs
    return _matmul_grads(be, g, a, b, node.in_shapes[0], node.in_shapes[1], node.needs[0],
                         node.needs[1])


def _matmul_grads(be, g, a, b, a_shape: tuple, b_shape: tuple, need_a: bool, need_b: bool):
    """The gradients of ``a @ b`` (shapes ``a_shape``, ``b_shape``) for gradient ``g``."""
    if len(b_shape) == 1:
        g = g.reshape(g.shape + (1,))
    if len(a_shape) == 1:
        g = g.reshape(g.shape[:-1] + (1,) + g.shape[-1:])
    a2, b2 = _as_matrices(a, b)
    grad_a = grad_b = None
    if need_a:
        grad_a = unbroadcast(be, be.matmul(g, b2, transpose_b=True), a2.shape).reshape(a_shape)
    if need_b:
        if b2.ndim == 2 and a2.ndim > 2:
            # b was one matrix shared by the whole batch: fold the batch into rows, so that its
            # gradient is one GEMM with the batch sum inside, not a GEMM per matrix and a sum.
            k, n = b2.shape
            a2, g = a2.reshape((-1, k)), g.reshape((-1, n))
        grad_b = unbroadcast(be, be.matmul(a2, g, transpose_a=True), b2.shape).reshape(b_shape)
    return grad_a, grad_b


def _linear_forward(be, x, w, b=None):
    """``x @ w^T + b``: one backend call, the bias added to the product's rows in the same
    kernel (the roundings of ``matmul(x, w.t())`` then ``+ b``)."""
    if b is not None:
        b = be.contiguous(b)
    if x.ndim == 1:
        return be.matmul(x.reshape((1, x.shape[0])), w, transpose_b=True,
                         bias=b).reshape((w.shape[0],))
    return be.matmul(x, w, transpose_b=True, bias=b)


def _linear_vjp(be, g, node):
    """``grad_x = g w``, ``grad_w = g^T x``, ``grad_b = g`` summed over the batch.

    A 2-D input (a batch of vectors) takes one backend call for all three, ``grad_w`` coming
    out C-contiguous like the weight; other ranks go through matmul's rules."""
    x, w = node.inputs[0], node.inputs[1]
    x_shape, (n, k) = node.in_shapes[0], node.in_shapes[1]
    needs = node.needs
    need_b = len(needs) == 3 and needs[2]
    if len(x_shape) == 2:
        return be.linear_backward(g, x, w, needs[0], needs[1], need_b)[:len(needs)]
    grad_x, grad_wt = _matmul_grads(be, g, x, be.permute(w, (1, 0)), x_shape, (k, n), needs[0],
                                    needs[1])
    grad_w = None if grad_wt is None else be.permute(grad_wt, (1, 0))
    if len(needs) == 2:
        return grad_x, grad_w
    return grad_x, grad_w, unbroadcast(be, g, (n,)) if need_b else None


# d/da = g @ b.T and d/db = a.T @ g: each saved operand serves the other's gradient.
MATMUL = register(OpDef("matmul", _matmul_forward, _matmul_vjp, kernels=("matmul", "sum"),
                        saves_inputs=True, saved_for_others=True))
MM = register(OpDef("mm", _matmul_forward, _matmul_vjp, kernels=("matmul",), saves_inputs=True,
                    saved_for_others=True))
BMM = register(OpDef("bmm", _matmul_forward, _matmul_vjp, kernels=("matmul",),
                     saves_inputs=True, saved_for_others=True))


LINEAR = register(OpDef("linear", _linear_forward, _linear_vjp,
                        kernels=("matmul", "linear_backward", "map", "permute", "sum"),
                        saves_inputs=(0, 1), saved_for_others=True))


def linear(input, weight, bias=None):
    """``input @ weight.T + bias`` for checked operands: one fused node when the operands are
    floating point of one dtype and device, ``weight`` a matrix that ``input``'s last dimension
    fits and ``bias`` (if any) a vector of its rows; else ``matmul`` then ``add``.

    The fused node gives the same values and gradients as the two ops; it saves one node,
    one transposed view and one elementwise pass per layer.
    """
    x, w = input._data, weight._data
    dtype = x.dtype
    if (w.ndim == 2 and x.ndim >= 1 and x.shape[x.ndim - 1] == w.shape[1] and dtype.kind == "f"
            and w.dtype == dtype and input._device == weight._device):
        if bias is None:
            return apply(LINEAR, (input, weight))
        if (isinstance(bias, Tensor) and bias._data.ndim == 1
                and bias._data.shape[0] == w.shape[0] and bias._data.dtype == dtype
                and bias._device == input._device):
            return apply(LINEAR, (input, weight, bias))
    out = matmul(input, shape_ops.t(weight))
    return out if bias is None else ew.add(out, bias)


def _check_tensors(op: str, names: tuple, *xs) -> None:
    for pos, (name, x) in enumerate(zip(names, xs), 1):
        if not isinstance(x, Tensor):
            raise TypeError(
                f"{op}(): argument '{name}' (position {pos}) must be Tensor, not "
                f"{type(x).__name__}"
            )


def _check_dtypes(op: str, a, b) -> None:
    """torch's messages: different dtypes, and bool (which its CPU kernels do not implement)."""
    if a.dtype is not b.dtype:
        raise RuntimeError(
            f"{op}: expected m1 and m2 to have the same dtype, but got: "
            f"{_CPP_NAMES[a.dtype.name]} != {_CPP_NAMES[b.dtype.name]}"
        )
    if a.dtype is dtypes.bool_:
        raise NotImplementedError(f'{op}: "{op}" not implemented for \'Bool\'')


def _dims(shape: tuple) -> str:
    return "x".join(str(n) for n in shape)


def _broadcast_batch(op: str, sa: tuple, sb: tuple) -> tuple:
    """The broadcast of batch shapes ``sa`` and ``sb``, or torch's RuntimeError."""
    ndim = max(len(sa), len(sb))
    pa = (1,) * (ndim - len(sa)) + sa
    pb = (1,) * (ndim - len(sb)) + sb
    for d, (x, y) in enumerate(zip(pa, pb)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(
                f"{op}: The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                f"non-singleton dimension {d}"
            )
    return tuple(max(x, y) if min(x, y) != 0 else 0 for x, y in zip(pa, pb))


def _check_matmul_shapes(sa: tuple, sb: tuple) -> None:
    """Raise torch's RuntimeError for operands ``matmul`` cannot multiply.

    torch's message depends on the path it takes (dot, mv, mm, a folded mm, bmm); each branch
    below is one of those paths.
    """
    da, db = len(sa), len(sb)
    if da == 0 or db == 0:
        raise RuntimeError(
            f"matmul: both arguments to matmul need to be at least 1D, but they are {da}D and "
            f"{db}D"
        )
    ka, kb = sa[-1], (sb[0] if db == 1 else sb[-2])
    if db >= 3:
        batch = _broadcast_batch("matmul", sa[:-2], sb[:-2])
        if ka != kb:
            n = prod(batch)
            raise RuntimeError(
                f"matmul: Expected size for first two dimensions of batch2 tensor to be: "
                f"[{n}, {ka}] but got: [{n}, {kb}]."
            )
        return
    if ka == kb:
        return
    # A right operand of at most 2 dimensions: torch folds the left one's leading dimensions
    # into rows (mv or mm), and its message counts those rows.
    rows = prod(sa[:-1])
    if da == 1 and db == 1:
        raise RuntimeError(
            f"matmul: inconsistent tensor size, expected tensor [{ka}] and src [{kb}] to have the "
            f"same number of elements, but got {ka} and {kb} elements respectively"
        )
    if db == 1:
        raise RuntimeError(
            f"matmul: size mismatch, got input ({rows}), mat ({rows}x{ka}), vec ({kb})"
        )
    raise RuntimeError(
        f"matmul: mat1 and mat2 shapes cannot be multiplied ({rows}x{ka} and {_dims(sb)})"
    )


def matmul(input, other):
    """Matrix product with torch.matmul's rules.

    1-D · 1-D is a dot product (a 0-d result); a 1-D left operand is a row vector and a 1-D
    right operand a column vector, their added dimension removed from the result; 2-D · 2-D is
    a matrix product; operands of 3 or more dimensions are stacks of matrices whose batch
    (leading) dimensions broadcast. Integer tensors multiply exactly (wrapping on overflow).

    Derivative: for ``C = A B``, ``dA = dC B^T`` and ``dB = A^T dC``, summed over broadcast
    batch dimensions.

    Parameters
    ----------
    input, other : Tensor
        At least 1-D, of the same dtype (not bool).

    Returns
    -------
    Tensor

    Raises
    ------
    TypeError
        If an argument is not a Tensor.
    RuntimeError
        If an operand is 0-d, the inner dimensions differ, the batch dimensions do not
        broadcast or the dtypes differ (torch's messages, after the op's name).
    NotImplementedError
        For bool tensors.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.matmul(torch.ones(2, 3), torch.ones(3)).tolist()
    [3.0, 3.0]
    """
    _check_tensors("matmul", ("input", "other"), input, other)
    _check_matmul_shapes(tuple(input.shape), tuple(other.shape))
    _check_dtypes("matmul", input, other)
    op = MM if input.ndim == 2 and other.ndim == 2 else MATMUL
    return apply(op, (input, other))


def mm(input, mat2):
    """Product of two matrices, ``(n, m) @ (m, p) -> (n, p)``; no broadcasting.

    Derivative: ``d input = g mat2^T``, ``d mat2 = input^T g``.

    Parameters
    ----------
    input, mat2 : Tensor
        2-D, of the same dtype (not bool).

    Returns
    -------
    Tensor

    Raises
    ------
    TypeError
        If an argument is not a Tensor.
    RuntimeError
        If an operand is not 2-D, the inner dimensions differ or the dtypes differ.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.mm(torch.ones(2, 3), torch.ones(3, 4)).shape
    numbagrad.Size([2, 4])
    """
    _check_tensors("mm", ("input", "mat2"), input, mat2)
    if input.ndim != 2:
        raise RuntimeError(f"mm: self must be a matrix, but got a {input.ndim}-D tensor")
    if mat2.ndim != 2:
        raise RuntimeError(f"mm: mat2 must be a matrix, but got a {mat2.ndim}-D tensor")
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(
            f"mm: mat1 and mat2 shapes cannot be multiplied ({_dims(input.shape)} and "
            f"{_dims(mat2.shape)})"
        )
    _check_dtypes("mm", input, mat2)
    return apply(MM, (input, mat2))


def bmm(input, mat2):
    """Batched matrix product, ``(b, n, m) @ (b, m, p) -> (b, n, p)``; no broadcasting.

    Derivative: ``d input[i] = g[i] mat2[i]^T``, ``d mat2[i] = input[i]^T g[i]``.

    Parameters
    ----------
    input, mat2 : Tensor
        3-D with equal batch sizes, of the same dtype (not bool).

    Returns
    -------
    Tensor

    Raises
    ------
    TypeError
        If an argument is not a Tensor.
    RuntimeError
        If an operand is not 3-D, the batch sizes or inner dimensions differ, or the dtypes
        differ.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.bmm(torch.ones(5, 2, 3), torch.ones(5, 3, 4)).shape
    numbagrad.Size([5, 2, 4])
    """
    _check_tensors("bmm", ("input", "mat2"), input, mat2)
    if input.ndim != 3:
        raise RuntimeError(f"bmm: batch1 must be a 3D tensor, but got a {input.ndim}-D tensor")
    if mat2.ndim != 3:
        raise RuntimeError(f"bmm: batch2 must be a 3D tensor, but got a {mat2.ndim}-D tensor")
    (n, _, k), (n2, k2, _) = input.shape, mat2.shape
    if (n, k) != (n2, k2):
        raise RuntimeError(
            f"bmm: Expected size for first two dimensions of batch2 tensor to be: [{n}, {k}] "
            f"but got: [{n2}, {k2}]."
        )
    if input.dtype is not mat2.dtype:
        raise RuntimeError(
            f"bmm: expected scalar type {dtypes.scalar_name(input.dtype)} but found "
            f"{dtypes.scalar_name(mat2.dtype)}"
        )
    _check_dtypes("bmm", input, mat2)
    return apply(BMM, (input, mat2))
