"""numbagrad.utils.data: datasets, samplers, default_collate and the DataLoader."""
import collections
import warnings

import numpy as np
import pytest

import numbagrad as torch
from numbagrad.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset, RandomSampler,
                                  SequentialSampler, Subset, SubsetRandomSampler, TensorDataset,
                                  default_collate, default_convert, random_split)


class Squares(Dataset):
    """A dataset with a custom __getitem__ (the per-sample path of the DataLoader)."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return torch.tensor([float(i), float(i * i)]), i


def _features(n=10):
    return torch.arange(n * 3, dtype=torch.float32).reshape(n, 3), torch.arange(n)


# ---------------------------------------------------------------------------- datasets
def test_tensor_dataset_items_and_length():
    x, y = _features()
    ds = TensorDataset(x, y)
    assert len(ds) == 10
    xi, yi = ds[4]
    assert xi.tolist() == [12.0, 13.0, 14.0] and yi.item() == 4


def test_tensor_dataset_size_mismatch_is_torchs_assertion():
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(torch.zeros(3, 2), torch.zeros(4))


def test_dataset_base_requires_getitem():
    with pytest.raises(NotImplementedError, match="should implement __getitem__"):
        Dataset()[0]


def test_concat_dataset_and_add():
    a, b = TensorDataset(torch.arange(3)), TensorDataset(torch.arange(10, 14))
    both = a + b
    assert isinstance(both, ConcatDataset)
    assert len(both) == 7 and both.cumulative_sizes == [3, 7]
    assert [both[i][0].item() for i in range(7)] == [0, 1, 2, 10, 11, 12, 13]
    assert both[-1][0].item() == 13
    with pytest.raises(ValueError, match="absolute value of index"):
        both[-8]
    with pytest.raises(AssertionError, match="empty iterable"):
        ConcatDataset([])


def test_subset_maps_indices():
    ds = Subset(TensorDataset(torch.arange(10, 20)), [7, 2, 5])
    assert len(ds) == 3
    assert [ds[i][0].item() for i in range(3)] == [17, 12, 15]


def test_random_split_lengths_and_disjointness():
    ds = TensorDataset(torch.arange(10))
    torch.manual_seed(0)
    parts = random_split(ds, [7, 3])
    values = [sorted(p[i][0].item() for i in range(len(p))) for p in parts]
    assert [len(p) for p in parts] == [7, 3]
    assert sorted(values[0] + values[1]) == list(range(10))
    torch.manual_seed(0)
    again = random_split(ds, [7, 3])
    assert again[0].indices == parts[0].indices


def test_random_split_fractions_follow_torchs_rounding():
    # floor(11 * 0.5) = 5, floor(11 * 0.3) = 3, floor(11 * 0.2) = 2; one left over goes to split 0.
    parts = random_split(TensorDataset(torch.arange(11)), [0.5, 0.3, 0.2],
                         generator=torch.Generator().manual_seed(1))
    assert [len(p) for p in parts] == [6, 3, 2]


def test_random_split_errors_and_warning():
    ds = TensorDataset(torch.arange(4))
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(ds, [1, 2])
    with pytest.raises(ValueError, match="Fraction at index 1 is not between 0 and 1"):
        random_split(ds, [0.5, -0.5, 1.0])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split(TensorDataset(torch.arange(2)), [0.9, 0.1])


# ---------------------------------------------------------------------------- samplers
def test_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    g = torch.Generator().manual_seed(3)
    order = list(RandomSampler(range(6), generator=g))
    assert sorted(order) == list(range(6))
    drawn = list(RandomSampler(range(3), replacement=True, num_samples=20))
    assert len(drawn) == 20 and set(drawn) <= {0, 1, 2}
    # More samples than items: whole permutations first, so each index appears twice or more.
    counts = collections.Counter(RandomSampler(range(3), num_samples=7))
    assert sum(counts.values()) == 7 and min(counts.values()) >= 2
    assert sorted(SubsetRandomSampler([4, 8, 9])) == [4, 8, 9]
    assert list(BatchSampler(range(5), 2, drop_last=False)) == [[0, 1], [2, 3], [4]]
    assert list(BatchSampler(range(5), 2, drop_last=True)) == [[0, 1], [2, 3]]
    assert len(BatchSampler(range(5), 2, False)) == 3 and len(BatchSampler(range(5), 2, True)) == 2


def test_sampler_argument_errors():
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        BatchSampler(range(3), 2, 1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        RandomSampler(range(3), replacement=1)


# ---------------------------------------------------------------------------- collate
def test_default_collate_structures():
    Point = collections.namedtuple("Point", "x y")
    batch = [{"img": torch.zeros(2, 2), "label": 1, "w": 0.5, "name": "a", "p": Point(1, 2.0),
              "arr": np.ones(3, np.float64), "n": np.float32(2)},
             {"img": torch.ones(2, 2), "label": 3, "w": 1.5, "name": "b", "p": Point(3, 4.0),
              "arr": np.zeros(3, np.float64), "n": np.float32(5)}]
    out = default_collate(batch)
    assert out["img"].shape == (2, 2, 2) and out["img"][1].sum().item() == 4.0
    assert out["label"].dtype is torch.int64 and out["label"].tolist() == [1, 3]
    assert out["w"].dtype is torch.float64 and out["w"].tolist() == [0.5, 1.5]
    assert out["name"] == ["a", "b"]
    assert isinstance(out["p"], Point) and out["p"].y.tolist() == [2.0, 4.0]
    assert out["arr"].dtype is torch.float64 and out["arr"].shape == (2, 3)
    assert out["n"].dtype is torch.float32 and out["n"].tolist() == [2.0, 5.0]


def test_default_collate_tuples_become_lists_and_bools_stay_bools():
    out = default_collate([(torch.tensor(1.0), True), (torch.tensor(2.0), False)])
    assert isinstance(out, list)
    assert out[0].tolist() == [1.0, 2.0] and out[1].dtype is torch.bool


def test_default_collate_errors():
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([object(), object()])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [3]])


def test_default_convert():
    out = default_convert((np.arange(3), {"a": np.zeros(2)}, "s"))
    assert isinstance(out, list) and out[0].tolist() == [0, 1, 2]
    assert out[1]["a"].shape == (2,) and out[2] == "s"


# ---------------------------------------------------------------------------- loader
def test_loader_length_and_batches():
    x, y = _features(10)
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    assert len(loader) == 3
    batches = list(loader)
    assert [b[0].shape[0] for b in batches] == [4, 4, 2]
    assert batches[2][1].tolist() == [8, 9]
    assert len(DataLoader(TensorDataset(x, y), batch_size=4, drop_last=True)) == 2


def test_fast_path_matches_per_sample_collation():
    x, y = _features(13)
    ds = TensorDataset(x, y)
    fast = list(DataLoader(ds, batch_size=5, shuffle=True, generator=torch.Generator().manual_seed(7)))
    slow = list(DataLoader(ds, batch_size=5, shuffle=True, generator=torch.Generator().manual_seed(7),
                           collate_fn=lambda b: default_collate(b)))
    assert len(fast) == len(slow) == 3
    for (fx, fy), (sx, sy) in zip(fast, slow):
        assert isinstance(fx, torch.Tensor) and fx.dtype is torch.float32 and fy.dtype is torch.int64
        np.testing.assert_array_equal(fx.numpy(), sx.numpy())
        np.testing.assert_array_equal(fy.numpy(), sy.numpy())
    # The batch is a copy: writing into it leaves the data set alone.
    fast[0][0].zero_()
    assert x.sum().item() == float(sum(range(39)))


def test_fast_path_through_subsets_of_random_split():
    x, y = _features(20)
    train, _ = random_split(TensorDataset(x, y), [15, 5], generator=torch.Generator().manual_seed(0))
    seen = torch.cat([yb for _, yb in DataLoader(train, batch_size=4)]).tolist()
    assert seen == [train.indices[i] for i in range(15)]


def test_custom_dataset_goes_through_getitem():
    loader = DataLoader(Squares(5), batch_size=2)
    (values, labels), *_ = loader
    assert values.tolist() == [[0.0, 0.0], [1.0, 1.0]] and labels.tolist() == [0, 1]


def test_shuffle_is_reproducible_with_manual_seed_and_changes_per_epoch():
    ds = TensorDataset(torch.arange(50))

    def epoch(loader):
        return torch.cat([b[0] for b in loader]).tolist()

    torch.manual_seed(123)
    loader = DataLoader(ds, batch_size=8, shuffle=True)
    first, second = epoch(loader), epoch(loader)
    torch.manual_seed(123)
    again = DataLoader(ds, batch_size=8, shuffle=True)
    assert epoch(again) == first and epoch(again) == second
    assert first != second and sorted(first) == list(range(50))
    assert epoch(DataLoader(ds, batch_size=8)) == list(range(50))


def test_batch_size_none_yields_converted_samples():
    loader = DataLoader(Squares(3), batch_size=None)
    assert len(loader) == 3
    value, label = next(iter(loader))
    assert value.tolist() == [0.0, 0.0] and label == 0


def test_batch_sampler_and_custom_sampler():
    ds = TensorDataset(torch.arange(6))
    loader = DataLoader(ds, batch_sampler=[[5, 0], [2]])
    assert [b[0].tolist() for b in loader] == [[5, 0], [2]]
    loader = DataLoader(ds, batch_size=4, sampler=[3, 2, 1, 0, 5])
    assert [b[0].tolist() for b in loader] == [[3, 2, 1, 0], [5]]


def test_loader_argument_errors():
    ds = TensorDataset(torch.arange(6))
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0, 1], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_size=2, batch_sampler=[[0]])
    with pytest.raises(ValueError, match="mutually exclusive with drop_last"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(ds, num_workers=-1)


def test_num_workers_gives_the_same_batches_as_the_main_process():
    loader = DataLoader(TensorDataset(torch.arange(4)), batch_size=2, num_workers=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert [b[0].tolist() for b in loader] == [[0, 1], [2, 3]]
        assert len(list(loader)) == 2


def test_iterator_has_length_and_next():
    it = iter(DataLoader(TensorDataset(torch.arange(5)), batch_size=2))
    assert len(it) == 3
    assert next(it)[0].tolist() == [0, 1]


def test_import_path_matches_torch():
    assert torch.utils.data.DataLoader is DataLoader
    from numbagrad.utils.data import DataLoader as again  # noqa: F401 - torch's import path
    assert again is DataLoader
