"""Every script in examples/ runs for a few steps and reports a test accuracy."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("[0-9][0-9]_*.py"))


def test_examples_are_found():
    assert EXAMPLES, f"no numbered examples under {ROOT / 'examples'}"


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs_briefly_and_prints_an_accuracy(script):
    pytest.importorskip("sklearn")  # the examples train on the bundled digits
    env = dict(os.environ)
    # The checkout's package, whether or not it is installed.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, str(script), "--steps", "3", "--epochs", "1", "--seed", "0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, f"{script.name} failed:\n{result.stdout}\n{result.stderr}"
    match = re.search(r"accuracy: (\d+(?:\.\d+)?)%", result.stdout)
    assert match, f"{script.name} printed no accuracy:\n{result.stdout}"
    assert 0.0 <= float(match.group(1)) <= 100.0
