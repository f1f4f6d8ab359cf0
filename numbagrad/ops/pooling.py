"""Pooling primitives over one to three spatial dimensions: max and average pooling (1-D, 3-D)
and their adaptive forms (1-D to 3-D). The composites built on pooling (``lp_pool1d/2d``,
``max_unpool1d/2d``) are in ``ops/unpooling.py``.

Every pooling is one windowed kernel over a ``(planes, D, H, W)`` view of its input (batch and
channels merged into ``planes``, unit ``D`` and ``H`` for fewer spatial dimensions): the
windows are tables per spatial axis (first tap, tap count, dilation, divisor), built here from
torch's geometry, so max pooling, average pooling and the adaptive forms share two forward and
two backward kernels (``backends/*/pooling.py``). Arguments are checked first, in torch's order
and with its messages.
"""
from __future__ import annotations

import operator

from numbagrad import dtypes
from numbagrad.ops.conv import _check_tensor
from numbagrad.autograd.node_names import rename
from numbagrad.ops.registry import OpDef, apply, register

_UNIT = ((0,), (1,), 1, (1,))  # the window of a unit spatial axis


# ----------------------------------------------------------------------------- primitives


def _max_forward(be, x, shape, windows, out_shape):
    out, idx = be.pool_max(x, shape, windows)
    return out.reshape(out_shape), idx.reshape(out_shape)


def _max_vjp(be, g, node):
    """The gradient of each window goes to the position of its maximum (saved by the
    forward)."""
    gx = be.pool_max_backward(g, node.extra, node.attrs["shape"])
    return (gx.reshape(node.in_shapes[0]),)


def _avg_forward(be, x, shape, windows, override, out_shape):
    return be.pool_avg(x, shape, windows, override).reshape(out_shape)


def _avg_vjp(be, g, node):
    """Each window's gradient, divided by the forward's divisor, spread over its taps."""
    a = node.attrs
    g4 = be.contiguous(g).reshape((a["shape"][0],) + tuple(len(w[0]) for w in a["windows"]))
    gx = be.pool_avg_backward(g4, a["shape"], a["windows"], a["override"])
    return (gx.reshape(node.in_shapes[0]),)


MAX_POOL3D = register(OpDef("max_pool3d", _max_forward, _max_vjp,
                            kernels=("pool_max", "pool_max_backward")))
ADAPTIVE_MAX_POOL3D = register(OpDef("adaptive_max_pool3d", _max_forward, _max_vjp,
                                     kernels=("pool_max", "pool_max_backward")))
AVG_POOL3D = register(OpDef("avg_pool3d", _avg_forward, _avg_vjp,
                            kernels=("pool_avg", "pool_avg_backward", "contiguous")))
ADAPTIVE_AVG_POOL3D = register(OpDef("adaptive_avg_pool3d", _avg_forward, _avg_vjp,
                                     kernels=("pool_avg", "pool_avg_backward", "contiguous")))


def _run_max(op, input, shape, windows, out_shape, return_indices: bool):
    """``op`` applied; with ``return_indices`` also the int64 positions of the maxima."""
    from numbagrad.tensor import Tensor, grad_enabled

    attrs = dict(shape=shape, windows=windows, out_shape=out_shape)
    if not return_indices:
        return apply(op, (input,), **attrs)
    if grad_enabled() and input.requires_grad:
        out = apply(op, (input,), **attrs)
        indices = out.grad_fn.extra
    else:
        # Nothing is recorded, so apply would drop the indices with the node: run the forward.
        array, indices = _max_forward(input._backend(), input._data, **attrs)
        out = Tensor._make(array, input._device)
    return out, Tensor._make(indices, input._device)


# ----------------------------------------------------------------------------- geometry


def _tuple(op: str, name: str, value, n: int, default=None) -> tuple:
    """An int or a sequence of 1 or ``n`` ints as ``n`` ints (torch's pooling rule); a
    missing stride is ``default``."""
    if name == "stride" and (value is None or (isinstance(value, (tuple, list)) and not value)):
        return default
    if hasattr(value, "__index__") and not isinstance(value, bool):
        return (operator.index(value),) * n
    values = [operator.index(v) for v in value] if isinstance(value, (tuple, list)) else []
    if len(values) not in (1, n):
        if n == 1:
            raise RuntimeError(f"{op}() argument '{name}' should contain one int "
                               f"(got {len(values)})")
        what = {"kernel_size": "kernel_size must either be a single int",
                "stride": "stride must either be omitted, a single int",
                "padding": "padding must either be a single int",
                "dilation": "dilation must be either a single int"}[name]
        if op == "avg_pool3d" and name == "kernel_size":
            what = "kernel_size must be a single int"
        raise RuntimeError(f"{op}: {what}, or a tuple of {('two', 'three')[n - 2]} ints")
    return tuple(values) * (n // len(values))


def _pool_out(size: int, k: int, pad: int, stride: int, dilation: int, ceil_mode: bool) -> int:
    """torch's ``pooling_output_shape``: with ``ceil_mode`` the last window must start inside
    the input or its left padding. The padding check divides as C++ does (toward zero), so a
    negative kernel reaches its own message."""
    if stride == 0:
        raise RuntimeError("stride should not be zero")
    if pad < 0:
        raise RuntimeError(f"pad must be non-negative, but got pad: {pad}")
    if pad > int(((k - 1) * dilation + 1) / 2):
        raise RuntimeError(
            f"pad should be at most half of effective kernel size, but got pad={pad}, "
            f"kernel_size={k} and dilation={dilation}")
    span = size + 2 * pad - dilation * (k - 1) - 1 + (stride - 1 if ceil_mode else 0)
    out = span // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _planes(input, nd: int) -> tuple:
    """``(planes, spatial)``: the merged batch and channels, and the last ``nd`` sizes."""
    spatial = tuple(input.shape[-nd:])
    planes = 1
    for n in input.shape[:-nd]:
        planes *= n
    return planes, spatial


def _check_float(op: str, input) -> None:
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"{op}\" not implemented for '{dtypes.scalar_name(input.dtype)}'"
        )


def _pool_windows(spatial, kernel, stride, padding, dilation, outs, count_include_pad):
    """One ``(firsts, counts, step, divisors)`` per axis for a regular pooling."""
    windows = []
    for n, k, s, p, d, out in zip(spatial, kernel, stride, padding, dilation, outs):
        firsts = tuple(o * s - p for o in range(out))
        if count_include_pad:
            divisors = tuple(min(f + k, n + p) - f for f in firsts)
        else:
            divisors = tuple(min(f + k, n) - max(f, 0) for f in firsts)
        windows.append((firsts, (k,) * out, d, divisors))
    return tuple(windows)


def _adaptive_windows(spatial, outs):
    """torch's adaptive windows: output ``o`` of ``out`` covers ``[floor(o*n/out),
    ceil((o+1)*n/out))``."""
    windows = []
    for n, out in zip(spatial, outs):
        firsts = tuple(o * n // out for o in range(out))
        counts = tuple(-(-(o + 1) * n // out) - f for o, f in zip(range(out), firsts))
        windows.append((firsts, counts, 1, counts))
    return tuple(windows)


def _padded3(planes: int, spatial: tuple, windows: tuple) -> tuple:
    """The (planes, D, H, W) view and the three axes' windows, unit axes in front."""
    lead = 3 - len(spatial)
    return (planes,) + (1,) * lead + tuple(spatial), (_UNIT,) * lead + tuple(windows)


def _geometry(op: str, input, nd: int, kernel_size, stride, padding, dilation,
              ceil_mode: bool) -> tuple:
    """Checked ``(kernel, stride, padding, dilation, outs)`` of a 3-D (or 1-D as 2-D) pooling,
    in torch's order and with its messages."""
    _check_tensor(op, "input", 1, input)
    kernel = _tuple(op, "kernel_size", kernel_size, nd)
    stride = _tuple(op, "stride", stride, nd, kernel)
    padding = _tuple(op, "padding", padding, nd)
    dilation = _tuple(op, "dilation", dilation, nd)
    if op == "avg_pool1d":
        if input.ndim not in (2, 3):
            raise RuntimeError(
                f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional tensor for "
                f"argument #1 'self' (while checking arguments for {op})")
        if 0 in input.shape[-2:]:
            shape = list(input.shape[:-1]) + [1, input.shape[-1]]
            raise RuntimeError(
                "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for "
                f"input, but got:{shape}")
    elif input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected "
                           "for input")
    elif 0 in input.shape[-nd - 1:]:
        name = "max_pool3d_with_indices_out_cpu_template()" if op == "max_pool3d" else \
            f"{op}()"
        zero = next(i for i, n in enumerate(input.shape[-nd - 1:]) if n == 0)
        raise RuntimeError(
            f"{name}: Expected input's non-batch dimensions to have positive length, but input "
            f"has a shape of {list(input.shape)} and non-batch dimension {zero} has length "
            "zero!")
    spatial = tuple(input.shape[-nd:])
    outs = tuple(_pool_out(n, k, p, s, d, ceil_mode)
                 for n, k, p, s, d in zip(spatial, kernel, padding, stride, dilation))
    letters = ("kH", "kW") if nd == 1 else ("kT", "kH", "kW")
    if min(kernel) <= 0:
        shown = (1,) + kernel if nd == 1 else kernel
        raise RuntimeError("kernel size should be greater than zero, but got " + " ".join(
            f"{a}: {v}" for a, v in zip(letters, shown)))
    if min(stride) <= 0:
        shown = (1,) + stride if nd == 1 else stride
        raise RuntimeError("stride should be greater than zero, but got " + " ".join(
            f"{a.replace('k', 'd')}: {v}" for a, v in zip(letters, shown)))
    if min(dilation) <= 0:
        raise RuntimeError("dilation should be greater than zero, but got " + " ".join(
            f"dilation{a[1]}: {v}" for a, v in zip(letters, dilation)))
    if op == "avg_pool3d" and any(n < k for n, k in zip(spatial, kernel)):
        raise RuntimeError(
            f"input image (T: {spatial[0]} H: {spatial[1]} W: {spatial[2]}) smaller than kernel "
            f"size (kT: {kernel[0]} kH: {kernel[1]} kW: {kernel[2]})")
    if min(outs) < 1:
        c = input.shape[-nd - 1]
        shown_in = (1,) + spatial if nd == 1 else spatial
        shown_out = (1,) + outs if nd == 1 else outs
        raise RuntimeError(
            f"Given input size: ({'x'.join(map(str, (c,) + shown_in))}). Calculated output "
            f"size: ({'x'.join(map(str, (c,) + shown_out))}). Output size is too small")
    return kernel, stride, padding, dilation, outs


# ----------------------------------------------------------------------------- max pooling


def _check_max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode) -> tuple:
    """torch's own checks of ``max_pool1d``, in its order; returns the geometry."""
    _check_tensor("max_pool1d", "input", 1, input)
    if input.ndim not in (2, 3) or input.shape[-1] == 0 or (input.ndim == 3
                                                             and input.shape[1] == 0):
        raise RuntimeError(
            "max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size "
            f"for input, but got:{list(input.shape)}")
    values = {}
    for name, value in (("kernel_size", kernel_size), ("stride", stride),
                        ("padding", padding), ("dilation", dilation)):
        if value is None:
            value = ()  # an omitted stride
        seq = list(value) if isinstance(value, (tuple, list)) else [operator.index(value)]
        limit = (0, 1) if name == "stride" else (1,)
        if len(seq) not in limit:
            what = "an int, list of ints or tuple of ints of size 1" if name != "stride" else \
                "None, an int, list of ints, or tuple of ints of size 1"
            raise RuntimeError(f"max_pool1d() {name} must be {what} but got size {len(seq)}")
        values[name] = operator.index(seq[0]) if seq else None
    k, s, p, d = (values[n] for n in ("kernel_size", "stride", "padding", "dilation"))
    s = k if s is None else s
    if k <= 0:
        raise RuntimeError(f"max_pool1d() kernel_size must be greater than zero, but got {k}")
    if s <= 0:
        raise RuntimeError(f"max_pool1d() stride must be greater than zero, but got {s}")
    if p < 0:
        raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {p}")
    if p > k // 2:
        raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but "
                           f"got padding={p} and kernel_size={k}")
    if d <= 0:
        raise RuntimeError(f"max_pool1d() dilation must be greater than zero, but got {d}")
    out = _pool_out(input.shape[-1], k, p, s, d, ceil_mode)
    if out < 1:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {out}")
    _check_float("max_pool1d_impl", input)
    return (k,), (s,), (p,), (d,), (out,)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """1-D max pooling, as ``torch.nn.functional.max_pool1d``: (N, C, L) or (C, L) →
    (N, C, Lo), ``Lo = (L + 2*padding - dilation*(kernel-1) - 1) // stride + 1`` (rounded up
    with ``ceil_mode``). Ties go to the first maximum, a nan wins.

    Derivative: each output's gradient goes to its window's maximum.

    With ``return_indices`` also returns the int64 positions of the maxima along L.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.functional.max_pool1d(torch.arange(6.0).reshape(1, 1, 6), 2).tolist()
    [[[1.0, 3.0, 5.0]]]
    """
    geometry = _check_max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode)
    return _max_pool(MAX_POOL3D, input, 1, geometry, return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """3-D max pooling, as ``torch.nn.functional.max_pool3d``: (N, C, D, H, W) or
    (C, D, H, W) → (N, C, Do, Ho, Wo). Integer inputs are pooled too (without gradient).

    Derivative: each output's gradient goes to its window's maximum. With ``return_indices``
    the int64 flat positions ``(d*H + h)*W + w`` of the maxima in each plane are returned.

    Raises
    ------
    RuntimeError
        torch's messages: wrong rank, zero stride, negative padding or padding above half the
        effective kernel, non-positive kernel, stride or dilation, output size below 1.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.functional.max_pool3d(torch.arange(8.0).reshape(1, 1, 2, 2, 2), 2).flatten()
    tensor([7.])
    """
    geometry = _geometry("max_pool3d", input, 3, kernel_size, stride, padding, dilation,
                         ceil_mode)
    return _max_pool(MAX_POOL3D, input, 3, geometry, return_indices)


def _max_pool(op, input, nd: int, geometry: tuple, return_indices: bool):
    kernel, stride, padding, dilation, outs = geometry
    planes, spatial = _planes(input, nd)
    windows = _pool_windows(spatial, kernel, stride, padding, dilation, outs, True)
    shape, windows = _padded3(planes, spatial, windows)
    return _run_max(op, input, shape, windows, tuple(input.shape[:-nd]) + outs, return_indices)


# ----------------------------------------------------------------------------- average pooling


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True):
    """1-D average pooling, as ``torch.nn.functional.avg_pool1d``: (N, C, L) or (C, L) →
    (N, C, Lo). Each output is its window's sum divided by the window's length, counting the
    zero padding (``count_include_pad``) or not.

    Derivative: each input receives ``g / divisor`` from every window that holds it.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.functional.avg_pool1d(torch.arange(4.0).reshape(1, 1, 4), 2).tolist()
    [[[0.5, 2.5]]]
    """
    geometry = _geometry("avg_pool1d", input, 1, kernel_size, stride, padding, 1, ceil_mode)
    return _avg_pool(AVG_POOL3D, "avg_pool1d", input, 1, geometry, count_include_pad, None)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None):
    """3-D average pooling, as ``torch.nn.functional.avg_pool3d``: (N, C, D, H, W) or
    (C, D, H, W) → (N, C, Do, Ho, Wo). Each output is its window's sum divided by
    ``divisor_override``, or by the window's size counting the padding
    (``count_include_pad``) or not.

    Derivative: each input receives ``g / divisor`` from every window that holds it.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.functional.avg_pool3d(torch.ones(1, 1, 2, 2, 2), 2).flatten()
    tensor([1.])
    """
    geometry = _geometry("avg_pool3d", input, 3, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None:
        divisor_override = operator.index(divisor_override)
        if divisor_override == 0:
            raise RuntimeError("divisor must be not zero")
    return _avg_pool(AVG_POOL3D, "avg_pool3d", input, 3, geometry, count_include_pad,
                     divisor_override)


def _avg_pool(op, name, input, nd, geometry, count_include_pad, divisor_override):
    _check_float(name, input)
    kernel, stride, padding, dilation, outs = geometry
    planes, spatial = _planes(input, nd)
    windows = _pool_windows(spatial, kernel, stride, padding, dilation, outs,
                            bool(count_include_pad))
    shape, windows = _padded3(planes, spatial, windows)
    return apply(op, (input,), shape=shape, windows=windows, override=divisor_override or 0,
                 out_shape=tuple(input.shape[:-nd]) + outs)


# ----------------------------------------------------------------------------- adaptive


def _adaptive_sizes(op: str, input, nd: int, output_size) -> tuple:
    """Checked output sizes (None keeps the input's size), after torch's rank check."""
    _check_tensor(op, "input", 1, input)
    if nd == 1:
        if input.ndim not in (2, 3):
            raise RuntimeError(
                f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional tensor for "
                f"argument #1 'self' (while checking arguments for {op})")
    elif input.ndim not in (nd + 1, nd + 2):
        sep = ": " if op == "adaptive_max_pool2d" else " "
        raise RuntimeError(f"{op}(): Expected {nd + 1}D or {nd + 2}D tensor, but got"
                           f"{sep}{list(input.shape)}")
    if hasattr(output_size, "__index__") and not isinstance(output_size, bool):
        sizes = (operator.index(output_size),) * nd
    else:
        sizes = tuple(output_size)
        if len(sizes) == 1 and nd > 1:
            sizes = sizes * nd
        if len(sizes) != nd:
            raise RuntimeError(f"{op}: output_size must be {nd}" if nd > 1 else
                               f"{op}() argument 'output_size' should contain one int "
                               f"(got {len(sizes)})")
    spatial = tuple(input.shape[-nd:])
    sizes = tuple(n if s is None else operator.index(s) for s, n in zip(sizes, spatial))
    if min(sizes) < 0:
        raise RuntimeError(
            f"{op}: elements of output_size must be greater than or equal to 0 but received "
            "{" + ", ".join(map(str, sizes)) + "}")
    for i, n in enumerate(input.shape[-nd - 1:] if input.ndim == nd + 2 else input.shape):
        if n == 0 and i > 0:
            raise RuntimeError(
                f"{op}(): Expected input to have non-zero size for non-batch dimensions, but "
                f"input has sizes {list(input.shape)} with dimension {i} being empty")
    return sizes


def adaptive_avg_pool1d(input, output_size):
    """Adaptive average pooling over the last dimension, as torch's: output ``o`` of ``Lo``
    averages ``input[..., floor(o*L/Lo) : ceil((o+1)*L/Lo)]``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> torch.nn.functional.adaptive_avg_pool1d(torch.arange(4.0).reshape(1, 1, 4), 2).tolist()
    [[[0.5, 2.5]]]
    """
    return _adaptive_avg("adaptive_avg_pool1d", input, 1, output_size)


def adaptive_avg_pool2d(input, output_size):
    """Adaptive average pooling over the last two dimensions, as torch's (``None`` in
    ``output_size`` keeps that size). (N, C, H, W) or (C, H, W) → (..., Ho, Wo)."""
    return _adaptive_avg("adaptive_avg_pool2d", input, 2, output_size)


def adaptive_avg_pool3d(input, output_size):
    """Adaptive average pooling over the last three dimensions, as torch's."""
    return _adaptive_avg("adaptive_avg_pool3d", input, 3, output_size)


def _adaptive_avg(op: str, input, nd: int, output_size):
    sizes = _adaptive_sizes(op, input, nd, output_size)
    _check_float("adaptive_avg_pool2d" if nd < 3 else op, input)
    planes, spatial = _planes(input, nd)
    shape, windows = _padded3(planes, spatial, _adaptive_windows(spatial, sizes))
    out = apply(ADAPTIVE_AVG_POOL3D, (input,), shape=shape, windows=windows, override=0,
                out_shape=tuple(input.shape[:-nd]) + sizes)
    return rename(out, ADAPTIVE_AVG_POOL3D, _adaptive_node("Avg", nd))


def _adaptive_node(kind: str, nd: int) -> str:
    # torch pools 1-d inputs in 2-d between an unsqueeze and a squeeze (the outermost node).
    return f"Adaptive{kind}Pool{nd}DBackward0" if nd > 1 else "SqueezeBackward1"


def adaptive_max_pool1d(input, output_size, return_indices: bool = False):
    """Adaptive max pooling over the last dimension, as torch's (windows as
    :func:`adaptive_avg_pool1d`); with ``return_indices`` also the int64 positions."""
    return _adaptive_max("adaptive_max_pool1d", input, 1, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices: bool = False):
    """Adaptive max pooling over the last two dimensions, as torch's; with
    ``return_indices`` also the int64 flat positions ``h*W + w``."""
    return _adaptive_max("adaptive_max_pool2d", input, 2, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices: bool = False):
    """Adaptive max pooling over the last three dimensions, as torch's."""
    return _adaptive_max("adaptive_max_pool3d", input, 3, output_size, return_indices)


def _adaptive_max(op: str, input, nd: int, output_size, return_indices: bool):
    sizes = _adaptive_sizes(op, input, nd, output_size)
    _check_float("adaptive_max_pool2d" if nd < 3 else op, input)
    planes, spatial = _planes(input, nd)
    shape, windows = _padded3(planes, spatial, _adaptive_windows(spatial, sizes))
    result = _run_max(ADAPTIVE_MAX_POOL3D, input, shape, windows,
                      tuple(input.shape[:-nd]) + sizes, return_indices)
    rename(result[0] if return_indices else result, ADAPTIVE_MAX_POOL3D,
           _adaptive_node("Max", nd))
    return result
