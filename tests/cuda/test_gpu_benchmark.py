"""``benchmarks/gpu.py`` runs (tiny sizes): a broken GPU benchmark fails here, not on a GPU."""
import importlib.util
from pathlib import Path


def test_gpu_benchmark_smoke(capsys):
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "gpu.py"
    spec = importlib.util.spec_from_file_location("gpu_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(["--smoke"])
    out = capsys.readouterr().out
    assert "SGEMM" in out and "launches per step" in out and "launch overhead" in out
