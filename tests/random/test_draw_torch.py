"""Every draw function against torch 2.13's CPU numbers: identical bits for the same seed."""
import numpy as np
import pytest

from numbagrad.random import draw
from numbagrad.random.generator import Generator

torch = pytest.importorskip("torch")

SEEDS = [0, 1, 12345, 2 ** 40 + 7]
SIZES = [0, 1, 15, 16, 17, 1000]
FLOATS = [(np.float32, "float32"), (np.float64, "float64")]


def ours(seed):
    return Generator().manual_seed(seed)


def theirs(seed):
    return torch.Generator().manual_seed(seed)


def same_bits(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(
        a.view(np.uint8), b.view(np.uint8))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("np_dtype,name", FLOATS)
def test_uniform(seed, n, np_dtype, name):
    for low, high in [(0.0, 1.0), (-2.5, 3.7)]:
        expected = torch.empty(n, dtype=getattr(torch, name)).uniform_(
            low, high, generator=theirs(seed))
        assert same_bits(draw.uniform(ours(seed), (n,), np_dtype, low, high), expected)


@pytest.mark.parametrize("np_dtype,name", FLOATS + [(np.float16, "float16")])
def test_uniform_keeps_the_interval_half_open(np_dtype, name):
    """A value that rounds up to ``high`` becomes ``low``, in every float dtype."""
    bounds = [(0.1, 0.30000001), (-2.5, 3.7), (1e7, 1e7 + 1), (1e16, 1e16 + 2)]
    for low, high in bounds[:2] if name == "float16" else bounds:  # float16 ends at 65504
        expected = torch.empty(3000, dtype=getattr(torch, name)).uniform_(
            low, high, generator=theirs(5))
        assert same_bits(draw.uniform(ours(5), (3000,), np_dtype, low, high), expected)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("np_dtype,name", FLOATS)
def test_normal(seed, n, np_dtype, name):
    for mean, std in [(0.0, 1.0), (0.3, 2.7)]:
        expected = torch.empty(n, dtype=getattr(torch, name)).normal_(
            mean, std, generator=theirs(seed))
        assert same_bits(draw.normal(ours(seed), (n,), np_dtype, mean, std), expected)


@pytest.mark.parametrize("np_dtype,name", FLOATS)
def test_large_draws(np_dtype, name):
    """10**5 values: the block Box-Muller, its tail block and the twister's regeneration."""
    dtype = getattr(torch, name)
    expected = torch.randn(10 ** 5, dtype=dtype, generator=theirs(12345)) * 1.0
    assert same_bits(draw.normal(ours(12345), (10 ** 5,), np_dtype), expected)
    expected = torch.rand(10 ** 5, dtype=dtype, generator=theirs(1))
    assert same_bits(draw.uniform(ours(1), (10 ** 5,), np_dtype), expected)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES)
def test_random_range_and_full(seed, n):
    for np_dtype, name in [(np.int64, "int64"), (np.int32, "int32"), (np.float32, "float32"),
                           (np.float64, "float64"), (np.uint8, "uint8"), (np.int16, "int16")]:
        dtype = getattr(torch, name)
        low, high = (3, 250) if name == "uint8" else (-5, 7)
        expected = torch.randint(low, high, (n,), dtype=dtype, generator=theirs(seed))
        assert same_bits(draw.random_range(ours(seed), (n,), np_dtype, low, high), expected)
        expected = torch.empty(n, dtype=dtype).random_(generator=theirs(seed))
        assert same_bits(draw.random_full(ours(seed), (n,), np_dtype), expected)
    for low, high in [(0, 2 ** 28 - 1), (0, 2 ** 28), (-7, 2 ** 32 - 8), (-2 ** 40, 2 ** 40)]:
        # 64-bit draws from a range of 2**28 on, whatever the dtype
        expected = torch.randint(low, high, (n,), generator=theirs(seed))
        assert same_bits(draw.random_range(ours(seed), (n,), np.int64, low, high), expected)
        low, high = max(low, -2 ** 31), min(high, 2 ** 31 - 1)
        expected = torch.randint(low, high, (n,), dtype=torch.int32, generator=theirs(seed))
        assert same_bits(draw.random_range(ours(seed), (n,), np.int32, low, high), expected)


@pytest.mark.filterwarnings("ignore:.*out of bounds")
@pytest.mark.parametrize("np_dtype,name", FLOATS)
def test_random_range_moves_float_bounds_as_torch(np_dtype, name):
    for low, high in [(-2 ** 25 - 3, 2 ** 25 + 5), (1, 2 ** 24 + 3), (-2 ** 40, 2 ** 40)]:
        expected = torch.randint(low, high, (50,), dtype=getattr(torch, name),
                                 generator=theirs(3))
        assert same_bits(draw.random_range(ours(3), (50,), np_dtype, low, high), expected)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES + [10 ** 5])
def test_randperm(seed, n):
    expected = torch.randperm(n, generator=theirs(seed))
    assert same_bits(draw.randperm(ours(seed), n, np.int64), expected)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("np_dtype,name", FLOATS)
def test_bernoulli_and_exponential(seed, n, np_dtype, name):
    dtype = getattr(torch, name)
    expected = torch.empty(n, dtype=dtype).bernoulli_(0.3, generator=theirs(seed))
    assert same_bits(draw.bernoulli_scalar(ours(seed), (n,), np_dtype, 0.3), expected)
    p = np.random.default_rng(seed % 97).random(n).astype(np_dtype)
    expected = torch.bernoulli(torch.from_numpy(p), generator=theirs(seed))
    assert same_bits(draw.bernoulli_tensor(ours(seed), p, np_dtype), expected)
    expected = torch.empty(n, dtype=dtype).exponential_(1.7, generator=theirs(seed))
    assert same_bits(draw.exponential(ours(seed), (n,), np_dtype, 1.7), expected)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("np_dtype,name", FLOATS)
@pytest.mark.parametrize("samples,replacement", [(1, False), (1, True), (4, False), (9, True)])
def test_multinomial(seed, np_dtype, name, samples, replacement):
    weights = np.random.default_rng(seed % 89).random((3, 6)).astype(np_dtype)
    expected = torch.multinomial(torch.from_numpy(weights), samples, replacement,
                                 generator=theirs(seed))
    assert same_bits(draw.multinomial(ours(seed), weights, samples, replacement), expected)


@pytest.mark.parametrize("seed", [0, 1, 12345])
@pytest.mark.parametrize("n", [15, 16, 17, 33, 1000, 10 ** 5])
def test_normal_float16(seed, n):
    """float16: torch's float32 block Box-Muller rounded, uniforms drawn for the whole blocks
    only before the last partial block's 16; the generator is left where torch leaves it."""
    for mean, std in [(0.0, 1.0), (0.5, 2.0), (0.3, 2.7)]:
        g, tg = ours(seed), theirs(seed)
        expected = torch.empty(n, dtype=torch.float16).normal_(mean, std, generator=tg)
        assert same_bits(draw.normal(g, (n,), np.float16, mean, std), expected)
        assert same_bits(draw.uniform(g, (3,), np.float32), torch.rand(3, generator=tg))


@pytest.mark.parametrize("seed", [0, 1, 12345])
def test_doubles_reach_float16_through_float32(seed):
    """torch rounds a double to float32 and then to float16 (one value in about 15000 differs
    from a single rounding): exponential values and the serial normal draws."""
    expected = torch.empty(10 ** 5, dtype=torch.float16).exponential_(generator=theirs(seed))
    assert same_bits(draw.exponential(ours(seed), (10 ** 5,), np.float16), expected)
    # A transposed tensor is filled value by value in memory order: its base's.
    base = torch.empty(300, 400, dtype=torch.float16)
    base.t().normal_(generator=theirs(seed))
    got = draw.normal(ours(seed), (300, 400), np.float16, contiguous=False)
    assert same_bits(got, base)


MULTINOMIAL_CASES = [(3, 5000, k, False) for k in (1, 3, 50, 78, 79, 2500, 4999, 5000)] + [
    (2, 64, k, False) for k in (1, 2, 50, 63, 64)] + [(4, 17, 17, False), (3, 5, 2, False),
                                                     (2, 3000, 1, True), (3, 40, 500, True)]


@pytest.mark.parametrize("seed", [0, 1, 12345])
@pytest.mark.parametrize("rows,categories,samples,replacement", MULTINOMIAL_CASES)
@pytest.mark.parametrize("kind", ["random", "equal", "coarse"])
def test_multinomial_float16_and_ties(seed, rows, categories, samples, replacement, kind):
    """float16 keys (``p / q`` rounded to float16) tie often; torch's top-k leaves ties in the
    order of libstdc++'s partial_sort / nth_element + sort, which must be repeated exactly."""
    rng = np.random.default_rng(seed)
    weights = {"random": rng.random((rows, categories)), "equal": np.ones((rows, categories)),
               "coarse": rng.integers(1, 4, (rows, categories)).astype(float)}[kind]
    for np_dtype in (np.float16, np.float32):
        w = weights.astype(np_dtype)
        expected = torch.multinomial(torch.from_numpy(w), samples, replacement,
                                     generator=theirs(seed))
        assert same_bits(draw.multinomial(ours(seed), w, samples, replacement), expected)


def test_interleaved_draws_stay_in_step():
    g, tg = ours(7), theirs(7)
    steps = [
        (lambda: draw.uniform(g, (5,), np.float32), lambda: torch.rand(5, generator=tg)),
        (lambda: draw.normal(g, (3,), np.float64),
         lambda: torch.randn(3, dtype=torch.float64, generator=tg)),
        (lambda: draw.random_range(g, (4,), np.int64, 0, 10),
         lambda: torch.randint(0, 10, (4,), generator=tg)),
        (lambda: draw.normal(g, (1,), np.float64),  # the cached second value
         lambda: torch.randn(1, dtype=torch.float64, generator=tg)),
        (lambda: draw.normal(g, (33,), np.float32), lambda: torch.randn(33, generator=tg)),
        (lambda: draw.randperm(g, 12, np.int64), lambda: torch.randperm(12, generator=tg)),
        (lambda: draw.exponential(g, (6,), np.float32, 1.0),
         lambda: torch.empty(6).exponential_(generator=tg)),
        (lambda: draw.bernoulli_scalar(g, (8,), np.float32, 0.5),
         lambda: torch.empty(8).bernoulli_(0.5, generator=tg)),
        (lambda: draw.uniform(g, (7,), np.float64, -1.0, 1.0),
         lambda: torch.empty(7, dtype=torch.float64).uniform_(-1, 1, generator=tg)),
    ]
    for mine, reference in steps * 2:
        assert same_bits(mine(), reference())


def test_resolve():
    from numbagrad.random import default_generator

    assert draw.resolve(None) is default_generator
    g = Generator()
    assert draw.resolve(g) is g
    with pytest.raises(TypeError, match="numbagrad.Generator"):
        draw.resolve(torch.Generator())
