"""The CUDA backend: ``numba.cuda`` kernels over Numba device arrays.

Each family module has a twin of the same name in ``backends/cpu``, with functions of the same
names and signatures; this namespace is what ops receive as ``be`` for a tensor on a GPU. It is
imported only when a GPU is first asked for, so the CPU path never imports ``numba.cuda``.
"""
from numbagrad.backends.cuda.elementwise import broadcast_shape, map  # noqa: A004
from numbagrad.backends.cuda.memory import (assign, astype, contiguous, copy, empty, from_host,
                                            full, to_host, zeros)
from numbagrad.backends.cuda.shape import basic_index, cat, expand, permute, reshape
