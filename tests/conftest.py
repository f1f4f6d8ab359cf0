"""Test configuration: Hypothesis profiles and shared fixtures.

Profiles: ``ci`` (default; a fixed example budget that keeps the suite within minutes on two
cores) and ``thorough`` (``HYPOTHESIS_PROFILE=thorough`` for a long local run). ``deadline`` is
off in both: the first example of a test pays the Numba compile.
"""
import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    deadline=None,
    max_examples=30,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough",
    deadline=None,
    max_examples=300,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# Tests that take minutes each (each CUDA test file under the simulator in its own process, the
# bounds-checked kernel build, the node-name sweep over every spec). Run first: collected last
# they kept one worker busy for minutes after the other had finished. With ``--dist worksteal``
# (the command CI runs) the worker that gets them sheds its short tests to the other.
_LONG = ("tests/test_cuda.py", "tests/test_boundscheck.py",
         "tests/autograd/test_node_names.py::test_every_spec")


def pytest_collection_modifyitems(config, items):
    """Move the long tests to the front (a stable sort keeps every other order)."""
    items.sort(key=lambda item: not item.nodeid.startswith(_LONG))
