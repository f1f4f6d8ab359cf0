"""numbagrad.cuda on a machine without a GPU, and the CUDA test directory run under the simulator.

``tests/cuda`` needs ``NUMBA_ENABLE_CUDASIM=1`` set before Numba is imported, so it runs here in
subprocesses of its own (``SHARDS`` of them, each a share of its tests); on a machine with a
GPU, run ``python -m pytest tests/cuda`` directly.
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
# minutes, so it runs as shards that pytest-xdist spreads over the cores.
SHARDS = 4


@pytest.mark.parametrize("shard", range(SHARDS))
def test_cuda_suite_passes_under_the_simulator(shard):
    pytest.importorskip("numba.cuda")
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1", NUMBAGRAD_CUDA_THREADS="16",
               NUMBAGRAD_CUDA_MAX_BLOCKS="3", NUMBAGRAD_TEST_SHARD=f"{shard}/{SHARDS}")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/cuda", "-q", "-p", "no:cacheprovider",
         "-x", "--no-header"], capture_output=True, text=True, cwd=ROOT, env=env)
    print(result.stdout[-6000:], result.stderr[-3000:])
    assert result.returncode == 0, result.stdout[-6000:]
