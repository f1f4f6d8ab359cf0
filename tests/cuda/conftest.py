"""The CUDA tests: run under the CUDA simulator in CI, on a GPU where there is one.

``tests/test_cuda.py`` runs this directory in subprocesses with
``NUMBA_ENABLE_CUDASIM=1`` set before Python starts (setting it after ``import numba`` is
silently ignored), with few threads per block and few blocks, so that tiny arrays span several
blocks and several grid-stride turns. The simulator checks every array access's bounds.

The simulator's device array forwards any attribute to a NumPy array, so code that works there
could fail on a GPU. Here it is made strict: it offers only what a real ``DeviceNDArray`` has
(no ``.flags.c_contiguous``, no arithmetic, no copying ``reshape`` of a non-contiguous array,
and an all-integer index returns a host scalar), and kernels refuse host arrays, which a real
launch would copy silently both ways.

Without the simulator and without a GPU the directory is skipped.

``NUMBAGRAD_TEST_SHARD=i/n`` keeps every n-th collected test from the i-th on, so that n
processes share the directory (``tests/test_cuda.py`` runs it as shards that pytest-xdist can
spread over the cores).
"""
import os

import pytest

import numbagrad.cuda

_SIMULATED = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"


if not numbagrad.cuda.is_available():  # True under the simulator
    collect_ignore_glob = ["test_*.py"]


# What a real DeviceNDArray offers beyond the methods FakeCUDAArray defines itself.
_REAL_ATTRIBUTES = {"strides", "dtype", "ndim", "size", "copy_to_host", "copy_to_device",
                    "is_c_contiguous", "is_f_contiguous", "split", "view", "squeeze",
                    "__cuda_array_interface__", "__array__", "__len__"}


def _make_simulator_strict() -> None:
    import numpy as np
    from numba.cuda.simulator import kernel as sim_kernel
    from numba.cuda.simulator.cudadrv.devicearray import FakeCUDAArray

    forward = FakeCUDAArray.__getattr__

    def __getattr__(self, name):
        if name not in _REAL_ATTRIBUTES and not name.startswith("_"):
            raise AttributeError(f"a GPU DeviceNDArray has no attribute {name!r} (strict "
                                 "simulator)")
        return forward(self, name)

    def reshape(self, *shape):
        if not (self._ary.flags.c_contiguous or self._ary.flags.f_contiguous):
            raise NotImplementedError("operation requires copying (DeviceNDArray.reshape of a "
                                      "non-contiguous array, strict simulator)")
        return FakeCUDAArray(self._ary.reshape(*shape))

    getitem = FakeCUDAArray.__getitem__

    def __getitem__(self, key):
        result = getitem(self, key)
        if isinstance(result, FakeCUDAArray) and result._ary.ndim == 0:
            return result._ary[()]  # a DeviceNDArray copies a single element to the host
        return result

    FakeCUDAArray.__getattr__ = __getattr__
    FakeCUDAArray.reshape = reshape
    FakeCUDAArray.ravel = lambda self: reshape(self, -1)
    FakeCUDAArray.flags = property(lambda self: {"C_CONTIGUOUS": self._ary.flags.c_contiguous,
                                                 "F_CONTIGUOUS": self._ary.flags.f_contiguous})
    FakeCUDAArray.__getitem__ = __getitem__

    call = sim_kernel.FakeCUDAKernel.__call__

    def strict_call(self, *args):
        launching = not (self._device or sim_kernel._kernel_context)
        for a in args if launching else ():
            if isinstance(a, np.ndarray) and a.ndim > 0:
                raise TypeError(f"kernel {self.fn.__name__}: a host array was passed; a GPU "
                                "launch would copy it both ways (strict simulator)")
        return call(self, *args)

    sim_kernel.FakeCUDAKernel.__call__ = strict_call


if _SIMULATED:
    _make_simulator_strict()


def pytest_collection_modifyitems(config, items):
    shard = os.environ.get("NUMBAGRAD_TEST_SHARD")
    if shard:
        index, count = (int(part) for part in shard.split("/"))
        items[:] = items[index::count]


@pytest.fixture
def rng():
    """A seeded NumPy generator."""
    import numpy as np

    return np.random.default_rng(0)
