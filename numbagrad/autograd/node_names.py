"""torch's names for graph nodes: the class of each ``grad_fn``, per primitive and context.

torch names a node after the ATen function that made it: ``MulBackward0``, ``AddmmBackward0``,
with a trailing number for the overload (``sum()`` is ``SumBackward0``, ``sum(dim)`` is
``SumBackward1``). A numbagrad node gets the name ``<CamelCase op>Backward0`` unless this
module says otherwise: :data:`FIXED` renames a primitive whatever its arguments, :data:`RULES`
picks the name from the node's static attributes, input shapes and which inputs need a
gradient. Each name is a subclass of :class:`~numbagrad.autograd.graph.Node` made once and
kept (``type(name, (Node,), {"__slots__": ()})``), so ``type(t.grad_fn).__name__`` and
``repr(t.grad_fn)`` read as torch's while ``isinstance(t.grad_fn, Node)`` holds.

Where one primitive does what torch records as several nodes (``linear`` is torch's ``t`` and
``addmm``; ``cross_entropy`` its ``log_softmax`` and ``nll_loss``), the node takes the name of
torch's outermost node, and :data:`VIEWS` presents torch's inner nodes in ``next_functions``:
lightweight nodes of the same classes that only lead on to the real edges. They never run:
the engine follows ``Node.next``, which is unchanged.
"""
from __future__ import annotations

from numbagrad.autograd.graph import Node, camel

_CLASSES: dict = {}   # name -> Node subclass
_BY_OP: dict = {}     # OpDef -> Node subclass, for the ops whose name needs no rule


def class_named(name: str) -> type:
    """The :class:`Node` subclass called ``name``, made on first use."""
    cls = _CLASSES.get(name)
    if cls is None:
        cls = _CLASSES[name] = type(name, (Node,), {"__slots__": (), "__module__": Node.__module__})
    return cls


def node_class(op, attrs: dict, in_shapes: tuple, needs: tuple, arrays) -> type:
    """The class of the node that records ``op`` with these arguments (torch's name)."""
    rule = RULES.get(op.name)
    if rule is None:
        cls = _BY_OP[op] = class_named(FIXED.get(op.name) or f"{camel(op.name)}Backward0")
        return cls
    name = rule(attrs, in_shapes, needs, arrays)
    # This runs for every recorded op that has a rule (sum, mean, ...): one lookup when known.
    return _CLASSES.get(name) or class_named(name)


def rename(t, op, name: str):
    """Give ``t``'s node, recorded by ``op`` just now, torch's ``name`` (``t()``, ``squeeze``:
    ops that numbagrad records as a primitive shared with others). Returns ``t``."""
    node = t.grad_fn
    if type(node).__base__ is Node and node.op is op:
        node.__class__ = class_named(name)
    return t


# Primitives that torch names otherwise, whatever their arguments.
FIXED = {
    "log1p": "Log1PBackward0",
    "logsigmoid": "LogSigmoidBackward0",
    "gelu_tanh": "GeluBackward0",
    "selu": "EluBackward0",
    "round_decimals": "RoundBackward1",
    "div_floor": "DivBackward2",
    "div_trunc": "DivBackward2",
    "clamp": "ClampBackward0",        # tensor bounds
    # normalization: batch norm here; layer, group and instance norm are renamed where made.
    "normalization": "NativeBatchNormBackward0",
    # adaptive pooling: renamed where made, by the number of pooled dimensions.
    "adaptive_avg_pool3d": "AdaptiveAvgPool3DBackward0",
    "adaptive_max_pool3d": "AdaptiveMaxPool3DBackward0",
    "svdvals": "LinalgSvdBackward0",
    "vector_norm": "LinalgVectorNormBackward0",
    "conv2d": "ConvolutionBackward0",
    "conv_transpose2d": "ConvolutionBackward0",
    "max_pool2d": "MaxPool2DWithIndicesBackward0",
    "max_pool3d": "MaxPool3DWithIndicesBackward0",
    "avg_pool2d": "AvgPool2DBackward0",
    "avg_pool3d": "AvgPool3DBackward0",
    "im2col": "Im2ColBackward0",
    "col2im": "Col2ImBackward0",
    "prelu": "PreluKernelBackward0",
    "scatter_add": "ScatterAddBackward0",
    "index": "IndexBackward0",
    "mse_loss": "MseLossBackward0",
    "to_device": "ToCopyBackward0",
    # view, flatten, unflatten; reshape's copy, squeeze and unsqueeze are renamed where made.
    "reshape": "ViewBackward0",
}


def _overload(base: str):
    """``<base>Backward0`` over all elements, ``<base>Backward1`` over given dims."""
    names = (f"{base}Backward0", f"{base}Backward1")

    def rule(attrs, in_shapes, needs, arrays):
        return names[attrs["axes"] is not None]
    return rule


def _extreme(full: str, named: str):
    """``max()`` over everything (``MaxBackward1``) shares the primitive with ``amax``."""
    def rule(attrs, in_shapes, needs, arrays):
        if attrs.get("axes") is None and attrs.get("nan_ties"):
            return f"{full}Backward1"
        return f"{named}Backward0"
    return rule


def _pow(attrs, in_shapes, needs, arrays):
    # A number exponent or base arrives as a 0-d constant: torch's Scalar overloads.
    if in_shapes[1] == () and not needs[1]:
        return "PowBackward0"
    if in_shapes[0] == () and not needs[0]:
        return "PowBackward2"
    return "PowBackward1"


def _sub(attrs, in_shapes, needs, arrays):
    # ``2 - x``: torch's rsub, recorded when the number is on the left.
    return "RsubBackward1" if in_shapes[0] == () and not needs[0] else "SubBackward0"


def _binary_scalar(name: str):
    """``<name>Backward0`` with a number as second operand, ``<name>Backward1`` with a tensor
    (fmod, remainder, copysign, lerp: torch numbers the Scalar overload first)."""
    def rule(attrs, in_shapes, needs, arrays):
        scalar = in_shapes[-1] == () and not needs[-1]
        return f"{name}Backward{0 if scalar else 1}"
    return rule


def _copysign(attrs, in_shapes, needs, arrays):
    return "CopysignBackward1" if in_shapes[1] == () and not needs[1] else "CopysignBackward0"


def _matmul(attrs, in_shapes, needs, arrays):
    a, b = len(in_shapes[0]), len(in_shapes[1])
    if a == 1 and b == 1:
        return "DotBackward0"
    if a == 2 and b == 1:
        return "MvBackward0"
    if a == 1 and b == 2:
        return "SqueezeBackward4"
    if a == 2 and b == 2:
        return "MmBackward0"
    return "UnsafeViewBackward0"   # torch folds the batch into an mm or bmm and views back


def _linear(attrs, in_shapes, needs, arrays):
    nd, bias = len(in_shapes[0]), len(in_shapes) == 3
    if nd == 2:
        return "AddmmBackward0" if bias else "MmBackward0"
    if bias:
        return "ViewBackward0"
    return "SqueezeBackward4" if nd == 1 else "UnsafeViewBackward0"


def _index_steps(key) -> list:
    """torch's node per basic index that does something, in the order it applies them."""
    steps = []
    for k in key:
        if k is None:
            steps.append("UnsqueezeBackward0")
        elif isinstance(k, slice):
            if k != slice(None):
                steps.append("SliceBackward0")
        elif k is not Ellipsis:
            steps.append("SelectBackward0")
    return steps


def _slice(attrs, in_shapes, needs, arrays):
    # torch applies basic indices left to right: the last one that does something is outermost.
    steps = _index_steps(attrs["key"])
    return steps[-1] if steps else "AliasBackward0"


def _cross_entropy(attrs, in_shapes, needs, arrays):
    if in_shapes[1] == in_shapes[0] and len(in_shapes[0]) > 1:
        # Probabilities as targets: torch's composite ends in a division (mean) or a negation.
        return "DivBackward1" if attrs["reduction"] == "mean" else "NegBackward0"
    if attrs.get("label_smoothing"):
        return "AddBackward0"
    return _nll_loss(attrs, in_shapes, needs, arrays)


def _nll_loss(attrs, in_shapes, needs, arrays):
    return "NllLossBackward0" if len(in_shapes[0]) <= 2 else "NllLoss2DBackward0"


def _pad(attrs, in_shapes, needs, arrays):
    mode = attrs["mode"]
    if mode == "constant":
        return "ConstantPadNdBackward0"
    n = sum(1 for p in attrs["pads"] if p != (0, 0)) or 1
    kind = {"reflect": "ReflectionPad", "replicate": "ReplicationPad"}.get(mode)
    return f"{kind}{n}DBackward0" if kind else "CopySlices"


_UPSAMPLE = {"nearest": "Nearest", "nearest-exact": "NearestExact", "linear": "Linear",
             "bilinear": "Bilinear", "bicubic": "Bicubic", "trilinear": "Trilinear",
             "area": "AdaptiveAvgPool"}


def _interpolate(attrs, in_shapes, needs, arrays):
    n = len(attrs["out_shape"]) - 2
    mode = attrs["mode"]
    if mode == "linear":
        mode = {1: "linear", 2: "bilinear", 3: "trilinear"}.get(n, mode)
    return f"Upsample{_UPSAMPLE.get(mode, camel(mode))}{n}DBackward0"


def _clamp_bound(attrs, in_shapes, needs, arrays):
    # A number bound is Tensor.clamp(min=...) (ClampBackward1); a tensor bound, clamp(x, t).
    return "ClampBackward1" if in_shapes[1] == () and not needs[1] else "ClampBackward0"


RULES = {
    "sum": _overload("Sum"),
    "mean": _overload("Mean"),
    "prod": _overload("Prod"),
    "amax": _extreme("Max", "Amax"),
    "amin": _extreme("Min", "Amin"),
    "pow": _pow,
    "sub": _sub,
    "fmod": _binary_scalar("Fmod"),
    "remainder": _binary_scalar("Remainder"),
    "lerp": _binary_scalar("Lerp"),
    "copysign": _copysign,
    "matmul": _matmul,
    "linear": _linear,
    "slice": _slice,
    "cross_entropy": _cross_entropy,
    "nll_loss": _nll_loss,
    "pad": _pad,
    "interpolate": _interpolate,
    "clamp_min": _clamp_bound,
    "clamp_max": _clamp_bound,
}


def _shown(name: str, edges: tuple) -> tuple:
    """A lightweight node of torch's class ``name`` leading to ``edges``, as an edge."""
    node = class_named(name).__new__(class_named(name))
    node.op = None
    node.next = edges
    return (node, 0)


_NONE = (None, 0)


def _linear_view(node) -> tuple:
    """torch's ``addmm(bias, input, weight.t())`` (``mm`` without a bias), with the views it
    puts around an input that is not a matrix."""
    x_edge, w_edge = node.next[0], node.next[1]
    bias = len(node.next) == 3
    nd = len(node.in_shapes[0])
    w_t = _shown("TBackward0", (w_edge,)) if w_edge[0] is not None else _NONE
    if nd != 2 and x_edge[0] is not None:
        x_edge = _shown("UnsqueezeBackward0" if nd == 1 and not bias else "ViewBackward0",
                        (x_edge,))
    inner = (node.next[2], x_edge, w_t) if bias else (x_edge, w_t)
    if nd == 2:
        return inner
    return (_shown("AddmmBackward0" if bias else "MmBackward0", inner),)


def _cross_entropy_view(node) -> tuple:
    """torch's ``nll_loss(log_softmax(input), target)`` for class-index targets."""
    name = type(node).__name__
    if not name.startswith("NllLoss") or node.next[0][0] is None:
        return tuple(node.next)
    x_edge = _shown("LogSoftmaxBackward0", (node.next[0],))
    if len(node.in_shapes[0]) not in (1, 2, 4):
        x_edge = _shown("ViewBackward0", (x_edge,))
    return (x_edge,) + tuple(node.next[1:])


def _slice_view(node) -> tuple:
    """``x[1:3, 0]``: torch's slice under its select, one node per index."""
    edges = tuple(node.next)
    if edges[0][0] is None:
        return edges
    for name in _index_steps(node.attrs["key"])[:-1]:
        edges = (_shown(name, edges),)
    return edges


def _reshape_view(node) -> tuple:
    """A reshape that had to copy: torch's view of a clone."""
    if type(node).__name__ != "UnsafeViewBackward0" or node.next[0][0] is None:
        return tuple(node.next)
    return (_shown("CloneBackward0", tuple(node.next)),)


VIEWS = {"linear": _linear_view, "cross_entropy": _cross_entropy_view, "slice": _slice_view,
         "reshape": _reshape_view}
