"""The registry is complete: every primitive has a vjp, CPU and CUDA kernels and a test spec."""
import ast
from pathlib import Path

import pytest

import numbagrad  # noqa: F401 - registers every op
from numbagrad.backends import get
from numbagrad.ops.registry import REGISTRY
from tests.ops.all_specs import SPECS

COVERED = {name for spec in SPECS for name in spec.covered}
# Primitives whose tests cannot be op specs, and where they are tested instead.
COVERED_ELSEWHERE = {"to_device": "tests/cuda/test_device.py"}
CUDA_BACKEND = Path(__file__).resolve().parents[2] / "numbagrad" / "backends" / "cuda"


def _cuda_names() -> set:
    """The names ``backends/cuda/__init__.py`` exports (its ``__all__``), read without
    importing numba.cuda, which needs the optional numba-cuda package."""
    tree = ast.parse((CUDA_BACKEND / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "__all__":
            return set(ast.literal_eval(node.value))
    return set()


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_primitive_is_complete(name):
    op = REGISTRY[name]
    assert op.forward is not None
    differentiable = set(range(8)) - set(op.nondiff)
    if op.vjp is None:
        assert op.nondiff, f"{name}: no vjp, yet not marked non-differentiable"
    assert differentiable or op.vjp is None
    cpu = get("cpu")
    for kernel in op.kernels:
        assert callable(getattr(cpu, kernel, None)), f"{name}: CPU backend lacks {kernel!r}"
    cuda = _cuda_names()
    for kernel in op.kernels:
        assert kernel in cuda or op.cuda_reason, (
            f"{name}: the CUDA backend lacks {kernel!r} and the op gives no cuda_reason")
    assert name in COVERED or name in COVERED_ELSEWHERE, (
        f"{name}: no spec in tests/ops/specs_*.py exercises it")


def test_cpu_and_cuda_backends_export_the_same_names():
    import numbagrad.backends.cpu as cpu

    assert set(cpu.__all__) == _cuda_names()


def test_registry_is_not_empty():
    assert len(REGISTRY) >= 30
