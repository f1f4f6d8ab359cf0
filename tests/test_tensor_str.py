"""Tensor printing: character for character what torch 2.13 prints, with ``numbagrad.`` dtypes."""
from __future__ import annotations

import re

import numpy as np
import pytest

import numbagrad

# ---------------------------------------------------------------------------- fixed strings
# These run without torch; each string was printed by torch 2.13 (``torch.`` -> ``numbagrad.``).

FIXED = [
    (lambda: numbagrad.tensor([1.0, 2.0, 3.0]), "tensor([1., 2., 3.])"),
    (lambda: numbagrad.tensor([1.5, -2.25]), "tensor([ 1.5000, -2.2500])"),
    (lambda: numbagrad.tensor(3.0), "tensor(3.)"),
    (lambda: numbagrad.tensor([1, 2, 30]), "tensor([ 1,  2, 30])"),
    (lambda: numbagrad.tensor([1, 2], dtype=numbagrad.int32),
     "tensor([1, 2], dtype=numbagrad.int32)"),
    (lambda: numbagrad.tensor([0.5], dtype=numbagrad.float64),
     "tensor([0.5000], dtype=numbagrad.float64)"),
    (lambda: numbagrad.tensor([True, False]), "tensor([ True, False])"),
    (lambda: numbagrad.tensor([1e-5, 1.0]), "tensor([1.0000e-05, 1.0000e+00])"),
    (lambda: numbagrad.tensor([float("nan"), float("inf"), 1.0]), "tensor([nan, inf, 1.])"),
    (lambda: numbagrad.zeros((0, 3)), "tensor([], size=(0, 3))"),
    (lambda: numbagrad.zeros(0, dtype=numbagrad.int64), "tensor([], dtype=numbagrad.int64)"),
    (lambda: numbagrad.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True),
     "tensor([[1., 2.],\n        [3., 4.]], requires_grad=True)"),
    (lambda: numbagrad.tensor([1.0, 2.0], requires_grad=True) * 2,
     "tensor([2., 4.], grad_fn=<MulBackward0>)"),
    (lambda: numbagrad.arange(2000), "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"),
]


@pytest.mark.parametrize("make, expected", FIXED, ids=[e for _, e in FIXED])
def test_fixed_strings(make, expected):
    assert str(make()) == expected
    assert repr(make()) == expected


def test_long_suffix_wraps_like_torch():
    # torch wraps a suffix onto its own line, indented under "tensor(", when the line would
    # pass 80 characters; numbagrad's longer dtype name reaches that limit sooner.
    t = numbagrad.tensor([26.2721, -0.0, -17.2911, -71.8379, -0.0], dtype=numbagrad.float64)
    assert str(t) == ("tensor([ 26.2721,  -0.0000, -17.2911, -71.8379,  -0.0000],\n"
                      "       dtype=numbagrad.float64)")


def test_set_printoptions_precision_and_reset():
    try:
        numbagrad.set_printoptions(precision=2)
        assert str(numbagrad.tensor([1.12345])) == "tensor([1.12])"
        assert numbagrad.get_printoptions()["precision"] == 2
    finally:
        numbagrad.set_printoptions(profile="default")
    assert str(numbagrad.tensor([1.12345])) == "tensor([1.1235])"


def test_printoptions_context_manager_restores():
    with numbagrad.printoptions(threshold=5):
        assert str(numbagrad.arange(10)) == "tensor([0, 1, 2,  ..., 7, 8, 9])"
    assert str(numbagrad.arange(10)) == "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])"


# ---------------------------------------------------------------------------- against torch


def _values(rng: np.random.Generator, shape: tuple, kind: str) -> np.ndarray:
    if kind == "bool":
        return np.asarray(rng.random(shape) < 0.5)
    if kind in ("int64", "int32", "int16", "int8", "uint8"):
        low, high = -10 ** int(rng.integers(1, 7)), 10 ** int(rng.integers(1, 7))
        info = np.iinfo(kind)
        low, high = max(low, int(info.min)), min(high, int(info.max))
        return np.asarray(rng.integers(low, high, shape)).astype(kind)
    scale = 10.0 ** rng.uniform(-7, 4 if kind == "float16" else 10)
    values = rng.standard_normal(shape) * scale
    style = rng.integers(0, 5)
    if style == 0:
        values = np.round(values)  # integral floats print without decimals
    elif style == 1 and values.size:
        values.reshape(-1)[rng.integers(0, values.size)] = rng.choice([np.nan, np.inf, -np.inf])
    elif style == 2:
        values = values * (rng.random(shape) < 0.5)  # zeros do not count for sci mode
    return np.asarray(values).astype(kind)


SHAPES = [(), (1,), (5,), (0,), (0, 3), (2, 0, 4), (3, 4), (2, 3, 4), (1, 1, 1, 2), (30,),
          (7, 13), (1001,), (40, 30), (11, 11, 11), (2, 600), (3, 2, 200), (4, 1, 1000)]
KINDS = ["float32", "float64", "int64", "int32", "bool"]
CASES = [(i, shape, kind) for i, (shape, kind) in enumerate(
    (s, k) for s in SHAPES for k in KINDS)]


def _pair(torch, values: np.ndarray, requires_grad: bool, op: bool):
    t = torch.from_numpy(values.copy())
    n = numbagrad.from_numpy(values.copy())
    if requires_grad and values.dtype.kind == "f":
        t.requires_grad_()
        n.requires_grad_()
        if op:
            t, n = t * 1, n * 1
    return t, n


_SUFFIX_BREAK = re.compile(r",\n *(?=(?:dtype|size|requires_grad|grad_fn)=)")


def _unwrapped(text: str) -> str:
    """``text`` with suffixes kept on the line they follow.

    ``numbagrad.float64`` is four characters longer than ``torch.float64``, so torch's rule
    (wrap a suffix that would pass ``linewidth``) can wrap at a different place; the rule itself
    is checked by ``test_long_suffix_wraps_like_torch``.
    """
    return _SUFFIX_BREAK.sub(", ", text)


def _expected(torch, t) -> str:
    return str(t).replace("torch.", "numbagrad.")


@pytest.mark.parametrize("seed, shape, kind", CASES)
def test_matches_torch(seed, shape, kind):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    for trial in range(3):
        values = _values(rng, shape, kind)
        t, n = _pair(torch, values, requires_grad=trial > 0, op=trial == 2)
        assert _unwrapped(str(n)) == _unwrapped(_expected(torch, t)), values


SMALL_KINDS = ["float16", "int16", "int8", "uint8"]


@pytest.mark.parametrize("kind", SMALL_KINDS)
@pytest.mark.parametrize("shape", [(), (5,), (0,), (3, 4), (1001,), (2, 600)])
def test_small_dtypes_match_torch(shape, kind):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(len(shape) * 7 + SMALL_KINDS.index(kind))
    for trial in range(4):
        values = _values(rng, shape, kind)
        t, n = _pair(torch, values, requires_grad=trial > 1, op=False)
        assert _unwrapped(str(n)) == _unwrapped(_expected(torch, t)), values


SMALL_FIXED = [
    (lambda: numbagrad.tensor([1, 2], dtype=numbagrad.int8),
     "tensor([1, 2], dtype=numbagrad.int8)"),
    (lambda: numbagrad.tensor([255, 0], dtype=numbagrad.uint8),
     "tensor([255,   0], dtype=numbagrad.uint8)"),
    (lambda: numbagrad.tensor(-3, dtype=numbagrad.int16), "tensor(-3, dtype=numbagrad.int16)"),
    (lambda: numbagrad.tensor([1.5, 2.0], dtype=numbagrad.float16),
     "tensor([1.5000, 2.0000], dtype=numbagrad.float16)"),
    (lambda: numbagrad.tensor([float("inf"), 1.0]).half(),
     "tensor([inf, 1.], dtype=numbagrad.float16)"),
    (lambda: numbagrad.zeros(0, dtype=numbagrad.float16), "tensor([], dtype=numbagrad.float16)"),
    (lambda: numbagrad.tensor([0.5], dtype=numbagrad.float16, requires_grad=True),
     "tensor([0.5000], dtype=numbagrad.float16, requires_grad=True)"),
]


@pytest.mark.parametrize("make, expected", SMALL_FIXED, ids=[e for _, e in SMALL_FIXED])
def test_small_dtype_fixed_strings(make, expected):
    assert repr(make()) == expected


OPTIONS = [
    dict(precision=2),
    dict(precision=6, linewidth=40),
    dict(threshold=10, edgeitems=2),
    dict(threshold=10, edgeitems=0),
    dict(sci_mode=True),
    dict(sci_mode=False),
    dict(profile="short"),
    dict(profile="full"),
    dict(linewidth=20),
]


@pytest.mark.parametrize("options", OPTIONS, ids=[str(o) for o in OPTIONS])
def test_matches_torch_with_printoptions(options):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    try:
        torch.set_printoptions(**options)
        numbagrad.set_printoptions(**options)
        for shape in [(), (5,), (3, 4), (25,), (4, 5, 6), (1200,), (0, 2)]:
            for kind in ("float32", "float64", "int64"):
                values = _values(rng, shape, kind)
                t, n = _pair(torch, values, requires_grad=kind == "float32", op=False)
                assert _unwrapped(str(n)) == _unwrapped(_expected(torch, t)), (options, values)
    finally:
        torch.set_printoptions(profile="default")
        numbagrad.set_printoptions(profile="default")


def test_float64_default_dtype_hides_float64_suffix():
    torch = pytest.importorskip("torch")
    try:
        torch.set_default_dtype(torch.float64)
        numbagrad.set_default_dtype(numbagrad.float64)
        for values in (np.array([1.5, 2.0]), np.array([1.5], np.float32), np.zeros((0,))):
            expected = _expected(torch, torch.from_numpy(values))
            assert _unwrapped(str(numbagrad.from_numpy(values))) == _unwrapped(expected)
    finally:
        torch.set_default_dtype(torch.float32)
        numbagrad.set_default_dtype(numbagrad.float32)
