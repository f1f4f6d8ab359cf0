"""The worker processes of a ``DataLoader`` with ``num_workers > 0``.

Each worker takes ``(task, indices)`` from its own index queue, fetches and collates that batch
exactly as the main process would, and puts ``(task, batch)`` on the shared result queue; the
main process hands tasks out round-robin, keeps ``prefetch_factor`` of them in flight per worker
and yields the batches in the sampler's order.

Processes start with ``fork`` where the platform has it (torch's default on Linux: the data set
and ``collate_fn`` need not be picklable), else ``spawn``. Under ``fork``, a worker must not run
numbagrad's parallel CPU kernels once the parent has used GNU OpenMP (libgomp refuses to run in
a forked child): indexing, stacking and element-wise transforms are fine; otherwise pass
``multiprocessing_context="spawn"``.
"""
from __future__ import annotations

import multiprocessing
import os
import queue
import random
import sys
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np

_worker_info = None

# How often (seconds) a waiting main process checks that its workers are alive.
_POLL = 5.0


@dataclass(frozen=True)
class WorkerInfo:
    """What :func:`get_worker_info` returns inside a worker process."""

    id: int
    num_workers: int
    seed: int
    dataset: Any

    def __repr__(self) -> str:
        return (f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed}, "
                f"dataset={self.dataset!r})")


def get_worker_info() -> WorkerInfo | None:
    """Inside a DataLoader worker: its ``id``, ``num_workers``, ``seed`` and its copy of the
    ``dataset``; None in the main process.

    Examples
    --------
    >>> from numbagrad.utils.data import get_worker_info
    >>> get_worker_info() is None
    True
    """
    return _worker_info


class _ExceptionWrapper:
    """An exception raised in a worker, sent back as its class and formatted traceback."""

    def __init__(self, exc: BaseException, where: str) -> None:
        self.exc_type = type(exc)
        self.message = f"Caught {type(exc).__name__} {where}.\nOriginal " + "".join(
            traceback.format_exception(type(exc), exc, exc.__traceback__))

    def reraise(self):
        try:
            error = self.exc_type(self.message)
        except Exception:  # noqa: BLE001 - exception classes with other signatures
            error = RuntimeError(self.message)
        raise error


def _numpy_seed(base_seed: int, worker_id: int) -> list[int]:
    """torch's ``_generate_state``: NumPy's global seed of a worker, four 32-bit words hashed
    from the base seed and the worker id as NumPy's ``SeedSequence`` hashes its entropy."""
    mask = 0xFFFFFFFF
    hash_const = 0x43B0D7E5

    def hash32(value: int) -> int:
        nonlocal hash_const
        value = (value ^ hash_const) & mask
        hash_const = (hash_const * 0x931E8875) & mask
        value = (value * hash_const) & mask
        return (value ^ (value >> 16)) & mask

    def mix(x: int, y: int) -> int:
        result = ((0xCA01F9DD * x) - (0x4973F715 * y)) & mask
        return (result ^ (result >> 16)) & mask

    pool = [hash32(v) for v in (worker_id, base_seed & mask, base_seed >> 32, 0)]
    for i_src in range(4):
        for i_dst in range(4):
            if i_src != i_dst:
                pool[i_dst] = mix(pool[i_dst], hash32(pool[i_src]))
    out_const = 0x8B51F9DD
    state = []
    for value in pool:
        value = (value ^ out_const) & mask
        out_const = (out_const * 0x58F38DED) & mask
        value = (value * out_const) & mask
        state.append((value ^ (value >> 16)) & mask)
    return state


def _worker_loop(fetch, dataset, index_queue, result_queue, worker_id: int, num_workers: int,
                 seed: int, init_fn) -> None:
    global _worker_info
    import numbagrad

    random.seed(seed)
    numbagrad.manual_seed(seed)
    np.random.seed(_numpy_seed(seed - worker_id, worker_id))
    _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
    init_error = None
    if init_fn is not None:
        try:
            init_fn(worker_id)
        except Exception as exc:  # noqa: BLE001 - sent to the main process
            init_error = _ExceptionWrapper(exc, f"in DataLoader worker process {worker_id}")
    while True:
        try:
            task = index_queue.get()
        except KeyboardInterrupt:
            continue
        if task is None:
            break
        number, indices = task
        if init_error is not None:
            result_queue.put((number, init_error))
            continue
        try:
            batch = fetch(dataset, indices)
        except Exception as exc:  # noqa: BLE001 - sent to the main process
            batch = _ExceptionWrapper(exc, f"in DataLoader worker process {worker_id}")
        result_queue.put((number, batch))
        del batch
    result_queue.cancel_join_thread()


def _context(value):
    if value is None:
        methods = multiprocessing.get_all_start_methods()
        return multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    if isinstance(value, str):
        return multiprocessing.get_context(value)
    return value


class MultiProcessingIter:
    """One epoch (or, with ``persistent_workers``, every epoch) over worker processes."""

    def __init__(self, loader, fetch) -> None:
        from numbagrad.random import draw

        self._loader = loader
        self._fetch = fetch
        self._num_workers = loader.num_workers
        self._prefetch = loader.prefetch_factor if loader.prefetch_factor is not None else 2
        self._timeout = loader.timeout
        self._in_order = getattr(loader, "in_order", True)
        ctx = _context(loader.multiprocessing_context)
        # torch's base seed: one int64 from the loader's generator, before the sampler's draws.
        base_seed = int(draw.random_full(draw.resolve(loader.generator), (),
                                         np.dtype(np.int64)))
        self._result_queue = ctx.Queue()
        self._index_queues = []
        self._workers = []
        for worker_id in range(self._num_workers):
            index_queue = ctx.Queue()
            index_queue.cancel_join_thread()
            worker = ctx.Process(
                target=_worker_loop,
                args=(fetch, loader.dataset, index_queue, self._result_queue, worker_id,
                      self._num_workers, base_seed + worker_id, loader.worker_init_fn),
                daemon=True)
            worker.start()
            self._index_queues.append(index_queue)
            self._workers.append(worker)
        self._shutdown = False
        self._pid = os.getpid()
        self._epoch = 0
        self._reset()

    def _reset(self) -> None:
        """Start an epoch (again, with persistent workers); results of an earlier, unfinished
        epoch are dropped when they arrive."""
        self._epoch += 1
        self._indices = iter(self._loader._index_sampler)
        self._length = len(self._loader)
        self._sent = 0
        self._next = 0
        self._done: dict = {}
        self._exhausted = False
        for _ in range(self._prefetch * self._num_workers):
            self._put()

    def _put(self) -> None:
        if self._exhausted:
            return
        try:
            indices = next(self._indices)
        except StopIteration:
            self._exhausted = True
            return
        self._index_queues[self._sent % self._num_workers].put(((self._epoch, self._sent),
                                                                indices))
        self._sent += 1

    def __iter__(self):
        return self

    def __len__(self) -> int:
        return self._length

    def _get(self):
        waited = 0.0
        while True:
            wait = _POLL if not self._timeout else min(_POLL, self._timeout - waited)
            try:
                (epoch, number), batch = self._result_queue.get(timeout=wait)
            except queue.Empty:
                waited += wait
                dead = [w.pid for w in self._workers if not w.is_alive()]
                if dead:
                    self._close()
                    raise RuntimeError(f"DataLoader worker (pid(s) {', '.join(map(str, dead))}) "
                                       "exited unexpectedly") from None
                if self._timeout and waited >= self._timeout:
                    self._close()
                    raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
                continue
            if epoch == self._epoch:
                return number, batch

    def __next__(self):
        if self._shutdown:
            raise StopIteration
        if self._next == self._sent:
            if not self._loader.persistent_workers:
                self._close()
            raise StopIteration
        if self._in_order:
            while self._next not in self._done:
                number, batch = self._get()
                self._done[number] = batch
            batch = self._done.pop(self._next)
        else:
            _, batch = self._get()
        self._next += 1
        self._put()
        if isinstance(batch, _ExceptionWrapper):
            self._close()
            batch.reraise()
        return batch

    def _close(self) -> None:
        if self._shutdown or os.getpid() != self._pid:  # a forked copy owns no workers
            return
        self._shutdown = True
        for index_queue in self._index_queues:
            try:
                index_queue.put(None)
            except (OSError, ValueError):
                pass
        for worker in self._workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.terminate()
        for q in (*self._index_queues, self._result_queue):
            q.cancel_join_thread()
            q.close()

    def __del__(self) -> None:
        if not sys.is_finalizing():
            self._close()
