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
