"""Datasets, samplers and the ``DataLoader``, under torch's names (``torch.utils.data``).

A ``DataLoader`` asks its batch sampler for lists of indices, fetches those samples from the
dataset and merges them with ``collate_fn`` (by default :func:`default_collate`, which stacks
tensors). Shuffling draws from a :class:`numbagrad.Generator` (the default one unless another
is given) exactly as torch's samplers and loader iterators do, so after the same
``manual_seed`` every epoch's order is the one torch gives.
"""
from __future__ import annotations

import bisect
import collections.abc
import functools
import itertools
import math
import numbers
import warnings
from typing import Any, Callable, Generic, Iterable, Iterator, Sequence, TypeVar

import numpy as np

import numbagrad
from numbagrad.creation import as_tensor, from_numpy, tensor
from numbagrad.dtypes import float64
from numbagrad.random import Generator, draw
from numbagrad.tensor import Tensor
from numbagrad.utils._worker import MultiProcessingIter, WorkerInfo, get_worker_info

T_co = TypeVar("T_co", covariant=True)
_INT64 = np.dtype(np.int64)

__all__ = ["BatchSampler", "ConcatDataset", "DataLoader", "Dataset", "RandomSampler", "Sampler",
           "SequentialSampler", "Subset", "SubsetRandomSampler", "TensorDataset",
           "WeightedRandomSampler", "WorkerInfo", "default_collate", "default_convert",
           "get_worker_info", "random_split"]


# ---------------------------------------------------------------------------- datasets
class Dataset(Generic[T_co]):
    """A map-style data set: subclasses define ``__getitem__`` (and usually ``__len__``).

    ``a + b`` concatenates two data sets into a :class:`ConcatDataset`.

    Examples
    --------
    >>> class Squares(Dataset):
    ...     def __len__(self):
    ...         return 4
    ...     def __getitem__(self, i):
    ...         return i * i
    >>> len(Squares() + Squares())
    8
    """

    def __getitem__(self, index) -> T_co:
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Samples ``(t[i] for t in tensors)``: each tensor's first dimension indexes the samples.

    Parameters
    ----------
    *tensors : Tensor
        Tensors with the same size in dimension 0 (features, labels, ...).

    Raises
    ------
    AssertionError
        If the first dimensions differ (torch's exception and message, raised explicitly).

    Examples
    --------
    >>> import numbagrad as torch
    >>> ds = TensorDataset(torch.zeros(5, 3), torch.arange(5))
    >>> len(ds)
    5
    """

    def __init__(self, *tensors: Tensor) -> None:
        for t in tensors:
            if not isinstance(t, Tensor):
                raise TypeError(f"TensorDataset: expected Tensors, got {type(t).__name__}")
        sizes = [t.size(0) for t in tensors]
        if any(s != sizes[0] for s in sizes):
            raise AssertionError(f"Size mismatch between tensors (first dimensions: {sizes})")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].size(0) if self.tensors else 0


class ConcatDataset(Dataset):
    """The samples of several data sets, one after the other.

    Parameters
    ----------
    datasets : iterable of Dataset
        At least one data set, each with ``__len__``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> a = TensorDataset(torch.zeros(2)); b = TensorDataset(torch.ones(3))
    >>> ConcatDataset([a, b]).cumulative_sizes
    [2, 5]
    """

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise AssertionError("datasets should not be an empty iterable")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int):
        if index < 0:
            if -index > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            index = len(self) + index
        which = bisect.bisect_right(self.cumulative_sizes, index)
        if which == len(self.datasets):
            raise IndexError(f"index {index} is out of range for a dataset of length {len(self)}")
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][index - start]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    Parameters
    ----------
    dataset : Dataset
        The full data set.
    indices : sequence of int
        Positions in ``dataset``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> Subset(TensorDataset(torch.arange(5)), [4, 0])[0]
    (tensor(4),)
    """

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __getitems__(self, indices: list[int]) -> list:
        """The samples at ``indices`` (a DataLoader fetches a batch through this)."""
        inner = [self.indices[i] for i in indices]
        getitems = getattr(self.dataset, "__getitems__", None)
        if callable(getitems):
            return getitems(inner)
        return [self.dataset[i] for i in inner]

    def __len__(self) -> int:
        return len(self.indices)


def random_split(dataset: Dataset, lengths: Sequence[int | float],
                 generator: Generator | None = None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets of the given lengths.

    Parameters
    ----------
    dataset : Dataset
        The data set to split.
    lengths : sequence of int or float
        The subsets' lengths, summing to ``len(dataset)``; or fractions summing to 1, each
        turned into ``floor(len(dataset) * fraction)`` with the remainder handed out one by one
        from the first subset on (torch's rule).
    generator : Generator, optional
        The source of the permutation (the default generator when None).

    Returns
    -------
    list of Subset

    Raises
    ------
    ValueError
        If a fraction is outside [0, 1] or the lengths do not add up to ``len(dataset)``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> train, test = random_split(TensorDataset(torch.arange(10)), [0.8, 0.2])
    >>> len(train), len(test)
    (8, 2)
    """
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = []
        for i, fraction in enumerate(lengths):
            if fraction < 0 or fraction > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            counts.append(int(math.floor(len(dataset) * fraction)))
        for i in range(len(dataset) - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
        for i, length in enumerate(lengths):
            if length == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty "
                              "dataset.", stacklevel=2)
    if sum(lengths) != len(dataset):
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    order = draw.randperm(draw.resolve(generator), sum(lengths), _INT64).tolist()
    return [Subset(dataset, order[end - length:end])
            for end, length in zip(itertools.accumulate(lengths), lengths)]


# ---------------------------------------------------------------------------- samplers
class Sampler(Generic[T_co]):
    """Base class of samplers: an iterable of dataset indices (or of lists of them)."""

    def __init__(self, data_source=None) -> None:
        pass

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError


class SequentialSampler(Sampler):
    """The indices ``0, 1, ..., len(data_source) - 1`` in order.

    Examples
    --------
    >>> list(SequentialSampler(range(3)))
    [0, 1, 2]
    """

    def __init__(self, data_source) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """Random indices: a fresh permutation per epoch, or draws with replacement.

    Parameters
    ----------
    data_source : Dataset
        Anything with ``__len__``.
    replacement : bool
        Draw ``num_samples`` indices independently instead of permuting.
    num_samples : int, optional
        How many indices per epoch (default ``len(data_source)``).
    generator : Generator, optional
        The source of randomness (the default generator, seeded by ``manual_seed``, when None).

    Examples
    --------
    >>> import numbagrad as torch
    >>> sorted(RandomSampler(range(4), generator=torch.Generator().manual_seed(0)))
    [0, 1, 2, 3]
    """

    def __init__(self, data_source, replacement: bool = False, num_samples: int | None = None,
                 generator: Generator | None = None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError("num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        """Indices per epoch."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        # torch's generator function, draw for draw: without a generator, a seed from the
        # default one (when the first index is asked for) starts a private stream.
        n = len(self.data_source)
        if self.generator is None:
            seed = int(draw.random_full(draw.resolve(None), (), _INT64))
            source = Generator().manual_seed(seed)
        else:
            source = draw.resolve(self.generator)
        if self.replacement:
            for _ in range(self.num_samples // 32):
                yield from draw.random_range(source, (32,), _INT64, 0, n).tolist()
            if self.num_samples % 32:
                yield from draw.random_range(source, (self.num_samples % 32,), _INT64, 0,
                                             n).tolist()
            return
        if n == 0:
            return
        for _ in range(self.num_samples // n):
            yield from draw.randperm(source, n, _INT64).tolist()
        # torch draws this last permutation even when none of it is used.
        yield from draw.randperm(source, n, _INT64).tolist()[:self.num_samples % n]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order each epoch.

    Examples
    --------
    >>> sorted(SubsetRandomSampler([5, 7]))
    [5, 7]
    """

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        for i in draw.randperm(draw.resolve(self.generator), len(self.indices),
                               _INT64).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """Indices ``0 .. len(weights) - 1`` drawn with probabilities proportional to ``weights``.

    Parameters
    ----------
    weights : sequence of float or Tensor
        One non-negative weight per index (need not sum to one).
    num_samples : int
        Indices per epoch.
    replacement : bool
        Draw with replacement (default); without it each index comes at most once.
    generator : Generator, optional
        The source of randomness (the default generator when None).

    Raises
    ------
    ValueError
        For a ``num_samples`` that is not a positive int, a non-bool ``replacement`` or weights
        that are not 1-D (torch's messages).

    Examples
    --------
    >>> import numbagrad as torch
    >>> s = WeightedRandomSampler([0.0, 1.0, 0.0], 3, generator=torch.Generator().manual_seed(0))
    >>> list(s)
    [1, 1, 1]
    """

    def __init__(self, weights, num_samples: int, replacement: bool = True,
                 generator: Generator | None = None) -> None:
        if (not isinstance(num_samples, int) or isinstance(num_samples, bool)
                or num_samples <= 0):
            raise ValueError("num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError("replacement should be a boolean value, but got "
                             f"replacement={replacement}")
        values = (weights.detach().cpu().numpy() if isinstance(weights, Tensor)
                  else np.asarray(weights))
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 1:
            raise ValueError("weights should be a 1d sequence but given weights have shape "
                             f"{tuple(values.shape)}")
        self.weights = as_tensor(values, dtype=float64)
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        # A generator function, as torch's: nothing is drawn (or checked) before the first
        # index is asked for.
        w = self.weights.numpy()
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise RuntimeError("invalid multinomial distribution (encountering probability "
                               "entry < 0)" if np.any(w < 0) else
                               "probability tensor contains either `inf`, `nan` or element < 0")
        if w.sum() <= 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        if not self.replacement and self.num_samples > w.size:
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                               "replacement")
        rows = draw.multinomial(draw.resolve(self.generator), w.reshape(1, -1),
                                self.num_samples, self.replacement)
        yield from rows[0].tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of ``batch_size`` indices taken in turn from ``sampler``.

    Parameters
    ----------
    sampler : iterable of int
        The order of the indices.
    batch_size : int
        Indices per batch.
    drop_last : bool
        Drop the last batch when it is shorter than ``batch_size``.

    Examples
    --------
    >>> list(BatchSampler(SequentialSampler(range(5)), 2, drop_last=False))
    [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError("batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size


# ---------------------------------------------------------------------------- collation
_COLLATE_ERROR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
                  "lists; found {}")


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(x, "_fields")


def default_collate(batch: list):
    """Merge a list of samples into a batch, field by field, as torch's ``default_collate``.

    Tensors are stacked along a new dimension 0; NumPy arrays become tensors and are stacked;
    Python floats become a float64 tensor, ints an int64 tensor, bools a bool tensor; strings
    stay a list. Dicts are collated per key, namedtuples per field, and tuples and lists per
    position (tuples give lists, as in torch).

    Parameters
    ----------
    batch : list or tuple
        The samples, all of the same structure.

    Returns
    -------
    The batch, with the samples' structure.

    Raises
    ------
    TypeError
        For samples of another type (a PIL image, an object array, ...).
    RuntimeError
        If sequences in the batch have different lengths, or tensors different shapes.

    Examples
    --------
    >>> import numbagrad as torch
    >>> default_collate([(torch.zeros(2), 1), (torch.ones(2), 0)])[1]
    tensor([1, 0])
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return numbagrad.stack(list(batch), 0)
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "OSUV":
            raise TypeError(_COLLATE_ERROR.format(elem.dtype))
        return default_collate([as_tensor(b) for b in batch])
    if isinstance(elem, np.generic) and not isinstance(elem, (np.str_, np.bytes_)):
        return from_numpy(np.array(batch))
    if isinstance(elem, float):
        return tensor(batch, dtype=float64)
    if isinstance(elem, numbers.Integral):
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return type(elem)(collated)
        except TypeError:
            return collated
    if _is_namedtuple(elem):
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = [default_collate(s) for s in zip(*batch)]  # strings stay tuples, as torch
        if isinstance(elem, tuple):
            return fields
        try:
            return type(elem)(fields)
        except TypeError:
            return fields
    raise TypeError(_COLLATE_ERROR.format(type(elem)))


def default_convert(data):
    """Turn NumPy arrays (also inside dicts, lists and tuples) into tensors; the collate
    function of a ``DataLoader`` with ``batch_size=None``.

    Examples
    --------
    >>> default_convert({"x": np.zeros(2)})["x"].shape
    numbagrad.Size([2])
    """
    if isinstance(data, np.ndarray) and data.dtype.kind not in "OSUV":
        return as_tensor(data)
    if isinstance(data, np.generic) and not isinstance(data, (np.str_, np.bytes_)):
        return from_numpy(np.array(data))
    if isinstance(data, collections.abc.Mapping):
        return {key: default_convert(value) for key, value in data.items()}
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return [default_convert(d) for d in data]
    return data


# ---------------------------------------------------------------------------- loader

def _tensor_source(dataset):
    """``(tensors, index_maps)`` when ``dataset`` is a TensorDataset, possibly inside Subsets,
    with the stock ``__getitem__``; None otherwise (the dataset may transform its samples)."""
    maps = []
    while (isinstance(dataset, Subset) and type(dataset).__getitem__ is Subset.__getitem__
           and type(dataset).__getitems__ is Subset.__getitems__):
        maps.append(dataset.indices)
        dataset = dataset.dataset
    if isinstance(dataset, TensorDataset) and type(dataset).__getitem__ is TensorDataset.__getitem__:
        return dataset.tensors, maps
    return None


class DataLoader:
    """Batches of samples from a data set, in order or shuffled.

    Parameters
    ----------
    dataset : Dataset
        A map-style data set (``__getitem__`` and ``__len__``).
    batch_size : int or None
        Samples per batch (default 1); None yields single samples, not collated.
    shuffle : bool
        A new random order every epoch (a :class:`RandomSampler`).
    sampler : Sampler, optional
        The order of the indices; exclusive with ``shuffle``.
    batch_sampler : Sampler, optional
        Yields whole lists of indices; exclusive with ``batch_size``, ``shuffle``, ``sampler`` and
        ``drop_last``.
    num_workers : int
        With ``num_workers > 0``, batches are fetched and collated by that many worker processes
        (``multiprocessing``; see :mod:`numbagrad.utils._worker`) and yielded in order.
    collate_fn : callable, optional
        Merges a list of samples into a batch (default :func:`default_collate`).
    pin_memory : bool
        Accepted for compatibility; no effect.
    drop_last : bool
        Drop the last, shorter batch.
    generator : Generator, optional
        Source of the shuffling (the default generator, seeded by ``manual_seed``, when None),
        and of the workers' base seed.
    timeout : float
        Seconds to wait for a worker's batch before a RuntimeError (0: no limit).
    worker_init_fn : callable, optional
        Called with the worker's id in each worker process, after seeding.
    multiprocessing_context : str or context, optional
        How workers start: ``"fork"`` (the default where available) or ``"spawn"``.
    prefetch_factor : int, optional
        Batches in flight per worker (default 2).
    persistent_workers : bool
        Keep the worker processes between epochs.

    Notes
    -----
    ``len(loader)`` is the number of batches. When the data set is a :class:`TensorDataset`
    (or a :class:`Subset` of one) and ``collate_fn`` is the default, each batch is taken with one
    index operation per tensor instead of stacking single samples; the result is the same.

    Examples
    --------
    >>> import numbagrad as torch
    >>> ds = TensorDataset(torch.randn(10, 3), torch.arange(10))
    >>> loader = DataLoader(ds, batch_size=4, shuffle=True)
    >>> len(loader), [x.shape[0] for x, y in loader]
    (3, [4, 4, 2])
    """

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | Iterable | None = None,
                 batch_sampler: Sampler | Iterable | None = None, num_workers: int = 0,
                 collate_fn: Callable[[list], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable[[int], None] | None = None,
                 multiprocessing_context=None, generator: Generator | None = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True) -> None:
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                             "let num_workers > 0 to enable multiprocessing, otherwise set "
                             "prefetch_factor to None.")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if multiprocessing_context is not None and num_workers == 0:
            raise ValueError("multiprocessing_context can only be used with multi-process "
                             "loading (num_workers > 0), but got num_workers=0")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is None:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.generator = generator
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order
        self._iterator = None
        if collate_fn is None:
            collate_fn = default_collate if batch_sampler is not None else default_convert
        self.collate_fn = collate_fn

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self) -> int:
        return len(self._index_sampler)

    def __iter__(self):
        if self.num_workers == 0:
            return _DataLoaderIter(self)
        if (self.persistent_workers and self._iterator is not None
                and not self._iterator._shutdown):
            self._iterator._reset()
            return self._iterator
        fetch = functools.partial(_fetch, self._auto_collation, self.collate_fn)
        iterator = MultiProcessingIter(self, fetch)
        if self.persistent_workers:
            self._iterator = iterator
        return iterator


class _DataLoaderIter:
    """One epoch over a DataLoader: fetches and collates one batch per ``next``."""

    def __init__(self, loader: DataLoader) -> None:
        self._loader = loader
        self._indices = iter(loader._index_sampler)
        # Unused without workers, but drawn as torch draws it: one int64 per epoch, from the
        # loader's generator, before the sampler's first draw.
        self._base_seed = int(draw.random_full(draw.resolve(loader.generator), (), _INT64))
        self._length = len(loader)
        source = None
        if loader._auto_collation and loader.collate_fn is default_collate:
            source = _tensor_source(loader.dataset)
        self._source = source

    def __iter__(self) -> _DataLoaderIter:
        return self

    def __len__(self) -> int:
        return self._length

    def __next__(self):
        indices = next(self._indices)
        loader = self._loader
        if self._source is not None:
            return _take(self._source, indices)
        return _fetch(loader._auto_collation, loader.collate_fn, loader.dataset, indices)


def _take(source, indices: list[int]) -> list[Tensor]:
    """The batch at ``indices`` of a TensorDataset (in Subsets): one index per tensor."""
    tensors, maps = source
    positions = np.asarray(indices, dtype=np.int64)
    for mapping in maps:
        positions = np.asarray(mapping, dtype=np.int64)[positions]
    index = from_numpy(positions)
    return [t[index if t.device == index.device else index.to(t.device)] for t in tensors]


def _fetch(auto_collation: bool, collate_fn, dataset, indices):
    """One batch (or, without auto-collation, one sample) of ``dataset``, collated."""
    if not auto_collation:
        return collate_fn(dataset[indices])
    if collate_fn is default_collate:
        source = _tensor_source(dataset)
        if source is not None:
            return _take(source, indices)
    getitems = getattr(dataset, "__getitems__", None)
    samples = getitems(indices) if callable(getitems) else [dataset[i] for i in indices]
    return collate_fn(samples)
