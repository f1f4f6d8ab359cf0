"""The one registry of primitives and their derivative rules, and the function that runs them.

A primitive is an :class:`OpDef`: a forward (arrays in, array out), a vector-Jacobian product
(the gradient of each input from the gradient of the output) and the backend kernels it uses.
Everything else in numbagrad is composed from primitives and gets its gradient from theirs.
:func:`apply` runs a primitive on tensors and, when grad mode is on and an input requires grad,
records a :class:`~numbagrad.autograd.graph.Node` on the result.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from numbagrad.autograd.grad_mode import _enabled
from numbagrad.autograd.graph import AccumulateGrad
from numbagrad.autograd.node_names import _BY_OP as _NODE_CLASS
from numbagrad.autograd.node_names import node_class as _node_class
from numbagrad.backends import _loaded as _BACKENDS
from numbagrad.backends import get as _get_backend
from numbagrad.tensor import _wrap

_NO_EDGE = (None, 0)
_HALF = np.dtype(np.float16)


@dataclass(frozen=True, eq=False)
class OpDef:
    """A primitive operation.

    Attributes
    ----------
    name : str
        The op's name, shared by its forward, its vjp, its kernels and its test spec.
    forward : callable
        ``forward(be, *arrays, **attrs) -> array`` or ``(array, extra)``, where ``be`` is the
        backend of the inputs' device and ``extra`` is kept for the vjp.
    vjp : callable
        ``vjp(be, grad, node) -> tuple`` with one gradient (or None) per input; ``node`` holds
        ``inputs``, ``output``, ``attrs``, ``extra``, ``needs`` and ``in_shapes``.
    kernels : tuple of str
        The backend functions the op runs; each backend must provide them (checked by a test).
    saves_inputs, saves_output : bool
        Whether the vjp reads the input arrays / the output array. Unsaved values are freed as
        soon as the forward pass no longer needs them. ``saves_inputs`` may instead be a tuple
        of the input positions the vjp reads: only those are guarded against in-place writes.
    saved_for_others : bool
        Each saved input is read only for the *other* inputs' gradients (``mul``: d/da = g * b,
        d/db = g * a): an input is then guarded against in-place writes only when another input
        needs a gradient, as torch saves ``b`` alone for ``a * b`` with ``b`` a constant.
    nondiff : tuple of int
        Inputs that never receive a gradient (indices, masks, conditions).
    cuda_reason : str
        Why the op has no CUDA kernel, if it has none.
    half : bool
        Whether the kernels take float16 arrays themselves (a conversion does); other ops
        compute float16 inputs in float32 (see :func:`apply`).
    """

    name: str
    forward: Callable
    vjp: Callable
    kernels: tuple = ()
    saves_inputs: bool | tuple = False
    saves_output: bool = False
    saved_for_others: bool = False
    nondiff: tuple = ()
    cuda_reason: str = ""
    half: bool = False
    doc: str = field(default="", repr=False)


REGISTRY: dict[str, OpDef] = {}


def register(op: OpDef) -> OpDef:
    """Add ``op`` to :data:`REGISTRY`; names are unique."""
    if op.name in REGISTRY:
        raise ValueError(f"register: an op named {op.name!r} is already registered")
    REGISTRY[op.name] = op
    return op


def _edge(t):
    """Where the gradient of tensor ``t`` goes: its node, or its leaf accumulator."""
    if t.grad_fn is not None:
        return (t.grad_fn, t._output_nr)
    return (t._accumulator or _accumulator(t), 0)


def _accumulator(t) -> AccumulateGrad:
    """The leaf's accumulator, made on first use."""
    acc = t._accumulator = AccumulateGrad(t)
    return acc


def apply(op: OpDef, inputs: tuple, **attrs):
    """Run primitive ``op`` on tensors ``inputs`` and record it for backward when needed.

    Parameters
    ----------
    op : OpDef
    inputs : tuple of Tensor
        All on one device (checked).
    **attrs
        Static arguments passed to ``op.forward`` and kept for ``op.vjp``.

    Returns
    -------
    Tensor
    """
    device = inputs[0]._device
    # One pass: the device check, the arrays, and whether any input asks to be recorded.
    arrays = []
    record = False
    for t in inputs:
        if t._device is not device and t._device != device:
            raise RuntimeError(
                f"{op.name}: expected all tensors to be on the same device, but found at "
                f"least two devices, {device} and {t._device}!"
            )
        a = t._data
        if a.dtype is _HALF and not op.half:
            return _apply_in_float32(op, inputs, attrs)
        arrays.append(a)
        if t._requires_grad:
            record = True
    be = _BACKENDS.get(device.type) or _get_backend(device.type)
    try:
        result = op.forward(be, *arrays, **attrs)
    except (MemoryError, ValueError) as err:
        # An output no machine can hold: NumPy's MemoryError, or its ValueError past its own
        # size limit, become torch's RuntimeError here, where every op passes.
        if isinstance(err, ValueError) and "too big" not in str(err):
            raise
        raise RuntimeError(f"{op.name}: can't allocate memory for the result: {err}") from None
    extra = None
    if isinstance(result, tuple):
        result, extra = result
    out = _wrap(result, device)
    if not record or not _enabled.get():
        return out
    if result.dtype.kind != "f":
        return out  # integer and bool results never require grad (torch's rule)
    # One pass over the inputs (this runs for every recorded op): which need a gradient, the
    # edge each sends it along, their shapes and dtypes, and the versions of saved inputs.
    nondiff = op.nondiff
    saves = op.saves_inputs
    needs, edges, shapes, types, versions = [], [], [], [], []
    for i, t in enumerate(inputs):
        a = t._data
        shapes.append(a.shape)
        types.append(a.dtype)
        if t._requires_grad and not (nondiff and i in nondiff):
            needs.append(True)
            edges.append(_edge(t))
        else:
            needs.append(False)
            edges.append(_NO_EDGE)
        if saves is True or saves and i in saves:
            versions.append((t._version, t._version.value, a))
    if True not in needs:
        return out
    if op.saved_for_others and False in needs:
        # Keep the guards of the saved inputs that some other input's gradient reads.
        saved = [i for i in range(len(inputs)) if saves is True or i in saves]
        versions = [v for i, v in zip(saved, versions)
                    if True in needs[:i] or True in needs[i + 1:]]
    if op.saves_output:
        versions.append((out._version, 0, result))
    out._requires_grad = True
    # The node's class carries torch's name for it (MulBackward0, AddmmBackward0, ...).
    cls = _NODE_CLASS.get(op) or _node_class(op, attrs, shapes, needs, arrays)
    out.grad_fn = cls(op, be, tuple(edges), tuple(needs), arrays if saves else None,
                      result if op.saves_output else None, attrs, extra, tuple(shapes),
                      tuple(types), tuple(versions))
    return out


def _apply_in_float32(op: OpDef, inputs: tuple, attrs: dict):
    """``op`` on float16 inputs, computed in float32 with the float result rounded to float16.

    Numba's CPU target has no float16 arithmetic; torch's CPU kernels also compute half
    precision in float and round each op's result, so the numbers are torch's. Both
    conversions are recorded ops, so gradients flow back in float16 as in torch. A ``dtype``
    attribute of float16 (a result type) becomes float32 inside; another one is kept as asked.
    """
    from numbagrad import dtypes
    from numbagrad.ops.elementwise import cast

    wide = tuple(cast(t, dtypes.float32) if t._data.dtype is _HALF else t for t in inputs)
    asked = attrs.get("dtype")
    half_result = asked is None or np.dtype(getattr(asked, "np_type", asked)) == _HALF
    if asked is not None and half_result:
        attrs = dict(attrs, dtype=np.float32 if isinstance(asked, (type, np.dtype))
                     else dtypes.float32)
    out = apply(op, wide, **attrs)
    if half_result and out._data.dtype.kind == "f":
        return cast(out, dtypes.float16)
    return out


def unbroadcast(be, grad, shape: tuple):
    """Sum ``grad`` down to ``shape``: the one place where broadcasting is undone.

    Leading dimensions that broadcasting added are summed away; dimensions that were 1 in
    ``shape`` but not in ``grad`` are summed keeping the 1.
    """
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + d for d, n in enumerate(shape) if n == 1 and grad.shape[lead + d] != 1
    )
    return be.sum(grad, axes).reshape(shape)
