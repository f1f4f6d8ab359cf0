"""``set_flush_denormal`` (numbagrad/backends/cpu/denormal.py): denormal floats read and made
as zeros in this thread and in Numba's worker threads while on; kept again once off."""
import numpy as np
import pytest

import numbagrad as torch
from numbagrad.backends.cpu import elementwise
from numbagrad.backends.cpu.denormal import SUPPORTED

pytestmark = pytest.mark.skipif(not SUPPORTED, reason="flushing needs an x86-64 CPU")

TINY = np.float32(1e-39)  # a float32 denormal


@pytest.fixture
def flushing():
    assert torch.set_flush_denormal(True) is True
    try:
        yield
    finally:
        assert torch.set_flush_denormal(False) is True


def _scaled(n):
    """``TINY * 1`` over ``n`` elements by the elementwise kernels (parallel from 2**17)."""
    return (torch.full((n,), float(TINY)) * 1.0).numpy()


@pytest.mark.parametrize("n", [8, elementwise.PARALLEL_MIN_SIZE * 2], ids=["serial", "parallel"])
def test_denormals_become_zero_while_on(flushing, n):
    assert not _scaled(n).any()
    assert torch.tensor([1e-323], dtype=torch.float64).mul(1).item() == 0.0


@pytest.mark.parametrize("n", [8, elementwise.PARALLEL_MIN_SIZE * 2], ids=["serial", "parallel"])
def test_denormals_kept_when_off(n):
    torch.set_flush_denormal(True)
    assert torch.set_flush_denormal(False) is True
    assert (_scaled(n) == TINY).all()
    assert torch.tensor([1e-323], dtype=torch.float64).mul(1).item() == 1e-323


def test_same_as_torch(flushing):
    torch_ref = pytest.importorskip("torch")
    got = (torch.tensor([1e-39, 1.0]) * 1).numpy()
    # Both set the same per-thread flags: torch's turning them off turns off numbagrad's too.
    try:
        assert torch_ref.set_flush_denormal(True)
        want = (torch_ref.tensor([1e-39, 1.0]) * 1).numpy()
    finally:
        torch_ref.set_flush_denormal(False)
    np.testing.assert_array_equal(got, want)
