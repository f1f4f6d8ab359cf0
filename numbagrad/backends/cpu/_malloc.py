"""Keep freed array memory mapped between training steps (glibc's ``malloc``).

NumPy takes the buffers of large arrays from ``malloc``. glibc serves a block above its mmap
threshold with a fresh ``mmap`` and unmaps it when freed, and gives the free memory at the top
of its heap back to the OS once it exceeds the trim threshold. Both thresholds start at 128 KiB
and slide up as large blocks are freed, but a training step's mix of sizes kept part of its
memory going back and forth: every step then touches fresh pages again, and each first touch
is a page fault that zeroes a page. On the 2-core development machine (a KVM guest) the CNN
step of ``benchmarks/compare_torch.py`` took 1,570-2,450 page faults and 11-15 ms of system
time per step, 18-21 ms in all; with fixed thresholds, none and 6 ms.

:func:`keep_freed_memory` fixes the thresholds at the ceilings glibc's own sliding rule reaches
on 64-bit systems (blocks under 32 MiB come from the heap; up to 64 MiB of free memory stays at
its top), so that a step reuses the pages of the previous one. The cost is that a process keeps
up to that much freed memory instead of returning it at once. It does nothing where the C
library is not glibc, or when the user set any of glibc's ``MALLOC_*`` tunables (their choice
stands), or when ``NUMBAGRAD_KEEP_FREED_MEMORY=0``.
"""
from __future__ import annotations

import ctypes
import os
import sys

_M_TRIM_THRESHOLD = -1  # mallopt parameters, from glibc's <malloc.h>
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20  # glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit systems
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD  # the ratio glibc keeps when it slides the two

_USER_TUNABLES = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_",
                  "MALLOC_MMAP_MAX_", "GLIBC_TUNABLES")


def keep_freed_memory() -> bool:
    """Fix glibc's mmap and trim thresholds (see the module's docstring).

    Returns
    -------
    bool
        Whether the thresholds were set.
    """
    if os.environ.get("NUMBAGRAD_KEEP_FREED_MEMORY", "1") == "0":
        return False
    if not sys.platform.startswith("linux") or any(v in os.environ for v in _USER_TUNABLES):
        return False
    try:
        libc = ctypes.CDLL(None)  # the symbols already loaded in this process
        libc.gnu_get_libc_version  # noqa: B018 - glibc only: musl's mallopt does nothing
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    # mallopt returns 1 on success.
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
