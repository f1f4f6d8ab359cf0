"""The CPU compile layer: cache fallback, threads entering parallel kernels, IEEE special values."""
import math
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import numbagrad as ng

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(code: str, env_extra: dict, timeout: int = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.update(env_extra)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def _unusable_cache_dir(tmp_path) -> str:
    """A cache directory Numba cannot write: read-only, or (as root, where chmod does not stop
    writes) a path below a regular file, which no one can create."""
    ro = tmp_path / "readonly"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        (ro / "probe").write_text("x")
    except OSError:
        return str(ro / "cache")
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    return str(blocker / "cache")


def test_unwritable_cache_falls_back_with_one_warning(tmp_path):
    cache_dir = _unusable_cache_dir(tmp_path)
    code = """
        import warnings
        import numba
        import numpy as np

        # Numba itself must really fail to cache here, or the test proves nothing.
        try:
            numba.njit(cache=True)(lambda x: x + 1)
        except RuntimeError as err:
            assert "no locator available" in str(err), err
        else:
            raise SystemExit("numba could cache: the cache location is usable")

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            import numbagrad as torch
            x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
            y = (x.exp() * 2 + x / 3).sum()
            y.backward()
            big = torch.ones(100000) * 3
            assert abs(y.item() - (2 * np.exp([1.0, 2.0, 3.0]).sum() + 2.0)) < 1e-4
            assert np.allclose(x.grad.numpy(), 2 * np.exp([1.0, 2.0, 3.0]) + 1 / 3)
            assert float(big.sum()) == 300000.0
        runtime = [w for w in caught if issubclass(w.category, RuntimeWarning)]
        assert len(runtime) == 1, [str(w.message) for w in runtime]
        assert "cache" in str(runtime[0].message)
        print("OK")
    """
    # Only the user-provided locator: otherwise Numba would fall back to the source tree.
    result = _run(code, {"NUMBA_CACHE_DIR": cache_dir,
                         "NUMBA_CACHE_LOCATOR_CLASSES": "UserProvidedCacheLocator"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout


def test_cache_entries_are_read_and_written_under_a_lock_between_processes(tmp_path):
    """While another process holds a kernel's cache lock, saving its compiled code waits."""
    (tmp_path / "lockedkernel.py").write_text(textwrap.dedent("""
        from numbagrad.backends.cpu._jit import jit

        @jit
        def double(x):
            return x * 2
    """))
    code = """
        import fcntl, glob, os, sys, threading, time
        sys.path.insert(0, sys.argv[1] if len(sys.argv) > 1 else os.environ["KERNEL_DIR"])
        import lockedkernel
        assert lockedkernel.double(1) == 2  # compiled and saved: the index and its lock exist
        (lock,) = glob.glob(os.path.join(os.environ["NUMBA_CACHE_DIR"], "**", "*.lock"),
                            recursive=True)
        fd = os.open(lock, os.O_RDWR)
        fcntl.flock(fd, fcntl.LOCK_EX)  # as another process in the middle of a save
        done = []
        saver = threading.Thread(target=lambda: done.append(lockedkernel.double(1.5)))
        saver.start()
        time.sleep(1.0)
        assert not done, "a save went ahead while the lock was held"
        os.close(fd)
        saver.join(60)
        assert done == [3.0], done
        print("OK")
    """
    result = _run(code, {"NUMBA_CACHE_DIR": str(tmp_path / "cache"),
                         "KERNEL_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout


def test_two_threads_in_parallel_kernels(tmp_path):
    code = """
        import threading
        import numpy as np
        import numbagrad as torch
        from numbagrad.backends.cpu import elementwise

        n = elementwise.PARALLEL_MIN_SIZE * 3
        errors = []

        def work(seed):
            try:
                rng = np.random.default_rng(seed)
                a = rng.standard_normal(n)
                b = rng.standard_normal((n // 64, 64))
                ta, tb = torch.from_numpy(a), torch.from_numpy(b)
                for _ in range(40):
                    c = ta * 2.0 + 1.0
                    np.testing.assert_allclose(c.numpy(), a * 2 + 1)
                    d = torch.from_numpy(b.T.copy().T) - tb.exp()
                    np.testing.assert_allclose(d.numpy(), b - np.exp(b))
                    assert abs(float(ta.sum()) - a.sum()) < 1e-6 * n
            except BaseException as err:  # reported by the main thread
                errors.append(repr(err))

        threads = [threading.Thread(target=work, args=(s,)) for s in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        print("OK")
    """
    result = _run(code, {})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout


SPECIALS = [float("nan"), float("inf"), -float("inf"), 0.0, -0.0, 1.0, -1.0, 1e308, -1e-308]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,reference", [
    ("exp", np.exp), ("log", np.log), ("sqrt", np.sqrt),
    ("relu", lambda x: np.where(x < 0, 0, x)),
    ("sigmoid", lambda x: 1 / (1 + np.exp(-x))), ("tanh", np.tanh),
    ("abs", np.abs), ("neg", np.negative),
])
def test_unary_special_values_follow_ieee(name, reference, dtype):
    big = float(np.finfo(dtype).max)
    x = np.array([big if v == 1e308 else v for v in SPECIALS], dtype)
    with np.errstate(all="ignore"):
        expected = reference(x).astype(dtype)
    got = np.asarray(getattr(ng, name)(ng.from_numpy(x)))
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=0)  # NaN equals NaN here
    numbers = ~np.isnan(expected)  # the sign of a NaN carries no meaning
    np.testing.assert_array_equal(np.signbit(got)[numbers], np.signbit(expected)[numbers])


@pytest.mark.parametrize("name,reference", [
    ("div", np.divide), ("maximum", np.maximum), ("minimum", np.minimum), ("pow", np.power),
    ("mul", np.multiply), ("add", np.add), ("sub", np.subtract),
])
def test_binary_special_values_follow_ieee(name, reference):
    a, b = np.meshgrid(np.array(SPECIALS), np.array(SPECIALS))
    with np.errstate(all="ignore"):
        expected = reference(a, b)
    got = np.asarray(getattr(ng, name)(ng.from_numpy(a), ng.from_numpy(b)))
    np.testing.assert_array_equal(got, expected)


def test_special_values_match_torch():
    torch = pytest.importorskip("torch")
    x = SPECIALS
    for name in ["exp", "log", "sqrt", "relu", "sigmoid", "tanh", "abs", "sign"]:
        got = getattr(ng, name)(ng.tensor(x, dtype=ng.float64)).numpy()
        expected = getattr(torch, name)(torch.tensor(x, dtype=torch.float64)).numpy()
        np.testing.assert_array_equal(got, expected, err_msg=name)
    a, b = np.meshgrid(np.array(x), np.array(x))
    for name in ["div", "maximum", "minimum", "pow"]:
        got = getattr(ng, name)(ng.from_numpy(a), ng.from_numpy(b)).numpy()
        expected = getattr(torch, name)(torch.from_numpy(a), torch.from_numpy(b)).numpy()
        np.testing.assert_array_equal(got, expected, err_msg=name)


def test_division_by_zero_and_domain_errors_do_not_raise():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ng.log(ng.tensor(0.0)).item() == -math.inf
        assert math.isnan(ng.sqrt(ng.tensor(-1.0)).item())
        assert math.isnan(ng.log(ng.tensor(-1.0)).item())
        assert (ng.tensor([1.0, -1.0]) / 0).tolist() == [math.inf, -math.inf]
        assert math.isnan((ng.tensor(0.0) / ng.tensor(0.0)).item())
        assert (ng.tensor([1, 0]) / ng.tensor([0, 0])).tolist()[0] == math.inf
        assert (ng.tensor(0.0) ** -1.0).item() == math.inf


def test_gradients_of_special_values_match_torch():
    torch = pytest.importorskip("torch")
    values = [0.0, 1.0, -1.0, float("inf"), 4.0]
    for name in ["log", "sqrt", "relu", "sigmoid", "tanh", "exp", "abs"]:
        xn = ng.tensor(values, dtype=ng.float64, requires_grad=True)
        xt = torch.tensor(values, dtype=torch.float64, requires_grad=True)
        getattr(ng, name)(xn).sum().backward()
        getattr(torch, name)(xt).sum().backward()
        np.testing.assert_array_equal(xn.grad.numpy(), xt.grad.numpy(), err_msg=name)


def test_kernels_of_one_factory_get_names_of_their_own():
    """Closures of one kernel factory are named after what they close over (the same name in
    every process, so the cache finds them): linked into one compiled step, two of them must
    not share a symbol name."""
    from numbagrad.backends.cpu._jit import jit

    def factory(f, flag):
        @jit
        def kernel(x, out):
            for i in range(x.size):
                out[i] = f(x[i]) if flag else x[i]

        return kernel

    def double(v):
        return 2 * v

    def square(v):
        return v * v

    names = {factory(f, flag).py_func.__qualname__
             for f in (double, square) for flag in (True, False)}
    assert len(names) == 4
    assert factory(double, True).py_func.__qualname__ == \
        factory(double, True).py_func.__qualname__
    assert all("0x" not in name for name in names)
