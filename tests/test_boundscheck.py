"""The kernels that compute indices, run with Numba's bounds checks on.

Numba does not check array bounds by default: a kernel that reads or writes past an array
corrupts memory silently. With ``NUMBA_BOUNDSCHECK=1`` every access is checked and an access
out of bounds raises ``IndexError``, which fails the test. The checks change the compiled code,
so the run has a kernel cache of its own (a temporary ``NUMBA_CACHE_DIR``), in a subprocess
since the setting is read when Numba is imported. The files are those of the op families whose
kernels index through computed offsets (gathers, scatters, sorting, padding, windows).
"""
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = ["tests/ops/test_index.py", "tests/ops/test_masked.py", "tests/ops/test_sort.py",
         "tests/ops/test_scan.py", "tests/ops/test_counting.py", "tests/ops/test_diagonal.py",
         "tests/ops/test_pad.py", "tests/nn/test_pooling.py", "tests/nn/test_loss.py"]


def test_index_computing_kernels_pass_with_bounds_checks():
    files = [f for f in FILES if (ROOT / f).exists()]
    with tempfile.TemporaryDirectory(prefix="numbagrad-boundscheck-") as cache:
        env = dict(os.environ, NUMBA_BOUNDSCHECK="1", NUMBA_CACHE_DIR=cache)
        result = subprocess.run(
            [sys.executable, "-m", "pytest", *files, "-q", "-p", "no:cacheprovider", "-x",
             "--no-header"], capture_output=True, text=True, cwd=ROOT, env=env)
    print(result.stdout[-6000:], result.stderr[-3000:])
    assert result.returncode == 0, result.stdout[-6000:]
