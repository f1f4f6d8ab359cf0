"""The registry is complete: every primitive has a vjp, CPU kernels and a test spec."""
import pytest

import numbagrad  # noqa: F401 - registers every op
from numbagrad.backends import get
from numbagrad.ops.registry import REGISTRY
from tests.ops.all_specs import SPECS

COVERED = {name for spec in SPECS for name in spec.covered}


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
    assert name in COVERED, f"{name}: no spec in tests/ops/specs_*.py exercises it"


def test_registry_is_not_empty():
    assert len(REGISTRY) >= 30
