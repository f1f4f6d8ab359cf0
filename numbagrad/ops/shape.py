"""Shape operations: views (reshape, transpose, expand, ...), copies, cat/stack/split."""
from __future__ import annotations

from numbagrad.ops.registry import OpDef, apply, register


def _clone_forward(be, x):
    return be.copy(x)


def _identity_vjp(be, g, node):
    return (g,)


CLONE = register(OpDef("clone", _clone_forward, _identity_vjp, kernels=("copy",)))


def clone(input):
    """A copy of ``input`` with its own storage; the gradient passes through unchanged."""
    return apply(CLONE, (input,))


def contiguous(input):
    """``input`` if it is contiguous, else a contiguous copy."""
    return input if input.is_contiguous() else clone(input)


def _todo(name):
    def op(*args, **kwargs):
        raise NotImplementedError(name)

    op.__name__ = name
    return op


reshape = _todo("reshape")
view = _todo("view")
view_as = _todo("view_as")
reshape_as = _todo("reshape_as")
flatten = _todo("flatten")
squeeze = _todo("squeeze")
unsqueeze = _todo("unsqueeze")
transpose = _todo("transpose")
t = _todo("t")
permute = _todo("permute")
expand = _todo("expand")
expand_as = _todo("expand_as")
split = _todo("split")
chunk = _todo("chunk")
cat = _todo("cat")
stack = _todo("stack")
