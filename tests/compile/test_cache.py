"""Generated steps on disk: named by a hash of their source and kernels, rewritten when the file
does not hold the expected text, and a compile cache that a second process reuses."""
import os

import numpy as np
from numba import njit

from numbagrad.compile import cache

SOURCE = "def f(A, S):\n    return k0(A[0]) + S[0]\n"


@njit
def _double(a):
    return a[0] * 2.0


def test_source_file_is_rewritten_when_corrupt(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    fn, cached = cache.load_source(SOURCE, "f", [_double], {"k0": _double})
    assert cached
    (path,) = [p for p in (tmp_path / "numbagrad_compile").iterdir() if p.suffix == ".py"]
    assert path.read_text() == SOURCE
    path.write_text("def f(A, S):\n    return -1\n")  # corrupt, or another step's text
    cache.sys.modules.pop(f"numbagrad_compiled_{path.stem[5:]}")
    fn, _ = cache.load_source(SOURCE, "f", [_double], {"k0": _double})
    assert path.read_text() == SOURCE
    assert njit(fn)((np.ones(1),), (1.0,)) == 3.0


def test_kernel_change_changes_the_file_name(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))

    @njit
    def other(a):
        return a[0] * 3.0

    cache.load_source(SOURCE, "f", [_double], {"k0": _double})
    cache.load_source(SOURCE, "f", [other], {"k0": other})
    names = [p for p in os.listdir(tmp_path / "numbagrad_compile") if p.endswith(".py")]
    assert len(names) == 2


def test_fingerprint_is_stable_for_set_options():
    @njit(fastmath={"reassoc", "contract", "nsz"})
    def g(a):
        return a

    assert "['contract', 'nsz', 'reassoc']" in cache._kernel_fingerprint(g)
