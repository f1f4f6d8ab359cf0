"""numbagrad.cuda on a machine without a GPU, and the CUDA test directory run under the simulator.

``tests/cuda`` needs ``NUMBA_ENABLE_CUDASIM=1`` set before Numba is imported, so it runs here in
subprocesses of its own, one test per file of the directory (the largest file in a few shares);
``-k test_sort`` picks one file. On a machine with a GPU, run ``python -m pytest tests/cuda``
directly.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

import numbagrad as torch

ROOT = Path(__file__).resolve().parents[1]
no_gpu = pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")


@no_gpu
def test_tutorial_device_choice_picks_the_cpu():
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    assert device == torch.device("cpu")
    assert torch.cuda.device_count() == 0
    model = torch.nn.Linear(2, 1).to(device)
    assert model(torch.ones(3, 2).to(device)).shape == (3, 1)


@no_gpu
@pytest.mark.parametrize("move", [lambda x: x.to("cuda"), lambda x: x.cuda(),
                                  lambda x: torch.nn.Linear(2, 2).to("cuda"),
                                  lambda x: torch.zeros(2, device="cuda")])
def test_moving_to_a_gpu_raises_a_clear_error(move):
    with pytest.raises(RuntimeError, match="no GPU is available"):
        move(torch.ones(2))


def test_import_does_not_load_numba_cuda():
    code = "import sys, numbagrad; print('numba.cuda' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


# The simulator runs kernels in Python, one thread after another: the directory takes many
# minutes. Each of its files runs as a test of its own here (in a subprocess under the
# simulator), so pytest reports them one by one and pytest-xdist spreads them over the cores.
# test_parity.py holds about half of the directory's tests (one per op spec): it runs as
# SHARES of every n-th test each. The longest runs start first (the shares, then the files
# that took 30 s or more on two busy cores), so that no long run starts last on one core
# while the other has nothing left.
CUDA_DIR = ROOT / "tests" / "cuda"
SHARES = {"test_parity.py": 4}
LONGEST = ("test_training.py", "test_reduce.py", "test_rnn.py", "test_linalg.py",
           "test_normalization.py")


def _runs() -> list:
    names = sorted(path.name for path in CUDA_DIR.glob("test_*.py"))
    first = [name for name in (*SHARES, *LONGEST) if name in names]
    names = first + [name for name in names if name not in first]
    return [pytest.param(name, index, SHARES.get(name, 1),
                         id=name if name not in SHARES else f"{name}-{index}/{SHARES[name]}")
            for name in names for index in range(SHARES.get(name, 1))]


@pytest.mark.parametrize("name, index, count", _runs())
def test_cuda_file_passes_under_the_simulator(name, index, count):
    pytest.importorskip("numba.cuda")
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1", NUMBAGRAD_CUDA_THREADS="16",
               NUMBAGRAD_CUDA_MAX_BLOCKS="3", NUMBAGRAD_TEST_SHARD=f"{index}/{count}")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", f"tests/cuda/{name}", "-q", "-p", "no:cacheprovider",
         "-x", "--no-header"], capture_output=True, text=True, cwd=ROOT, env=env)
    print(result.stdout[-6000:], result.stderr[-3000:])
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
