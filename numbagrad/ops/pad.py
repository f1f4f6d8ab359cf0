"""Padding: ``torch.nn.functional.pad`` in its four modes, one primitive.

The forward is one pass: each output element reads its source through a per-dimension index
map of the mode (constant: outside is the value; reflect: mirrored about the edge element;
replicate: the edge element; circular: wrapped once). Negative pads crop, as in torch. The vjp
of constant padding is a constant padding by the opposite pads (a crop and zeros); for the
other modes several outputs read one input, so the vjp adds their gradients back, one padded
dimension at a time.

The arguments are checked here, in torch's order and with torch's messages, before any kernel
runs: the kernels rely on every map landing inside the input.
"""
from __future__ import annotations

import operator

from numbagrad import dtypes
from numbagrad.ops.registry import OpDef, apply, register

_MODES = ("constant", "reflect", "replicate", "circular")


def _pad_forward(be, x, pads, mode, value):
    return be.pad(x, pads, mode, value)


def _pad_vjp(be, g, node):
    """Constant: ``g`` cropped back (the opposite padding, zeros where the forward cropped).
    Otherwise each input position gets the sum of the gradients of the outputs that read it,
    one padded dimension at a time."""
    a = node.attrs
    pads, mode = a["pads"], a["mode"]
    if mode == "constant":
        return (be.pad(g, tuple((-lo, -hi) for lo, hi in pads), "constant", 0),)
    shape = node.in_shapes[0]
    for axis in range(len(pads) - 1, -1, -1):
        lo, hi = pads[axis]
        if lo or hi:
            g = be.pad_backward(g, axis, lo, hi, shape[axis], mode)
    return (g,)


PAD = register(OpDef("pad", _pad_forward, _pad_vjp, kernels=("pad", "pad_backward")))


def _check_arguments(input, pad, mode, value) -> tuple:
    """``pad`` as a tuple of ints, after torch's argument type checks."""
    from numbagrad.tensor import Tensor

    if not isinstance(input, Tensor):
        raise TypeError(f"pad(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if not isinstance(pad, (tuple, list)):
        raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, not "
                        f"{type(pad).__name__}")
    for pos, p in enumerate(pad):
        if isinstance(p, bool) or not hasattr(p, "__index__"):
            raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, but "
                            f"found element of type {type(p).__name__} at pos {pos}")
    if not isinstance(mode, str):
        raise TypeError(f"pad(): argument 'mode' (position 3) must be str, not "
                        f"{type(mode).__name__}")
    if value is not None and (isinstance(value, (str, complex))
                              or not isinstance(value, (int, float)) and
                              not hasattr(value, "__float__")):
        raise TypeError(f"pad(): argument 'value' (position 4) must be float, not "
                        f"{type(value).__name__}")
    if mode not in _MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    pad = tuple(operator.index(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but "
            f"got padding length {len(pad)} and input of dimension {input.ndim}")
    return pad


def _constant_sizes(shape: tuple, pairs: list) -> None:
    """torch crops negative pads with ``narrow`` first: its error when a crop passes the end."""
    for n, (lo, hi) in zip(shape, pairs):
        size = n + min(lo, 0)
        if size < 0 or size + min(hi, 0) < 0:
            raise RuntimeError("narrow(): length must be non-negative.")


def _check_circular(shape: tuple, pairs: list) -> None:
    """torch's checks, then one of numbagrad's: a pad larger than what negative pads leave of
    the dimension, where torch's copies of the wrapped part read what they write (an error
    for some shapes, uninitialised memory for others)."""
    for n, (lo, hi) in zip(shape, pairs):
        if lo > n or hi > n:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if n + lo + hi < 0:
            raise RuntimeError("Negative padding value is resulting in an empty dimension")
    for n, (lo, hi) in zip(shape, pairs):
        kept = n - max(-lo, 0) - max(-hi, 0)
        if n + lo + hi > 0 and (lo > kept or hi > kept):
            raise RuntimeError(
                f"pad: circular padding ({lo}, {hi}) wraps more than once around the {kept} "
                f"element(s) that negative padding leaves of a dimension of size {n}")


def _check_reflect_replicate(shape: tuple, pairs: list, mode: str, dtype) -> None:
    """torch's checks of reflection_pad{1,2,3}d and replication_pad{1,2,3}d, in their order."""
    k = len(pairs)
    nd = len(shape)
    if dtype is dtypes.bool_:
        kind = "reflection" if mode == "reflect" else "replication"
        raise NotImplementedError(f'"{kind}_pad{k}d" not implemented for \'Bool\'')
    # The dimension before the padded ones is the channel unless the input is batched.
    first = 1 if nd == k + 2 else 0
    if 0 in shape[first:]:
        raise RuntimeError(
            f"Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 batch size and "
            f"other non-zero dimensions for input, but got: {list(shape)}")
    if mode == "reflect":
        # W first (argument #4), then H (#6), then D (#8).
        for t in range(k):
            axis = nd - 1 - t
            lo, hi = pairs[k - 1 - t]
            if not (lo < shape[axis] and hi < shape[axis]):
                raise RuntimeError(
                    f"Argument #{4 + 2 * t}: Padding size should be less than the corresponding "
                    f"input dimension, but got: padding ({lo}, {hi}) at dimension {axis} of "
                    f"input {list(shape)}")
    sizes = [shape[nd - k + t] + lo + hi for t, (lo, hi) in enumerate(pairs)]
    if max(sizes) < 1:
        names = "DHW"[3 - k:]
        inputs = ", ".join(f"{c}: {shape[nd - k + t]}" for t, c in enumerate(names))
        if k == 3:
            inputs = inputs.replace(", ", " ", 1)
        if k == 2 and mode == "replicate":
            inputs += " "
        outputs = " ".join(f"{c}: {s}" for c, s in zip(names, sizes))
        raise RuntimeError(f"input ({inputs}) is too small. Calculated output {outputs}")
    for t, s in enumerate(sizes):
        if s < 0:
            out = list(shape[:nd - k]) + sizes
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {out}")


def pad(input, pad, mode: str = "constant", value=None):
    """Pad (or, with negative pads, crop) the last dimensions of ``input``, as
    ``torch.nn.functional.pad``.

    ``pad`` lists ``(before, after)`` pairs from the last dimension backwards: ``(1, 2)`` pads
    the last dimension by 1 before and 2 after, ``(1, 2, 3, 4)`` also the one before it by 3
    and 4.

    Derivative: each input element receives the sum of the gradients of the output elements
    that read it (constant: the one at its shifted position; reflect, replicate and circular:
    also its mirror images, the padding beyond an edge, or its wrapped copies).

    Parameters
    ----------
    input : Tensor
    pad : tuple of ints
        An even number of pads, at most two per dimension; negative pads crop.
    mode : {'constant', 'reflect', 'replicate', 'circular'}
        'constant' pads any number of dimensions with ``value``; the others pad the last 1, 2
        or 3 dimensions of a 2-D/3-D, 3-D/4-D or 4-D/5-D input. Reflect padding (mirrored
        about the edge element, not repeating it) must be less than the dimension; circular
        padding at most the dimension.
    value : float, optional
        The fill of 'constant' (0 by default), converted to ``input``'s dtype; other modes
        accept only None or 0.

    Returns
    -------
    Tensor
        ``input``'s dtype; each padded dimension has length ``n + before + after``.

    Raises
    ------
    TypeError
        For an argument of the wrong type.
    NotImplementedError
        For an unknown mode, a number of pads the mode does not support for the input's rank,
        or a bool input to reflect or replicate padding (torch's messages).
    RuntimeError
        For an odd number of pads, too many, a value for a non-constant mode, reflect padding
        not less than the dimension, circular padding wrapping more than once, or crops that
        leave nothing (torch's messages).

    Examples
    --------
    >>> import numbagrad as torch
    >>> x = torch.tensor([[1.0, 2.0, 3.0]])
    >>> torch.nn.functional.pad(x, (2, 1), mode="reflect").tolist()
    [[3.0, 2.0, 1.0, 2.0, 3.0, 2.0]]
    """
    pad = _check_arguments(input, pad, mode, value)
    shape = tuple(input.shape)
    k = len(pad) // 2
    # (before, after) per padded dimension, first dimension first.
    pairs = [(pad[2 * (k - 1 - t)], pad[2 * (k - 1 - t) + 1]) for t in range(k)]
    if mode == "constant":
        _constant_sizes(shape[input.ndim - k:], pairs)
    else:
        if value is not None and value != 0:
            raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
        if k == 0 or k > 3 or input.ndim not in (k + 1, k + 2):
            raise NotImplementedError(
                f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor.\n"
                "Supported combinations for non-constant padding:\n"
                "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
                "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
                "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
        if mode == "circular":
            _check_circular(shape[input.ndim - k:], pairs)
        else:
            _check_reflect_replicate(shape, pairs, mode, input.dtype)
        value = None
    pads = ((0, 0),) * (input.ndim - k) + tuple(pairs)
    return apply(PAD, (input,), pads=pads, mode=mode, value=0 if value is None else value)
