"""Small data sets that need no download.

:func:`load_digits` gives scikit-learn's bundled 8x8 handwritten digits (1,797 images) in
MNIST's format, so a tutorial written for MNIST runs unchanged on a machine with no network.
:class:`MNIST` reads the real MNIST IDX files when they are already on disk.
"""
from __future__ import annotations

import gzip
import importlib.util
import os
from pathlib import Path

import numpy as np

from numbagrad.creation import from_numpy
from numbagrad.tensor import Tensor
from numbagrad.utils.data import Dataset

DIGITS_TEST_FRACTION = 0.2
# MNIST centres each digit in a 20x20 box inside a 28x28 image; the digits are placed the same way.
_MNIST_SIZE = 28
_MNIST_BOX = 20


def _bilinear_matrix(n_out: int, n_in: int) -> np.ndarray:
    """The ``(n_out, n_in)`` matrix that resizes one axis by linear interpolation.

    Pixel centres are aligned as in ``torch.nn.functional.interpolate(mode="bilinear",
    align_corners=False)``: output pixel ``i`` samples input position ``(i + 0.5) * n_in / n_out
    - 0.5``, clamped to the image. Each row has at most two non-zero weights that sum to one.
    """
    position = (np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5
    position = np.clip(position, 0.0, n_in - 1)
    left = np.floor(position).astype(np.int64)
    right = np.minimum(left + 1, n_in - 1)
    weight = position - left
    matrix = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    np.add.at(matrix, (rows, left), 1.0 - weight)
    np.add.at(matrix, (rows, right), weight)
    return matrix


def resize_bilinear(images: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize a stack of images ``(N, h, w)`` to ``(N, height, width)`` bilinearly.

    Deterministic (two matrix products, no random state) and exact for constant images.

    Parameters
    ----------
    images : np.ndarray
        Shape ``(N, h, w)``, any float dtype.
    height, width : int
        The output size.

    Returns
    -------
    np.ndarray
        Shape ``(N, height, width)``, float64.

    Examples
    --------
    >>> resize_bilinear(np.ones((1, 8, 8)), 20, 20).shape
    (1, 20, 20)
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 3:
        raise ValueError(f"resize_bilinear: expected images of shape (N, h, w), got {images.shape}")
    rows = _bilinear_matrix(height, images.shape[1])
    cols = _bilinear_matrix(width, images.shape[2])
    return np.einsum("ij,njk,lk->nil", rows, images, cols)


def _digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The digits' pixels ``(1797, 8, 8)`` (grey levels 0..16) and labels, from scikit-learn."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        raise ImportError(
            "load_digits needs scikit-learn, which holds the digits: install numbagrad's `data` "
            "extra with `pip install numbagrad[data]` (or `pip install scikit-learn`)"
        )
    # Reading scikit-learn's bundled file directly skips importing scikit-learn (about a second).
    path = Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz"
    if path.is_file():
        table = np.loadtxt(path, delimiter=",")
        return table[:, :-1].reshape(-1, 8, 8), table[:, -1].astype(np.int64)
    from sklearn.datasets import load_digits as sklearn_load_digits  # another file layout

    bunch = sklearn_load_digits()
    return bunch.images, bunch.target.astype(np.int64)


def _split_indices(n: int, train: bool, test_fraction: float, seed: int) -> np.ndarray:
    order = np.random.Generator(np.random.PCG64(seed)).permutation(n)
    n_test = int(round(n * test_fraction))
    return np.sort(order[n_test:] if train else order[:n_test])


def load_digits(mnist_shape: bool = True, *, train: bool | None = None,
                test_fraction: float = DIGITS_TEST_FRACTION,
                seed: int = 0) -> tuple[Tensor, Tensor]:
    """Handwritten digits from scikit-learn (bundled, no download) as MNIST-style tensors.

    Parameters
    ----------
    mnist_shape : bool
        ``True``: images of shape ``(N, 1, 28, 28)``, each 8x8 digit resized bilinearly to
        20x20 and centred in a 28x28 frame as MNIST's digits are. ``False``: the original
        pixels, shape ``(N, 64)``.
    train : bool, optional
        ``None`` (default): all 1,797 images. ``True``/``False``: the training or test part of a
        fixed split (the same images for the same ``seed`` and ``test_fraction`` on every
        machine).
    test_fraction : float
        Share of the images in the test part (default 0.2: 359 test and 1,438 training images).
    seed : int
        Seed of the split's permutation.

    Returns
    -------
    images : Tensor
        float32 in ``[0, 1]``.
    labels : Tensor
        int64 in ``0..9``, shape ``(N,)``.

    Raises
    ------
    ImportError
        If scikit-learn is not installed (``pip install numbagrad[data]``).
    ValueError
        If ``test_fraction`` is not between 0 and 1.

    Examples
    --------
    >>> images, labels = load_digits(train=True)
    >>> images.shape, labels.dtype
    (numbagrad.Size([1438, 1, 28, 28]), numbagrad.int64)
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"load_digits: test_fraction must be between 0 and 1, got {test_fraction}")
    grey_levels, labels = _digits_arrays()
    pixels = grey_levels / 16.0  # the digits' grey levels run from 0 to 16
    if train is not None:
        keep = _split_indices(len(labels), bool(train), test_fraction, seed)
        pixels, labels = pixels[keep], labels[keep]
    if mnist_shape:
        box = resize_bilinear(pixels, _MNIST_BOX, _MNIST_BOX)
        margin = (_MNIST_SIZE - _MNIST_BOX) // 2
        images = np.zeros((len(labels), 1, _MNIST_SIZE, _MNIST_SIZE), np.float32)
        images[:, 0, margin:margin + _MNIST_BOX, margin:margin + _MNIST_BOX] = box
    else:
        images = pixels.reshape(len(labels), 64).astype(np.float32)
    # Interpolation keeps values inside [0, 1]; the clip only removes rounding below 0 or above 1.
    np.clip(images, 0.0, 1.0, out=images)
    return from_numpy(np.ascontiguousarray(images)), from_numpy(np.ascontiguousarray(labels))


# ---------------------------------------------------------------------------- MNIST
_MNIST_FILES = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
# IDX magic numbers: two zero bytes, 0x08 (unsigned bytes), then the number of dimensions.
_IDX_IMAGES_MAGIC = 0x00000803
_IDX_LABELS_MAGIC = 0x00000801


def _find_idx(directories: list[str], name: str) -> str | None:
    for directory in directories:
        for candidate in (name, name + ".gz"):
            path = os.path.join(directory, candidate)
            if os.path.isfile(path):
                return path
    return None


def _read_idx(path: str, magic: int) -> np.ndarray:
    """The uint8 array stored in the IDX file at ``path`` (gzip-compressed if it ends in .gz).

    An IDX file is a big-endian int32 magic number (``0x0000080N`` for ``N`` dimensions of
    unsigned bytes), ``N`` big-endian int32 sizes, then the bytes in row-major order.

    Raises
    ------
    RuntimeError
        If the file is not gzip as its name says, or its magic number, sizes or length are
        wrong; the message names the file.
    """
    try:
        if path.endswith(".gz"):
            with gzip.open(path, "rb") as stream:
                raw = stream.read()
        else:
            with open(path, "rb") as stream:
                raw = stream.read()
    except (OSError, EOFError) as err:
        raise RuntimeError(f"MNIST: cannot read {path}: {err}") from None
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    found = int.from_bytes(raw[:4], "big") if len(raw) >= 4 else None
    if found is not None and found != magic:
        raise RuntimeError(f"MNIST: {path} is not an MNIST IDX file of this kind: magic number "
                           f"0x{found:08x}, expected 0x{magic:08x}")
    if len(raw) < header:
        raise RuntimeError(f"MNIST: {path} is truncated: {len(raw)} bytes, shorter than its "
                           f"{header}-byte IDX header")
    dims = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(dims))
    if len(raw) < expected:
        raise RuntimeError(f"MNIST: {path} is truncated: its header announces shape {dims} "
                           f"({expected} bytes in all) but the file has {len(raw)} bytes")
    if len(raw) > expected:
        raise RuntimeError(f"MNIST: {path} is corrupt: {len(raw) - expected} bytes follow the "
                           f"data of shape {dims}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


class MNIST(Dataset):
    """The MNIST handwritten digits, read from the standard IDX files already on disk.

    numbagrad never downloads. Put the four files (``train-images-idx3-ubyte``,
    ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``, each
    possibly with ``.gz``) in ``root/MNIST/raw`` (torchvision's layout) or in ``root`` itself.
    Without them, :func:`load_digits` gives a small bundled substitute.

    Parameters
    ----------
    root : str or os.PathLike
        Where to look for the files.
    train : bool
        The 60,000 training images (``train-*``) or the 10,000 test images (``t10k-*``).
    transform : callable, optional
        Applied to each image, a ``(28, 28)`` uint8 NumPy array (e.g. ``transforms.ToTensor()``).
    target_transform : callable, optional
        Applied to each label, a Python int.
    download : bool
        Accepted for torchvision compatibility: files already present are used; when they are
        missing, the same FileNotFoundError is raised as without it.

    Attributes
    ----------
    data : Tensor
        All images, ``(N, 28, 28)``, int32 (numbagrad has no uint8; the values are 0..255).
        Built on first access.
    targets : Tensor
        All labels, ``(N,)``, int64.

    Raises
    ------
    FileNotFoundError
        If a file is missing; the message lists every path tried.
    RuntimeError
        If a file is truncated or corrupt (bad magic number, sizes, length, or labels outside
        0..9), naming the file and the fault.

    Examples
    --------
    >>> from numbagrad import transforms
    >>> train = MNIST("./mnist_data", train=True, transform=transforms.ToTensor())  # doctest: +SKIP
    >>> image, label = train[0]  # doctest: +SKIP
    >>> image.shape  # doctest: +SKIP
    numbagrad.Size([1, 28, 28])
    """

    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six",
               "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root, train: bool = True, transform=None, target_transform=None,
                 download: bool = False) -> None:
        self.root = os.fspath(root)
        self.train = bool(train)
        self.transform = transform
        self.target_transform = target_transform
        directories = [os.path.join(self.root, type(self).__name__, "raw"), self.root]
        names = _MNIST_FILES[self.train]
        paths = [_find_idx(directories, name) for name in names]
        if None in paths:
            self._missing(directories, names, paths, download)
        images = _read_idx(paths[0], _IDX_IMAGES_MAGIC)
        labels = _read_idx(paths[1], _IDX_LABELS_MAGIC)
        if len(images) != len(labels):
            raise RuntimeError(f"MNIST: {paths[0]} holds {len(images)} images but {paths[1]} "
                               f"holds {len(labels)} labels")
        if len(labels) and labels.max() > 9:
            raise RuntimeError(f"MNIST: {paths[1]} is corrupt: label {int(labels.max())} is "
                               "outside 0..9")
        self._images: np.ndarray | None = images
        self._data: Tensor | None = None
        self.targets = from_numpy(labels.astype(np.int64))

    @staticmethod
    def _missing(directories, names, paths, download) -> None:
        wanted = [name for name, path in zip(names, paths) if path is None]
        tried = [os.path.join(d, n + suffix) for n in wanted for d in directories
                 for suffix in ("", ".gz")]
        asked = " download=True was given, but" if download else ""
        raise FileNotFoundError(
            f"MNIST: cannot find {', '.join(wanted)}; looked for: {', '.join(tried)}.{asked} "
            "numbagrad does not download data sets: copy the MNIST IDX files (as torchvision "
            "stores them) into one of those folders, or use numbagrad.datasets.load_digits(), "
            "which needs no download."
        )

    @property
    def data(self) -> Tensor:
        """All images as an ``(N, 28, 28)`` int32 tensor (values 0..255).

        Assignable, as in torchvision (``ds.data, ds.targets = ds.data[keep], ds.targets[keep]``);
        items are then read from the new tensor.
        """
        if self._data is None:
            self._data = from_numpy(self._images.astype(np.int32))
        return self._data

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value
        self._images = None

    @property
    def class_to_idx(self) -> dict[str, int]:
        """``{"0 - zero": 0, ...}``."""
        return {name: i for i, name in enumerate(self.classes)}

    def __getitem__(self, index: int):
        # A copy, so that a transform that writes into the image cannot change the data set.
        if self._images is not None:
            image = np.array(self._images[index])
        else:
            image = np.asarray(self._data[index]).astype(np.uint8)
        target = int(np.asarray(self.targets)[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def __len__(self) -> int:
        return len(self.targets)

    def __repr__(self) -> str:
        body = [f"Number of datapoints: {len(self)}", f"Root location: {self.root}",
                f"Split: {'Train' if self.train else 'Test'}"]
        for head, fn in (("Transform: ", self.transform),
                         ("Target transform: ", self.target_transform)):
            if fn is not None:
                lines = repr(fn).splitlines()
                body.append(head + lines[0])
                body.extend(" " * len(head) + line for line in lines[1:])
        return "\n".join([f"Dataset {type(self).__name__}"] + ["    " + line for line in body])
