"""SciPy's BLAS module loaded for Numba without ``scipy.linalg``, each case in a fresh process."""
import os
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(code: str) -> str:
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_matmul_runs_without_importing_scipy_linalg_which_still_imports_whole_later():
    out = _run("""
        import sys
        import numpy as np
        import numbagrad as ng
        from numbagrad.backends.cpu import _scipy_blas
        rng = np.random.default_rng(0)
        for dtype in (np.float32, np.float64):
            a, b = rng.standard_normal((2, 7, 7)).astype(dtype)
            got = (ng.tensor(a) @ ng.tensor(b)).numpy()
            np.testing.assert_allclose(got, a.astype(np.float64) @ b, rtol=1e-5, atol=1e-5)
        assert "scipy.linalg" not in sys.modules
        blas = sys.modules["scipy.linalg.cython_blas"]
        assert any(isinstance(f, _scipy_blas._LinkOnParentImport) for f in sys.meta_path)

        import scipy.linalg
        assert scipy.linalg.cython_blas is blas
        assert not any(isinstance(f, _scipy_blas._LinkOnParentImport) for f in sys.meta_path)
        # scipy.linalg's own Cython code reaches BLAS through the same module
        q, r = scipy.linalg.qr(a.astype(np.float64))
        q1, r1 = scipy.linalg.qr_update(q, r, np.ones(7), np.ones(7))
        np.testing.assert_allclose(q1 @ r1, a + 1.0, atol=1e-10)
        import scipy.linalg.cython_blas as again
        assert again is blas
        print("ok")
    """)
    assert out.strip() == "ok"


def test_nothing_changes_when_scipy_linalg_is_imported_first():
    out = _run("""
        import sys
        import scipy.linalg
        import numbagrad as ng
        from numbagrad.backends.cpu import _scipy_blas
        x = ng.ones(3, 3)
        assert ((x @ x).numpy() == 3).all()
        assert not any(isinstance(f, _scipy_blas._LinkOnParentImport) for f in sys.meta_path)
        assert scipy.linalg.cython_blas is sys.modules["scipy.linalg.cython_blas"]
        print("ok")
    """)
    assert out.strip() == "ok"
