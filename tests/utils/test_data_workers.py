"""DataLoader with worker processes, WeightedRandomSampler, samplers with generators,
random_split and default_collate against torch."""
import collections
import os

import numpy as np
import pytest

import numbagrad
from numbagrad.utils.data import (BatchSampler, DataLoader, Dataset, RandomSampler,
                                  SequentialSampler, Subset, SubsetRandomSampler, TensorDataset,
                                  WeightedRandomSampler, default_collate, get_worker_info,
                                  random_split)


class Tagged(Dataset):
    """Each sample says which process and worker fetched it."""

    def __len__(self):
        return 10

    def __getitem__(self, i):
        info = get_worker_info()
        return {"x": numbagrad.tensor([float(i)]), "pid": os.getpid(),
                "worker": -1 if info is None else info.id,
                "seed": -1 if info is None else info.seed}


class Failing(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 2:
            raise KeyError("no sample 2")
        return numbagrad.tensor(float(i))


def _record_init(worker_id):
    info = get_worker_info()
    assert info.id == worker_id and info.num_workers == 2
    info.dataset.init_by = worker_id


class Inited(Dataset):
    init_by = None

    def __len__(self):
        return 4

    def __getitem__(self, i):
        return self.init_by


def test_workers_are_other_processes_and_keep_the_order():
    loader = DataLoader(Tagged(), batch_size=3, num_workers=2)
    batches = list(loader)
    assert [b["x"].flatten().tolist() for b in batches] == [
        [0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0], [9.0]]
    assert all(pid != os.getpid() for b in batches for pid in b["pid"].tolist())
    assert [b["worker"].tolist()[0] for b in batches] == [0, 1, 0, 1]
    seeds = {b["worker"].tolist()[0]: b["seed"].tolist()[0] for b in batches}
    assert seeds[1] == seeds[0] + 1
    assert get_worker_info() is None


def test_workers_match_the_main_process_with_a_sampler_and_drop_last():
    ds = TensorDataset(numbagrad.arange(12.0).reshape(6, 2), numbagrad.arange(6))
    kwargs = dict(batch_size=4, drop_last=True, sampler=[5, 3, 1, 0, 2, 4])
    main = [[t.tolist() for t in b] for b in DataLoader(ds, **kwargs)]
    workers = [[t.tolist() for t in b] for b in DataLoader(ds, num_workers=2, **kwargs)]
    assert workers == main and len(main) == 1


def test_batch_sampler_and_collate_fn_through_workers():
    ds = TensorDataset(numbagrad.arange(5))
    loader = DataLoader(ds, batch_sampler=[[4, 0], [1]], num_workers=1,
                        collate_fn=lambda samples: [int(s[0]) for s in samples], pin_memory=True)
    assert list(loader) == [[4, 0], [1]]


def test_worker_error_is_raised_in_the_main_process():
    loader = DataLoader(Failing(), batch_size=1, num_workers=2)
    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process"):
        list(loader)


def test_worker_init_fn_and_persistent_workers():
    loader = DataLoader(Inited(), batch_size=2, num_workers=2, worker_init_fn=_record_init,
                        persistent_workers=True)
    first = [b.tolist() for b in loader]
    assert first == [[0, 0], [1, 1]]
    it = iter(loader)
    workers = list(it._workers)
    assert [b.tolist() for b in loader] == first
    assert iter(loader)._workers == workers  # the same processes every epoch
    it._close()


def test_spawn_context():
    ds = TensorDataset(numbagrad.arange(4.0))
    loader = DataLoader(ds, batch_size=2, num_workers=1, multiprocessing_context="spawn")
    assert [b[0].tolist() for b in loader] == [[0.0, 1.0], [2.0, 3.0]]


def test_worker_option_errors():
    ds = TensorDataset(numbagrad.arange(4))
    with pytest.raises(ValueError, match="persistent_workers option needs num_workers > 0"):
        DataLoader(ds, persistent_workers=True)
    with pytest.raises(ValueError, match="multiprocessing_context can only be used"):
        DataLoader(ds, multiprocessing_context="spawn")
    with pytest.raises(ValueError, match="prefetch_factor option could only be specified"):
        DataLoader(ds, prefetch_factor=2)


def test_weighted_random_sampler():
    g = numbagrad.Generator().manual_seed(0)
    drawn = list(WeightedRandomSampler([0.0, 1.0, 3.0], 400, generator=g))
    assert set(drawn) == {1, 2} and len(drawn) == 400
    assert 0.65 < drawn.count(2) / 400 < 0.85
    no_rep = list(WeightedRandomSampler(numbagrad.tensor([1.0, 0.0, 2.0]), 3, replacement=False))
    assert sorted(no_rep) == [0, 1, 2] and no_rep[-1] == 1
    assert len(WeightedRandomSampler([1.0], 7)) == 7


def test_weighted_random_sampler_errors_match_torch():
    torch = pytest.importorskip("torch")
    cases = [dict(weights=[[1.0, 2.0]], num_samples=2), dict(weights=[1.0], num_samples=0),
             dict(weights=[1.0], num_samples=1, replacement=1)]
    for kwargs in cases:
        with pytest.raises(ValueError) as theirs:
            torch.utils.data.WeightedRandomSampler(**kwargs)
        with pytest.raises(ValueError) as ours:
            WeightedRandomSampler(**kwargs)
        assert str(ours.value) == str(theirs.value)
    for weights, replacement, n in [([-1.0, 2.0], True, 2), ([0.0, 0.0], True, 2),
                                    ([1.0, 2.0], False, 3)]:
        with pytest.raises(RuntimeError) as theirs:
            list(torch.utils.data.WeightedRandomSampler(weights, n, replacement))
        with pytest.raises(RuntimeError) as ours:
            list(WeightedRandomSampler(weights, n, replacement))
        assert str(ours.value) == str(theirs.value)


def test_random_sampler_options():
    g = numbagrad.Generator().manual_seed(1)
    drawn = list(RandomSampler(range(3), replacement=True, num_samples=20, generator=g))
    assert len(drawn) == 20 and set(drawn) <= {0, 1, 2}
    longer = list(RandomSampler(range(3), num_samples=7))
    assert sorted(longer[:3]) == [0, 1, 2] and sorted(longer[3:6]) == [0, 1, 2]
    a = list(RandomSampler(range(8), generator=numbagrad.Generator().manual_seed(4)))
    b = list(RandomSampler(range(8), generator=numbagrad.Generator().manual_seed(4)))
    assert a == b and sorted(a) == list(range(8))
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(range(3), num_samples=0)


def test_subset_random_and_batch_samplers():
    g = numbagrad.Generator().manual_seed(2)
    assert sorted(SubsetRandomSampler([7, 3, 9], generator=g)) == [3, 7, 9]
    batches = list(BatchSampler(SequentialSampler(range(7)), 3, drop_last=True))
    assert batches == [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        BatchSampler(range(3), 0, False)


def test_random_split_ints_and_fractions():
    ds = TensorDataset(numbagrad.arange(10))
    parts = random_split(ds, [3, 7], generator=numbagrad.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [3, 7] and all(isinstance(p, Subset) for p in parts)
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    assert [len(p) for p in random_split(range(10), [0.33, 0.33, 0.34])] == [4, 3, 3]
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        random_split(ds, [3, 3])


def test_random_split_lengths_match_torch():
    torch = pytest.importorskip("torch")
    for lengths in ([0.33, 0.33, 0.34], [0.5, 0.5], [0.1, 0.2, 0.7], [4, 6]):
        theirs = [len(p) for p in torch.utils.data.random_split(range(10), lengths)]
        assert [len(p) for p in random_split(range(10), lengths)] == theirs


Pair = collections.namedtuple("Pair", "a b")


def _plain(x):
    """A collated batch as Python values, tensors as (dtype name, values)."""
    if hasattr(x, "tolist") and hasattr(x, "dtype") and not isinstance(x, np.ndarray):
        return (str(x.dtype).split(".")[-1], x.tolist())
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return (type(x).__name__, [_plain(v) for v in x])
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [_plain(v) for v in x])
    return x


def _samples(lib):
    return [
        [{"x": lib.tensor([1.0, 2.0]), "y": 3, "name": "a"},
         {"x": lib.tensor([3.0, 4.0]), "y": 4, "name": "b"}],
        [(1.5, np.float32(2.0), True), (2.5, np.float32(3.0), False)],
        [[np.array([1, 2]), "s"], [np.array([3, 4]), "t"]],
        [Pair(1, lib.tensor(2)), Pair(3, lib.tensor(4))],
        [np.int64(5), np.int64(6)],
    ]


def test_default_collate_matches_torch():
    torch = pytest.importorskip("torch")
    ours = [_plain(default_collate(b)) for b in _samples(numbagrad)]
    theirs = [_plain(torch.utils.data.default_collate(b)) for b in _samples(torch)]
    assert ours == theirs


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal "
                       "size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([object(), object()])
