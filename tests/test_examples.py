"""Every example runs briefly (``--steps 3``) and prints what its story promises."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
NEEDS_DIGITS = {"01_mlp_digits", "05_mnist_mlp", "06_cnn", "07_validation_early_stopping",
                "08_cnn_batchnorm"}

# script → (extra arguments, regular expressions its output must contain)
CASES = {
    "01_mlp_digits": ([], [r"test accuracy: \d+(\.\d+)?%"]),
    "02_linear_mse_sgd": ([], [r"one step \(test01\): loss \d+\.\d+", r"Epoch 0, Loss: \d",
                               r"final loss after 3 epochs: \d+\.\d{4}"]),
    "03_linear_regression": ([], [r"Epoch \[3/3\], Loss: \d+\.\d{4}",
                                  r"recovered weight: -?\d+\.\d{4} "
                                  r"\(true 2, least squares \d\.\d+\)",
                                  r"recovered bias: -?\d+\.\d{4} \(true 1, least squares"]),
    "04_simple_nn": ([], [re.escape("SimpleNN(\n"
                                    "  (fc1): Linear(in_features=2, out_features=2, bias=True)\n"
                                    "  (fc2): Linear(in_features=2, out_features=1, bias=True)\n"
                                    ")"),
                          r"Epoch \[3/3\], Loss: \d+\.\d{4}", r"Test Loss: \d+\.\d{4}"]),
    "05_mnist_mlp": ([], [r"bundled digits", r"\(fc1\): Linear\(in_features=784, out_features=512",
                          r"epoch 1/1 \[#+\] 3/3 loss", r"Epoch 1, Loss: \d+\.\d{4} \(3 steps",
                          r"test accuracy: \d+\.\d\d%"]),
    "06_cnn": ([], [r"\(0\): Conv2d\(1, 8, kernel_size=\(3, 3\), stride=\(1, 1\), "
                    r"padding=\(1, 1\)\)", r"\(2\): MaxPool2d\(kernel_size=2",
                    r"epoch 1: loss \d+\.\d{4} \(3 steps", r"test accuracy: \d+\.\d\d%"]),
    "07_validation_early_stopping": ([], [r"1151 training, 287 validation and 359 test",
                                          r"epoch  1: train loss .* val accuracy .*saved",
                                          r"reloaded the best model \(epoch 1\)",
                                          r"test accuracy: \d+\.\d\d%"]),
    "08_cnn_batchnorm": ([], [r"\(1\): BatchNorm2d\(16, eps=1e-05, momentum=0\.1",
                              r"\(8\): Dropout2d\(p=0\.1, inplace=False\)",
                              r"\(pool\): AdaptiveAvgPool2d\(output_size=1\)",
                              r"features\.1\.running_mean",
                              r"epoch 1: loss \d+\.\d{4} \(3 steps",
                              r"test accuracy: \d+\.\d\d%"]),
    "09_char_model": ([], [r"text: \d+ characters, \d+ distinct",
                           r"\(rnn\): GRU\(32, 128, batch_first=True\)",
                           r"epoch 5: loss \d+\.\d{4} \(perplexity", r"sample: 'Return "]),
}


def run_example(name: str, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py"), *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=timeout)


def test_every_case_is_a_script():
    assert {p.stem for p in EXAMPLES.glob("[0-9][0-9]_*.py")} == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_example_runs_three_steps(name):
    if name in NEEDS_DIGITS:
        pytest.importorskip("sklearn")  # the bundled digits live in scikit-learn
    extra, patterns = CASES[name]
    result = run_example(name, "--steps", "3", "--epochs", "1" if name in NEEDS_DIGITS else "5",
                         "--seed", "0", "--device", "cpu", *extra)
    assert result.returncode == 0, f"{name} failed:\n{result.stdout}\n{result.stderr}"
    for pattern in patterns:
        assert re.search(pattern, result.stdout), f"{name}: no {pattern!r} in:\n{result.stdout}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_example_docstring_gives_the_command(name):
    source = (EXAMPLES / f"{name}.py").read_text(encoding="utf-8")
    assert source.startswith('"""')
    assert f"python examples/{name}.py" in source
    assert "import numbagrad as torch" in source
    for flag in ("--steps", "--device", "--seed"):
        assert flag in source, f"{name} has no {flag} flag"


def _idx(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big")
                                                        for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def test_mnist_mlp_reads_idx_files_and_reports_a_missing_plotter(tmp_path):
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 200), ("t10k", 50)):
        (tmp_path / f"{prefix}-images-idx3-ubyte").write_bytes(
            _idx(rng.integers(0, 256, (n, 28, 28))))
        (tmp_path / f"{prefix}-labels-idx1-ubyte").write_bytes(_idx(rng.integers(0, 10, n)))
    plot = tmp_path / "loss.png"
    result = run_example("05_mnist_mlp", "--mnist-dir", str(tmp_path), "--steps", "2",
                         "--epochs", "1", "--plot", str(plot))
    assert result.returncode == 0, result.stderr
    assert f"MNIST from {tmp_path}: 200 training and 50 test images" in result.stdout
    assert re.search(r"test accuracy: \d+\.\d\d%", result.stdout)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "matplotlib is not installed" in result.stdout and not plot.exists()
    else:
        assert plot.stat().st_size > 0


def test_early_stopping_saves_a_loadable_checkpoint(tmp_path):
    pytest.importorskip("sklearn")
    import numbagrad

    checkpoint = tmp_path / "best.pt"
    result = run_example("07_validation_early_stopping", "--steps", "2", "--epochs", "3",
                         "--patience", "1", "--checkpoint", str(checkpoint))
    assert result.returncode == 0, result.stderr
    state = numbagrad.load(str(checkpoint))
    assert list(state) == ["1.weight", "1.bias", "4.weight", "4.bias"]
    assert state["1.weight"].shape == (256, 784)
    assert f"from {checkpoint}" in result.stdout


def test_char_model_trains_a_causal_transformer_too():
    result = run_example("09_char_model", "--model", "transformer", "--steps", "2", "--epochs",
                         "1", "--length", "16", "--seed", "0")
    assert result.returncode == 0, result.stderr
    assert "(encoder): TransformerEncoder(" in result.stdout
    assert re.search(r"epoch 1: loss \d+\.\d{4}", result.stdout)
