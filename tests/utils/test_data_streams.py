"""Shuffling is torch's: after the same ``manual_seed`` (or with generators seeded alike) the
DataLoader's batch orders, the samplers' indices and random_split's subsets are torch's, and the
generators are left where torch leaves them."""
from __future__ import annotations

import numpy as np
import pytest

import numbagrad

torch = pytest.importorskip("torch")

from tests.random.streams import next_draws as _next  # noqa: E402


def _both(run, seed: int = 0, generator: bool = False):
    """``run(lib, generator)`` after ``manual_seed(seed)`` in both libraries; asserts equal
    results and equal next draws from the default generator (and the explicit one)."""
    out = []
    for lib in (numbagrad, torch):
        lib.manual_seed(seed)
        gen = lib.Generator().manual_seed(seed + 100) if generator else None
        result = run(lib, gen)
        after = [_next(lib)]
        if gen is not None:
            after.append(_next(lib, gen))
        out.append((result, after))
    assert out[0][0] == out[1][0]
    assert out[0][1] == out[1][1], "stream left elsewhere"
    return out[0][0]


def _epochs(lib, gen, n: int = 23, batch_size: int = 5, epochs: int = 3, **kwargs):
    data = lib.utils.data.TensorDataset(lib.arange(n))
    loader = lib.utils.data.DataLoader(data, batch_size=batch_size, shuffle=True,
                                       generator=gen, **kwargs)
    return [[batch[0].tolist() for batch in loader] for _ in range(epochs)]


@pytest.mark.parametrize("generator", [False, True])
@pytest.mark.parametrize("n", [23, 40])
def test_dataloader_batch_order_is_torchs(generator, n):
    orders = _both(lambda lib, gen: _epochs(lib, gen, n), seed=1, generator=generator)
    assert orders[0] != orders[1]


def test_dataloader_drop_last_is_torchs():
    _both(lambda lib, gen: _epochs(lib, gen, 23, drop_last=True), seed=2, generator=True)


def test_dataloader_interleaved_with_other_draws_is_torchs():
    """A draw from the default generator inside the loop (as dropout makes) sees torch's
    stream: the loader draws its base seed and the sampler its seed when torch does."""
    def run(lib, gen):
        data = lib.utils.data.TensorDataset(lib.arange(12))
        loader = lib.utils.data.DataLoader(data, batch_size=4, shuffle=True)
        seen = []
        for _ in range(2):
            for (batch,) in loader:
                seen.append((batch.tolist(), _next(lib)))
        return seen

    _both(run, seed=3)


@pytest.mark.parametrize("generator", [False, True])
@pytest.mark.parametrize("kwargs", [{}, {"num_samples": 30}, {"num_samples": 5},
                                    {"replacement": True, "num_samples": 70},
                                    {"replacement": True}])
def test_random_sampler_is_torchs(generator, kwargs):
    def run(lib, gen):
        sampler = lib.utils.data.RandomSampler(range(11), generator=gen, **kwargs)
        return [list(sampler) for _ in range(2)]

    _both(run, seed=4, generator=generator)


@pytest.mark.parametrize("generator", [False, True])
def test_subset_random_sampler_is_torchs(generator):
    def run(lib, gen):
        sampler = lib.utils.data.SubsetRandomSampler([3, 8, 1, 9, 4], generator=gen)
        return [list(sampler) for _ in range(3)]

    _both(run, seed=5, generator=generator)


@pytest.mark.parametrize("replacement", [True, False])
@pytest.mark.parametrize("generator", [False, True])
def test_weighted_random_sampler_is_torchs(replacement, generator):
    def run(lib, gen):
        sampler = lib.utils.data.WeightedRandomSampler([0.1, 0.9, 0.4, 0.0, 2.0, 0.7], 4,
                                                       replacement=replacement, generator=gen)
        return [list(sampler) for _ in range(3)]

    _both(run, seed=6, generator=generator)


@pytest.mark.parametrize("generator", [False, True])
@pytest.mark.parametrize("lengths", [[7, 3, 10], [0.6, 0.4]])
def test_random_split_is_torchs(generator, lengths):
    def run(lib, gen):
        subsets = lib.utils.data.random_split(range(20), lengths, generator=gen)
        return [list(s.indices) for s in subsets]

    _both(run, seed=7, generator=generator)


def test_worker_numpy_seed_is_torchs():
    """A worker seeds NumPy's global generator with torch's hash of (base seed, worker id)."""
    from torch.utils.data._utils.worker import _generate_state

    from numbagrad.utils._worker import _numpy_seed

    for base in (0, 1, 2 ** 32 + 5, 2 ** 63 - 1, 8_123_456_789_012):
        for worker in range(3):
            assert _numpy_seed(base, worker) == _generate_state(base, worker)
    assert np.unique([_numpy_seed(1, w)[0] for w in range(4)]).size == 4


class _WorkerSeeds:
    """Each item: the seed torch's (or numbagrad's) worker got, and NumPy's first draw there."""

    def __init__(self, lib):
        self.lib = lib

    def __len__(self):
        return 4

    def __getitem__(self, i):
        info = self.lib.utils.data.get_worker_info()
        return [info.seed, int(np.random.randint(0, 2 ** 31))]


def test_worker_seeds_are_torchs():
    def run(lib, gen):
        loader = lib.utils.data.DataLoader(_WorkerSeeds(lib), batch_size=None, num_workers=2,
                                           generator=gen, multiprocessing_context="fork")
        return [[int(v) for v in item] for item in loader]

    seeds = _both(run, seed=8, generator=True)
    assert seeds[0][0] + 1 == seeds[1][0]
