"""Start-up: ``import numbagrad``, then a first step of the 784-512-10 MLP in a new process.

Compilation is part of start-up, so it is timed like any other cost: with a cold Numba cache
(a new, empty ``NUMBA_CACHE_DIR``: every kernel compiles) and a warm one (kernels load from
disk). Two first steps are timed: ``MLP_STEP``, a forward and backward written with tensor ops
(also run by ``op_overhead.py``, against torch), and ``MLP_TRAINING_STEP``, a whole training
step as the tutorials write it (``nn`` modules, cross-entropy, SGD with momentum).
"""
import os
import shutil
import subprocess
import sys
import tempfile

# A first forward and backward of the tutorials' 784-512-10 MLP on one batch of 64. Written
# against torch's API: ``module`` is ``numbagrad`` or ``torch``.
MLP_STEP = """
import {module} as torch
torch.manual_seed(0)
x = torch.rand(64, 1, 28, 28)
y = torch.randint(0, 10, (64,))
w1 = (torch.rand(512, 784) * 2 - 1).mul_(784 ** -0.5).requires_grad_()
b1 = torch.zeros(512, requires_grad=True)
w2 = (torch.rand(10, 512) * 2 - 1).mul_(512 ** -0.5).requires_grad_()
b2 = torch.zeros(10, requires_grad=True)
hidden = torch.relu(x.reshape(-1, 784) @ w1.t() + b1)
log_probs = torch.log_softmax(hidden @ w2.t() + b2, dim=1)
loss = -log_probs.gather(1, y.unsqueeze(1)).mean()
loss.backward()
float(w1.grad.sum())
"""

# The first training step of the same MLP on one batch of 64: forward, loss, zero_grad,
# backward and an SGD step with momentum, as in ``compare_torch.py``'s "mlp64" workload.
MLP_TRAINING_STEP = """
import numbagrad as torch
torch.manual_seed(0)
x = torch.rand(64, 1, 28, 28)
y = torch.randint(0, 10, (64,))
model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 512), torch.nn.ReLU(),
                            torch.nn.Linear(512, 10))
criterion = torch.nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
loss = criterion(model(x), y)
optimizer.zero_grad()
loss.backward()
optimizer.step()
float(loss)
"""

# Named after the benchmark process, so that two asv runs on one machine do not share them.
_COLD_CACHE = os.path.join(tempfile.gettempdir(), f"numbagrad-asv-cold-cache-{os.getpid()}")
_WARM_CACHE = os.path.join(tempfile.gettempdir(), f"numbagrad-asv-warm-cache-{os.getpid()}")

# Runs untimed in the new process before the statement: numba reads NUMBA_CACHE_DIR on import.
_USE_COLD_CACHE = f"""
import os, shutil
shutil.rmtree({_COLD_CACHE!r}, ignore_errors=True)
os.environ["NUMBA_CACHE_DIR"] = {_COLD_CACHE!r}
"""
_USE_WARM_CACHE = f"""
import os
os.environ["NUMBA_CACHE_DIR"] = {_WARM_CACHE!r}
"""


def _fill_warm_cache(code):
    env = dict(os.environ, NUMBA_CACHE_DIR=_WARM_CACHE)
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"filling the warm Numba cache failed:\n{result.stderr}")


def _fill_warm_cache_mlp_step():
    _fill_warm_cache(MLP_STEP.format(module="numbagrad"))


def _fill_warm_cache_mlp_training_step():
    _fill_warm_cache(MLP_TRAINING_STEP)


def _remove_caches():
    shutil.rmtree(_COLD_CACHE, ignore_errors=True)
    shutil.rmtree(_WARM_CACHE, ignore_errors=True)


def timeraw_import():
    return "import numbagrad"


def timeraw_first_mlp_step_cold_cache():
    return MLP_STEP.format(module="numbagrad"), _USE_COLD_CACHE


timeraw_first_mlp_step_cold_cache.teardown = _remove_caches
timeraw_first_mlp_step_cold_cache.timeout = 600


def timeraw_first_mlp_step_warm_cache():
    return MLP_STEP.format(module="numbagrad"), _USE_WARM_CACHE


timeraw_first_mlp_step_warm_cache.setup = _fill_warm_cache_mlp_step
timeraw_first_mlp_step_warm_cache.teardown = _remove_caches
timeraw_first_mlp_step_warm_cache.timeout = 600


def timeraw_first_mlp_training_step_cold_cache():
    return MLP_TRAINING_STEP, _USE_COLD_CACHE


timeraw_first_mlp_training_step_cold_cache.teardown = _remove_caches
timeraw_first_mlp_training_step_cold_cache.timeout = 600


def timeraw_first_mlp_training_step_warm_cache():
    return MLP_TRAINING_STEP, _USE_WARM_CACHE


timeraw_first_mlp_training_step_warm_cache.setup = _fill_warm_cache_mlp_training_step
timeraw_first_mlp_training_step_warm_cache.teardown = _remove_caches
timeraw_first_mlp_training_step_warm_cache.timeout = 600
