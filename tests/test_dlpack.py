"""DLPack: numbagrad tensors shared with NumPy and torch without a copy, both ways."""
import gc

import numpy as np
import pytest

import numbagrad as ng
from numbagrad.utils import dlpack as ng_dlpack

DTYPES = [ng.float16, ng.float32, ng.float64, ng.int8, ng.uint8, ng.int16, ng.int32, ng.int64,
          ng.bool]


def _sample(dtype, shape=(2, 3)):
    values = np.arange(int(np.prod(shape))).reshape(shape) % 3
    return ng.tensor(values.astype(dtype.np_type))


def _other_value(dtype):
    return True if dtype is ng.bool else 7


# ---------------------------------------------------------------------------- NumPy


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_numpy_reads_and_writes_the_tensor(dtype):
    t = _sample(dtype)
    a = np.from_dlpack(t)
    assert a.dtype == dtype.np_type and a.shape == (2, 3)
    np.testing.assert_array_equal(a, t.numpy())
    a[1, 2] = _other_value(dtype)
    assert t[1, 2].item() == _other_value(dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_tensor_from_numpy_array_shares_memory(dtype):
    a = np.zeros((2, 3), dtype.np_type)
    t = ng.from_dlpack(a)
    assert t.dtype is dtype and t.shape == (2, 3)
    t[0, 1] = _other_value(dtype)
    assert a[0, 1] == _other_value(dtype)


def test_views_keep_their_strides_and_offset():
    base = ng.arange(24.0).reshape(4, 6)
    for view in (base.t(), base[1:, 2::2], base[2], base.reshape(2, 12)[:, 3:5]):
        a = np.from_dlpack(view)
        assert a.strides == tuple(s * view.element_size() for s in view.stride())
        np.testing.assert_array_equal(a, view.numpy())
        a[...] = -1
        assert (view == -1).all()
    back = ng.from_dlpack(np.arange(12.0).reshape(3, 4).T)
    assert back.stride() == (1, 4) and back[1, 2].item() == 9.0


def test_scalar_and_empty_tensors():
    for t in (ng.tensor(2.5), ng.zeros(0), ng.zeros(3, 0, dtype=ng.int64)):
        a = np.from_dlpack(t)
        assert a.shape == tuple(t.shape) and a.dtype == t.dtype.np_type
        r = ng.from_dlpack(a)
        assert r.shape == t.shape and r.dtype is t.dtype
    assert ng.from_dlpack(np.array(1.5, np.float32)).item() == 1.5


def test_data_outlives_the_producer():
    a = np.arange(5.0)
    t = ng.from_dlpack(a)
    del a
    gc.collect()
    assert t.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    t2 = ng.arange(4)
    b = np.from_dlpack(t2[1:])
    del t2
    gc.collect()
    assert b.tolist() == [1, 2, 3]


def test_legacy_capsules_import_writeable():
    # NumPy marks arrays from legacy capsules read-only; torch's tensors from them are writeable.
    a = np.zeros(3)
    t = ng.utils.dlpack.from_dlpack(a.__dlpack__())
    t[0] = 4.0
    assert a[0] == 4.0
    flagged = ng.from_dlpack(np.broadcast_to(np.arange(3.0), (2, 3)))
    assert not flagged.numpy().flags.writeable  # a versioned capsule's read-only flag holds


def test_expanded_tensor_exports_readonly_with_zero_strides():
    e = ng.arange(3.0, dtype=ng.float64).expand(2, 3)
    a = np.from_dlpack(e)
    assert a.strides == (0, 8) and not a.flags.writeable
    # The legacy capsule cannot flag read-only data: it aliases the memory, as torch's does.
    legacy = ng.from_dlpack(ng_dlpack.to_dlpack(e))
    assert legacy.stride() == (0, 1) and legacy.tolist() == [[0.0, 1.0, 2.0]] * 2


def test_requires_grad_is_refused_as_torch():
    x = ng.ones(2, requires_grad=True)
    with pytest.raises(BufferError, match="Can't export tensors that require gradient"):
        np.from_dlpack(x)
    with pytest.raises(BufferError, match=r"use tensor\.detach\(\)"):
        x.__dlpack__()
    assert np.from_dlpack(x.detach()).tolist() == [1.0, 1.0]
    # to_dlpack exports the data alone, as torch's does.
    assert ng.from_dlpack(ng_dlpack.to_dlpack(x)).tolist() == [1.0, 1.0]


def test_capsule_versions_copy_and_device_requests():
    t = ng.arange(3)
    assert "dltensor" in repr(t.__dlpack__()) and "versioned" not in repr(t.__dlpack__())
    assert "dltensor_versioned" in repr(t.__dlpack__(max_version=(1, 0)))
    copy = ng.from_dlpack(t.__dlpack__(copy=True))
    copy[0] = 9
    assert t[0].item() == 0
    assert ng.from_dlpack(t, copy=True).add_(1).tolist() == [1, 2, 3] and t.tolist() == [0, 1, 2]
    assert t.__dlpack_device__() == (ng_dlpack.DLDeviceType.kDLCPU, 0)
    assert np.from_dlpack(t, device="cpu").tolist() == [0, 1, 2]
    with pytest.raises(BufferError):
        t.__dlpack__(dl_device=(ng_dlpack.DLDeviceType.kDLCUDA, 0))
    with pytest.raises(TypeError, match="stream must be"):
        t.__dlpack__(stream="default")
    with pytest.raises(BufferError, match="stream"):
        t.__dlpack__(stream=5)
    assert "dltensor" in repr(t.__dlpack__(stream=-1))


def test_consumed_capsule_and_bad_input():
    capsule = ng_dlpack.to_dlpack(ng.arange(3))
    assert ng.from_dlpack(capsule).tolist() == [0, 1, 2]
    with pytest.raises(RuntimeError, match="can be consumed only once"):
        ng.from_dlpack(capsule)
    with pytest.raises(TypeError, match="got list"):
        ng.from_dlpack([1, 2])
    with pytest.raises(TypeError, match="expected a Tensor"):
        ng_dlpack.to_dlpack(np.zeros(2))
    with pytest.raises(ValueError, match="capsule"):
        ng.from_dlpack(ng_dlpack.to_dlpack(ng.arange(2)), copy=True)


@pytest.mark.parametrize("dtype", [np.complex64, np.uint16, np.uint64])
def test_unsupported_dtypes_are_refused(dtype):
    with pytest.raises(TypeError, match="no dtype for DLPack data"):
        ng.from_dlpack(np.zeros(2, dtype))


def test_negative_strides_are_refused():
    with pytest.raises(ValueError, match="negative stride"):
        ng.from_dlpack(np.arange(4.0)[::-1])


class _OldProducer:
    """A producer from before DLPack 1.0: ``__dlpack__`` takes no keyword."""

    def __init__(self, array):
        self.array = array

    def __dlpack__(self):
        return self.array.__dlpack__()


def test_older_producers_and_copy_requests():
    a = np.arange(3.0)
    shared = ng.from_dlpack(_OldProducer(a), device="cpu")
    shared[0] = 8.0
    copied = ng.from_dlpack(_OldProducer(a), copy=True)  # the producer cannot copy: we clone
    copied[1] = -1.0
    assert a.tolist() == [8.0, 1.0, 2.0] and copied.tolist() == [8.0, -1.0, 2.0]


class _Device:
    """A producer on a GPU (its capsule is never asked for)."""

    def __dlpack_device__(self):
        return (ng_dlpack.DLDeviceType.kDLCUDA, 0)

    def __dlpack__(self, **kwargs):
        raise AssertionError("not reached")


def test_gpu_data_is_refused_clearly():
    with pytest.raises(BufferError, match="cannot import kDLCUDA data"):
        ng.from_dlpack(_Device())


@pytest.mark.skipif(not ng.cuda.is_available(), reason="no CUDA device or simulator")
def test_cuda_tensors_are_refused_clearly():
    t = ng.ones(2, device="cuda")
    assert t.__dlpack_device__() == (ng_dlpack.DLDeviceType.kDLCUDA, 0)
    # No attribute at all, so that numba-cuda's launch reads __cuda_array_interface__.
    assert not hasattr(t, "__dlpack__")
    with pytest.raises(AttributeError, match="cannot export cuda"):
        np.from_dlpack(t)
    with pytest.raises(BufferError, match="cannot export cuda"):
        ng.from_dlpack(t)
    with pytest.raises(BufferError, match="cannot export cuda"):
        ng_dlpack.to_dlpack(t)


def test_names_and_device_codes():
    assert ng.from_dlpack is ng_dlpack.from_dlpack and ng.to_dlpack is ng_dlpack.to_dlpack
    assert ng_dlpack.DLDeviceType.kDLCPU == 1 and ng_dlpack.DLDeviceType.kDLCUDA == 2


# ---------------------------------------------------------------------------- torch


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_torch_shares_memory_both_ways(dtype):
    torch = pytest.importorskip("torch")
    t = _sample(dtype)
    tt = torch.from_dlpack(t)
    assert str(tt.dtype) == "torch." + str(dtype).split(".")[1]
    assert tt.tolist() == t.tolist()
    tt[0, 0] = _other_value(dtype)
    assert t[0, 0].item() == _other_value(dtype)
    src = torch.zeros(2, 3, dtype=tt.dtype)
    back = ng.from_dlpack(src)
    assert back.dtype is dtype
    back[1, 1] = _other_value(dtype)
    assert src[1, 1].item() == _other_value(dtype)


def test_torch_views_capsules_and_lifetime():
    torch = pytest.importorskip("torch")
    base = ng.arange(12.0).reshape(3, 4)
    view = base.t()[1:]
    tv = torch.from_dlpack(view)
    assert tv.stride() == view.stride() and tv.tolist() == view.tolist()
    assert torch.from_dlpack(ng.arange(3.0).expand(2, 3)).stride() == (0, 1)
    tv2 = torch.utils.dlpack.from_dlpack(ng_dlpack.to_dlpack(base))
    tv2[0, 0] = 5
    assert base[0, 0].item() == 5
    src = torch.arange(6).reshape(2, 3).t()
    back = ng_dlpack.from_dlpack(torch.utils.dlpack.to_dlpack(src))
    assert back.stride() == src.stride() and back.tolist() == src.tolist()
    del src, tv, tv2, base, view
    gc.collect()
    assert back.tolist() == [[0, 3], [1, 4], [2, 5]]
    scalar = torch.from_dlpack(ng.tensor(True))
    assert scalar.dim() == 0 and scalar.item() is True
    assert torch.from_dlpack(ng.zeros(0, 2)).shape == (0, 2)


def test_torch_as_tensor_reads_through_dlpack():
    torch = pytest.importorskip("torch")
    t = ng.tensor([1.0, 2.0])
    shared = torch.as_tensor(t)
    shared[0] = 5.0
    assert t[0].item() == 5.0 and torch.tensor(t).tolist() == [5.0, 2.0]


def test_torch_errors_are_matched():
    torch = pytest.importorskip("torch")
    x = ng.ones(2, requires_grad=True)
    with pytest.raises(BufferError) as ours:
        torch.from_dlpack(x)
    with pytest.raises(BufferError) as theirs:
        torch.from_dlpack(torch.ones(2, requires_grad=True))
    assert str(ours.value) == str(theirs.value)
    capsule = torch.utils.dlpack.to_dlpack(torch.arange(2))
    torch.from_dlpack(capsule)
    with pytest.raises(RuntimeError) as theirs:
        torch.from_dlpack(capsule)
    with pytest.raises(RuntimeError) as ours:
        ng.from_dlpack(capsule)
    assert str(ours.value) == str(theirs.value)
    for dtype in (torch.complex64, torch.bfloat16, torch.uint32):
        with pytest.raises(TypeError, match="no dtype for DLPack data"):
            ng.from_dlpack(torch.ones(2, dtype=dtype))
    # torch's own refusal of a gradient-requiring producer reaches the caller unchanged.
    with pytest.raises(BufferError, match="require gradient"):
        ng.from_dlpack(torch.ones(2, requires_grad=True))
