"""``backends/cpu/_malloc``: glibc's thresholds are fixed unless the user chose otherwise, and a
step's buffers then reuse the pages of the previous step's."""
import subprocess
import sys
import textwrap

import pytest

from numbagrad.backends.cpu import _malloc


def _glibc() -> bool:
    import ctypes

    return sys.platform.startswith("linux") and hasattr(ctypes.CDLL(None), "gnu_get_libc_version")


@pytest.mark.parametrize("variable, value", [("NUMBAGRAD_KEEP_FREED_MEMORY", "0"),
                                             ("MALLOC_TRIM_THRESHOLD_", "131072"),
                                             ("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=1")])
def test_the_users_choice_stands(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    assert _malloc.keep_freed_memory() is False


@pytest.mark.skipif(not _glibc(), reason="glibc's malloc only")
def test_thresholds_are_set_under_glibc(monkeypatch):
    for variable in _malloc._USER_TUNABLES + ("NUMBAGRAD_KEEP_FREED_MEMORY",):
        monkeypatch.delenv(variable, raising=False)
    assert _malloc.keep_freed_memory() is True


# Buffers of a CNN step's sizes (1.6 MB activations, 0.8 MB indices, smaller ones), allocated,
# written and freed in a different order each step; page faults counted over the later steps.
_STEPS = textwrap.dedent("""
    import resource, sys
    import numpy as np
    import numbagrad.backends.cpu  # noqa: F401 - sets the thresholds
    sizes = [401408, 200704, 100352, 401408, 12544, 401408, 200704]
    def step(k):
        alive = []
        for i, n in enumerate(sizes):
            a = np.empty(n, np.float32)
            a.fill(1.0)  # touch every page
            alive.append(a)
            if (i + k) % 3 == 0:
                alive.pop(0)
        del alive
    for k in range(10):
        step(k)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for k in range(40):
        step(k)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
""")


@pytest.mark.skipif(not _glibc(), reason="glibc's malloc only")
def test_steps_reuse_their_pages():
    env = {k: v for k, v in __import__("os").environ.items()
           if k not in _malloc._USER_TUNABLES + ("NUMBAGRAD_KEEP_FREED_MEMORY",)}
    out = subprocess.run([sys.executable, "-c", _STEPS], capture_output=True, text=True,
                         env=env, check=True)
    faults = int(out.stdout.split()[-1])
    # 40 steps of 1.7 M floats each: fresh pages would be about 1,700 faults a step.
    assert faults < 200, out.stdout
