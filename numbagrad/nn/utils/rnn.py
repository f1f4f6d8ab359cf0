"""Variable-length sequences for the recurrent layers, as torch's ``nn.utils.rnn``.

A :class:`PackedSequence` holds a batch of sequences of different lengths, time-major with the
padding left out: ``data`` stacks, for each time step ``t``, the ``batch_sizes[t]`` sequences
still running at ``t`` (longest first). ``sorted_indices`` maps that longest-first order back
to the caller's batch, ``unsorted_indices`` is its inverse.

Everything here is written with tensor operations (``index_select``, ``cat``), so gradients
flow through packing and unpacking on every device. Lengths and batch sizes are host data:
``int64`` CPU tensors, as torch keeps them.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

import numbagrad
from numbagrad.tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence",
           "pad_packed_sequence", "pad_sequence", "unpad_sequence", "pack_sequence",
           "unpack_sequence"]

_PackedSequenceBase = namedtuple("PackedSequence_",
                                 ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of a permutation given as an index tensor (``None`` stays ``None``).

    Examples
    --------
    >>> import numbagrad as torch
    >>> from numbagrad.nn.utils.rnn import invert_permutation
    >>> invert_permutation(torch.tensor([2, 0, 1])).tolist()
    [1, 2, 0]
    """
    if permutation is None:
        return None
    perm = np.asarray(permutation.detach().cpu()).astype(np.int64)
    inverse = np.empty_like(perm)
    inverse[perm] = np.arange(perm.size, dtype=np.int64)
    return numbagrad.tensor(inverse, device=permutation.device)


class PackedSequence(_PackedSequenceBase):
    """A batch of variable-length sequences, packed; made by :func:`pack_padded_sequence` or
    :func:`pack_sequence` and accepted by ``nn.RNN``, ``nn.LSTM`` and ``nn.GRU``.

    Attributes
    ----------
    data : Tensor
        ``(sum(lengths), *)``: step 0 of every sequence, then step 1 of those still running...
    batch_sizes : Tensor
        ``int64`` on the CPU: how many sequences run at each time step.
    sorted_indices, unsorted_indices : Tensor or None
        The permutation from the caller's batch order to longest-first and back; ``None`` when
        the batch was already sorted.
    """

    def __new__(cls, data: Tensor, batch_sizes: Tensor | None = None,
                sorted_indices: Tensor | None = None,
                unsorted_indices: Tensor | None = None) -> "PackedSequence":
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is not None:
            if batch_sizes.device.type != "cpu":
                raise ValueError(
                    "batch_sizes should always be on CPU. Instances of PackedSequence should "
                    "never be created manually. They should be instantiated by functions like "
                    "pack_sequence and pack_padded_sequences in nn.utils.rnn. "
                    "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence")
            return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)
        if not isinstance(data, (list, tuple)) or len(data) != 2:
            raise TypeError("PackedSequence(): expected data and batch_sizes, or a (data, "
                            "batch_sizes) pair")
        return super().__new__(cls, data[0], data[1], sorted_indices, unsorted_indices)

    def _with_data(self, data: Tensor) -> "PackedSequence":
        if data is self.data:
            return self
        device = data.device
        index = [None if i is None else i.to(device) for i in
                 (self.sorted_indices, self.unsorted_indices)]
        return type(self)(data, self.batch_sizes, *index)

    def to(self, *args, **kwargs) -> "PackedSequence":
        """``data`` (and the permutations) moved or cast as ``Tensor.to``; ``batch_sizes``
        stays on the CPU."""
        return self._with_data(self.data.to(*args, **kwargs))

    def cuda(self, *args, **kwargs) -> "PackedSequence":
        return self._with_data(self.data.cuda(*args, **kwargs))

    def cpu(self, *args, **kwargs) -> "PackedSequence":
        return self._with_data(self.data.cpu(*args, **kwargs))

    def double(self) -> "PackedSequence":
        return self.to(dtype=numbagrad.float64)

    def float(self) -> "PackedSequence":
        return self.to(dtype=numbagrad.float32)

    @property
    def is_cuda(self) -> bool:
        """Whether ``data`` is on a CUDA device."""
        return self.data.device.type == "cuda"


def _lengths(lengths) -> np.ndarray:
    if isinstance(lengths, Tensor):
        return np.asarray(lengths.detach().cpu()).astype(np.int64).reshape(-1)
    return np.asarray(list(lengths), dtype=np.int64).reshape(-1)


def _batch_sizes(lengths: np.ndarray) -> np.ndarray:
    """How many of the (decreasing) ``lengths`` exceed each time step."""
    return np.array([(lengths > t).sum() for t in range(int(lengths[0]))], dtype=np.int64)


def _pack_index(batch_sizes: np.ndarray, batch: int) -> np.ndarray:
    """Rows of a time-major ``(T * batch, *)`` view that make up the packed data."""
    return np.concatenate([t * batch + np.arange(b, dtype=np.int64)
                           for t, b in enumerate(batch_sizes)])


def _pack_rows(padded: Tensor, batch_sizes: np.ndarray) -> Tensor:
    """The packed ``data`` of a time-major, longest-first ``(T, N, *)`` tensor."""
    steps, batch = padded.shape[0], padded.shape[1]
    flat = padded.reshape((steps * batch,) + tuple(padded.shape[2:]))
    index = numbagrad.tensor(_pack_index(batch_sizes, batch), device=padded.device)
    return flat.index_select(0, index)


def _unpack_rows(data: Tensor, batch_sizes: np.ndarray, steps: int,
                 padding_value: float = 0.0) -> Tensor:
    """The time-major ``(steps, N, *)`` tensor of packed ``data``, padded with
    ``padding_value`` (the inverse of :func:`_pack_rows`)."""
    batch = int(batch_sizes[0])
    tail = tuple(data.shape[1:])
    pad = numbagrad.full((1,) + tail, padding_value, dtype=data.dtype, device=data.device)
    extended = numbagrad.cat([data, pad], 0)
    index = np.full(steps * batch, data.shape[0], dtype=np.int64)
    index[_pack_index(batch_sizes, batch)] = np.arange(data.shape[0], dtype=np.int64)
    rows = extended.index_select(0, numbagrad.tensor(index, device=data.device))
    return rows.reshape((steps, batch) + tail)


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch of variable-length sequences.

    Parameters
    ----------
    input : Tensor
        ``(T, B, *)``, or ``(B, T, *)`` if ``batch_first``.
    lengths : Tensor or list of int
        Each sequence's length, all in ``1..T``.
    batch_first : bool
        Layout of ``input``.
    enforce_sorted : bool
        Require ``lengths`` in decreasing order; otherwise the batch is sorted here and the
        permutation kept in the result.

    Returns
    -------
    PackedSequence

    Raises
    ------
    RuntimeError
        For unsorted lengths with ``enforce_sorted``, a length below 1 or above ``T``, or as
        many lengths as sequences.

    Examples
    --------
    >>> import numbagrad as torch
    >>> from numbagrad.nn.utils.rnn import pack_padded_sequence
    >>> pack_padded_sequence(torch.ones(3, 2, 1), [3, 1]).batch_sizes.tolist()
    [2, 1, 1]
    """
    lengths = _lengths(lengths)
    sorted_indices = None
    if not enforce_sorted:
        order = np.argsort(-lengths, kind="stable")
        lengths = lengths[order]
        sorted_indices = numbagrad.tensor(order.astype(np.int64), device=input.device)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    if batch_first:
        input = input.transpose(0, 1)
    steps, batch = input.shape[0], input.shape[1]
    if lengths.size != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lengths.size} (batch_size={batch})")
    if lengths.size and lengths.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if np.any(np.diff(lengths) > 0):
        raise RuntimeError(
            "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
            "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
            "sidestep this requirement if you do not need ONNX exportability.")
    if lengths.size and lengths[0] > steps:
        raise RuntimeError(f"pack_padded_sequence: a length of {int(lengths[0])} exceeds the "
                           f"padded sequence length {steps}")
    batch_sizes = _batch_sizes(lengths)
    data = _pack_rows(input, batch_sizes)
    return PackedSequence(data, numbagrad.tensor(batch_sizes), sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """Unpack a :class:`PackedSequence` to a padded batch, in the caller's batch order.

    Parameters
    ----------
    sequence : PackedSequence
    batch_first : bool
        Return ``(B, T, *)`` instead of ``(T, B, *)``.
    padding_value : float
        Value of the padded elements.
    total_length : int, optional
        Pad to this many time steps (at least the longest sequence).

    Returns
    -------
    (padded, lengths) : tuple of Tensor
        The padded batch and each sequence's length (``int64``, on the CPU).

    Raises
    ------
    ValueError
        For a ``total_length`` shorter than the longest sequence.

    Examples
    --------
    >>> import numbagrad as torch
    >>> from numbagrad.nn.utils.rnn import pack_sequence, pad_packed_sequence
    >>> padded, lengths = pad_packed_sequence(pack_sequence([torch.ones(2), torch.ones(1)]))
    >>> padded.tolist(), lengths.tolist()
    ([[1.0, 1.0], [1.0, 0.0]], [2, 1])
    """
    batch_sizes = _lengths(sequence.batch_sizes)
    max_length = batch_sizes.size
    if total_length is not None:
        if total_length < max_length:
            raise ValueError("Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {max_length}")
        max_length = total_length
    padded = _unpack_rows(sequence.data, batch_sizes, max_length, padding_value)
    lengths = np.array([(batch_sizes > b).sum() for b in range(int(batch_sizes[0]))],
                       dtype=np.int64)
    unsorted = sequence.unsorted_indices
    if unsorted is not None:
        padded = padded.index_select(1, unsorted.to(padded.device))
        lengths = lengths[np.asarray(unsorted.detach().cpu()).astype(np.int64)]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, numbagrad.tensor(lengths)


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack tensors of different lengths ``(L_i, *)`` into one padded batch.

    Parameters
    ----------
    sequences : list of Tensor
        Each ``(L_i, *)``, the trailing dimensions equal.
    batch_first : bool
        Return ``(B, T, *)`` instead of ``(T, B, *)``, ``T = max L_i``.
    padding_value : float
        Value of the padded elements.
    padding_side : {'right', 'left'}
        Where the padding goes.

    Returns
    -------
    Tensor

    Raises
    ------
    RuntimeError
        For an empty list, trailing dimensions that differ, or another ``padding_side``.

    Examples
    --------
    >>> import numbagrad as torch
    >>> from numbagrad.nn.utils.rnn import pad_sequence
    >>> pad_sequence([torch.ones(1), torch.ones(2)], batch_first=True).tolist()
    [[1.0, 0.0], [1.0, 1.0]]
    """
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    tail = tuple(sequences[0].shape[1:])
    for s in sequences:
        if tuple(s.shape[1:]) != tail:
            raise RuntimeError(f"pad_sequence: every sequence must have the trailing shape "
                               f"{list(tail)}, got {list(s.shape)}")
    steps = max(s.shape[0] for s in sequences)
    columns = []
    for s in sequences:
        missing = steps - s.shape[0]
        if missing:
            pad = numbagrad.full((missing,) + tail, padding_value, dtype=s.dtype,
                                 device=s.device)
            s = numbagrad.cat([s, pad] if padding_side == "right" else [pad, s], 0)
        columns.append(s)
    return numbagrad.stack(columns, 0 if batch_first else 1)


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> list:
    """The list of sequences inside a (right-)padded batch, the inverse of
    :func:`pad_sequence`.

    Examples
    --------
    >>> import numbagrad as torch
    >>> from numbagrad.nn.utils.rnn import unpad_sequence
    >>> [s.tolist() for s in unpad_sequence(torch.ones(2, 2), torch.tensor([2, 1]))]
    [[1.0, 1.0], [1.0]]
    """
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[b, :int(n)] for b, n in enumerate(_lengths(lengths))]


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences ``(L_i, *)``: :func:`pad_sequence` then
    :func:`pack_padded_sequence`.

    Examples
    --------
    >>> import numbagrad as torch
    >>> from numbagrad.nn.utils.rnn import pack_sequence
    >>> pack_sequence([torch.ones(1), torch.ones(2)], enforce_sorted=False).batch_sizes.tolist()
    [2, 1]
    """
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths,
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The list of sequences inside a :class:`PackedSequence`, in the caller's order.

    Examples
    --------
    >>> import numbagrad as torch
    >>> from numbagrad.nn.utils.rnn import pack_sequence, unpack_sequence
    >>> [s.tolist() for s in unpack_sequence(pack_sequence([torch.ones(2), torch.ones(1)]))]
    [[1.0, 1.0], [1.0]]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
