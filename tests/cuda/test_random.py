"""GPU random numbers: shapes, dtypes, ranges, moments, and streams that repeat after re-seeding.

The moment checks allow five standard errors of the estimate: a correct generator fails one of
them about once in a million runs, a biased one (wrong scale, stuck threads) fails all the time.
"""
import warnings

import numpy as np
import pytest

from numbagrad.backends.cuda import _array

# Under the simulator, numba.cuda.random asks for object mode in a way Numba deprecates (at
# import); its xoroshiro128+ then runs as NumPy scalar code, whose uint64 arithmetic wraps around
# on purpose but warns; and its host seeding falls back to object mode. None of it is ours.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "The keyword argument 'nopython=False'")
    from numbagrad.backends.cuda import random

pytestmark = [pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning"),
              pytest.mark.filterwarnings("ignore:(?s).*falling back to object mode")]

DTYPES = [np.float32, np.float64]
N = 2000  # enough for the moments, small for the simulator


def _host(x):
    return _array.to_host(x)


@pytest.fixture(scope="module")
def gen():
    """One generator for the module: seeding is slow under the simulator, and the draws of one
    test continuing the streams of the last are as good a sample."""
    return random.Generator().manual_seed(1234)


@pytest.mark.parametrize("dtype", DTYPES)
def test_uniform_shapes_dtypes_range_and_moments(dtype, gen):
    x = random.uniform((4, N // 4), dtype, gen)
    assert x.shape == (4, N // 4) and x.dtype == dtype
    u = _host(x).ravel()
    assert u.min() >= 0 and u.max() < 1
    assert abs(u.mean() - 0.5) < 5 * np.sqrt(1 / 12 / N)
    assert abs(u.std() - np.sqrt(1 / 12)) < 0.02
    assert len(np.unique(u)) > 0.99 * N  # no two threads replay one stream

    v = _host(random.uniform((N,), dtype, gen, low=-3.0, high=5.0))
    assert v.min() >= -3 and v.max() < 5
    assert abs(v.mean() - 1.0) < 5 * 8 * np.sqrt(1 / 12 / N)


@pytest.mark.parametrize("dtype", DTYPES)
def test_normal_moments_and_odd_sizes(dtype, gen):
    z = _host(random.normal((N + 1,), dtype, gen, mean=2.0, std=3.0))
    assert z.shape == (N + 1,) and z.dtype == dtype and np.isfinite(z).all()
    assert abs(z.mean() - 2.0) < 5 * 3.0 / np.sqrt(N)
    assert abs(z.std() - 3.0) < 5 * 3.0 / np.sqrt(2 * N)
    # Both halves of each Box-Muller pair are standard normal, and uncorrelated.
    pairs = (z[:N].reshape(-1, 2) - 2.0) / 3.0
    assert abs(np.corrcoef(pairs.T)[0, 1]) < 5 / np.sqrt(N / 2)
    assert _host(random.normal((1,), dtype, gen)).shape == (1,)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [0.2, 0.5])
def test_dropout_mask_is_zero_or_the_hosts_scale(dtype, p, gen):
    m = _host(random.dropout_mask((N,), dtype, p, gen))
    scale = (np.ones(1) / (1.0 - p)).astype(dtype)[0]  # as nn.functional.dropout rounds it
    assert m.dtype == dtype
    assert set(np.unique(m)) <= {dtype(0), scale}
    kept = np.mean(m != 0)
    assert abs(kept - (1 - p)) < 5 * np.sqrt(p * (1 - p) / N)


@pytest.mark.parametrize("dtype", DTYPES)
def test_bernoulli_mask_draws_ones_with_probability_p(dtype, gen):
    b = _host(random.bernoulli_mask((N,), dtype, 0.3, gen))
    assert b.dtype == dtype and set(np.unique(b)) <= {0, 1}
    assert abs(b.mean() - 0.3) < 5 * np.sqrt(0.3 * 0.7 / N)


def test_masks_at_the_ends_of_the_probability_range(gen):
    assert (_host(random.dropout_mask((50,), np.float32, 0.0, gen)) == 1).all()
    assert (_host(random.dropout_mask((50,), np.float32, 1.0, gen)) == 0).all()
    assert (_host(random.bernoulli_mask((50,), np.float64, 0.0, gen)) == 0).all()
    assert (_host(random.bernoulli_mask((50,), np.float64, 1.0, gen)) == 1).all()


@pytest.mark.parametrize("shape", [(), (0,), (3, 0, 2), (1, 1)])
def test_scalar_empty_and_unit_shapes(shape, gen):
    for draw in (random.uniform, random.normal):
        x = draw(shape, np.float32, gen)
        assert x.shape == shape and _host(x).shape == shape
    x = random.dropout_mask(shape, np.float64, 0.5, gen)
    assert x.shape == shape


def test_integer_dtypes_are_refused(gen):
    with pytest.raises(TypeError, match="float32 or float64"):
        random.uniform((3,), np.int64, gen)


def test_reseeding_repeats_the_streams_and_draws_continue_them():
    g = random.Generator()
    g.manual_seed(7)
    first = [_host(random.uniform((300,), np.float32, g)),
             _host(random.normal((301,), np.float64, g)),
             _host(random.dropout_mask((300,), np.float32, 0.5, g))]
    assert g.initial_seed() == 7
    g.manual_seed(7)
    again = [_host(random.uniform((300,), np.float32, g)),
             _host(random.normal((301,), np.float64, g)),
             _host(random.dropout_mask((300,), np.float32, 0.5, g))]
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    later = _host(random.uniform((300,), np.float32, g))
    assert not np.array_equal(later, first[0])  # a draw continues the streams
    g.manual_seed(8)
    assert not np.array_equal(_host(random.uniform((300,), np.float32, g)), first[0])


def test_module_functions_seed_the_default_generator():
    saved = random.get_rng_state()
    try:
        assert random.manual_seed(3) is random.default_generator
        a = _host(random.uniform((100,), np.float64))
        random.manual_seed_all(3)
        np.testing.assert_array_equal(_host(random.uniform((100,), np.float64)), a)
        assert random.initial_seed() == 3
        random.manual_seed(-1)  # torch takes negative seeds modulo 2**64
        assert random.initial_seed() == 2**64 - 1
    finally:
        random.set_rng_state(saved)


def test_get_state_and_set_state_resume_a_stream():
    gen = random.Generator().manual_seed(1234)
    random.uniform((100,), np.float32, gen)
    state = gen.get_state()
    a = _host(random.normal((100,), np.float32, gen))
    gen.manual_seed(99)
    random.uniform((100,), np.float32, gen)
    gen.set_state(state)
    assert gen.initial_seed() == 1234
    np.testing.assert_array_equal(_host(random.normal((100,), np.float32, gen)), a)
    with pytest.raises(ValueError, match="states"):
        gen.set_state({"seed": 0, "states": state["states"][:3]})


def test_seed_from_entropy_gives_a_new_stream():
    g = random.Generator()
    s = g.seed()
    assert g.initial_seed() == s
    assert g.states().shape == (random.N_STATES,)


def test_numbagrad_manual_seed_reaches_the_gpu_generator():
    import numbagrad

    saved = random.get_rng_state()
    try:
        numbagrad.manual_seed(11)
        assert random.initial_seed() == 11
        a = _host(random.uniform((50,), np.float32))
        numbagrad.cuda.manual_seed(11)
        np.testing.assert_array_equal(_host(random.uniform((50,), np.float32)), a)
    finally:
        random.set_rng_state(saved)


def test_a_seed_given_before_the_module_is_loaded_is_applied():
    import os
    import subprocess
    import sys

    code = ("import numbagrad; numbagrad.cuda.manual_seed(5)\n"
            "from numbagrad.backends.cuda import random\n"
            "print(random.initial_seed())")
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True,
                         text=True, check=True, env=dict(os.environ))
    assert out.stdout.strip() == "5"
