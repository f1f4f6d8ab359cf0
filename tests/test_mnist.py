"""numbagrad.datasets.MNIST: reading IDX files (raw and gzip), validation and the tutorial pipeline."""
import gzip
import os

import numpy as np
import pytest

import numbagrad as torch
from numbagrad import transforms
from numbagrad.datasets import MNIST
from numbagrad.utils.data import DataLoader

N_TRAIN, N_TEST = 10, 4


def _idx(array: np.ndarray) -> bytes:
    """An IDX file of unsigned bytes: magic 0x0000080N, N big-endian sizes, the data."""
    header = bytes([0, 0, 0x08, array.ndim])
    dims = b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + dims + array.astype(np.uint8).tobytes()


def _images_and_labels(n: int, seed: int):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n, dtype=np.uint8)


def _write(directory, name: str, payload: bytes, gz: bool) -> str:
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, name + (".gz" if gz else ""))
    with (gzip.open(path, "wb") if gz else open(path, "wb")) as f:
        f.write(payload)
    return path


def _write_split(directory, prefix: str, n: int, seed: int, gz: bool):
    images, labels = _images_and_labels(n, seed)
    _write(directory, f"{prefix}-images-idx3-ubyte", _idx(images), gz)
    _write(directory, f"{prefix}-labels-idx1-ubyte", _idx(labels), gz)
    return images, labels


@pytest.fixture(params=[False, True], ids=["raw", "gz"])
def mnist_root(tmp_path, request):
    """A root in torchvision's layout (root/MNIST/raw) with both splits."""
    raw = tmp_path / "MNIST" / "raw"
    train = _write_split(raw, "train", N_TRAIN, 0, request.param)
    test = _write_split(raw, "t10k", N_TEST, 1, request.param)
    return tmp_path, train, test


def test_reads_both_splits(mnist_root):
    root, (train_images, train_labels), (_, test_labels) = mnist_root
    train = MNIST(root, train=True)
    test = MNIST(str(root), train=False)
    assert len(train) == N_TRAIN and len(test) == N_TEST
    image, label = train[3]
    assert isinstance(image, np.ndarray) and image.dtype == np.uint8 and image.shape == (28, 28)
    np.testing.assert_array_equal(image, train_images[3])
    assert isinstance(label, int) and label == train_labels[3]
    assert test.targets.tolist() == test_labels.tolist()


def test_data_and_targets_are_tensors(mnist_root):
    root, (images, labels), _ = mnist_root
    ds = MNIST(root)
    assert ds.targets.dtype is torch.int64 and ds.targets.shape == (N_TRAIN,)
    assert ds.data.shape == (N_TRAIN, 28, 28)
    np.testing.assert_array_equal(ds.data.numpy(), images)
    assert ds.class_to_idx["7 - seven"] == 7


def test_items_are_copies(mnist_root):
    ds = MNIST(mnist_root[0])
    ds[0][0][:] = 0
    assert ds[0][0].any()


def test_files_directly_in_root(tmp_path):
    images, _ = _write_split(tmp_path, "t10k", 3, 2, gz=True)
    np.testing.assert_array_equal(MNIST(tmp_path, train=False)[2][0], images[2])


def test_tutorial_pipeline(mnist_root):
    root, (images, labels), _ = mnist_root
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    ds = MNIST(root, train=True, transform=transform, target_transform=lambda y: y + 100)
    torch.manual_seed(0)
    loader = DataLoader(ds, batch_size=4, shuffle=True)
    assert len(loader) == 3
    batches = list(loader)
    x, y = batches[0]
    assert x.shape == (4, 1, 28, 28) and x.dtype is torch.float32 and y.dtype is torch.int64
    assert -1.0 <= x.numpy().min() and x.numpy().max() <= 1.0
    seen = sorted(v - 100 for _, yb in batches for v in yb.tolist())
    assert seen == sorted(labels.tolist())
    text = repr(ds)
    assert text.startswith("Dataset MNIST\n    Number of datapoints: 10") and "Split: Train" in text


def test_missing_files_explain_no_download(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        MNIST(tmp_path / "nowhere", train=True)
    message = str(err.value)
    assert "train-images-idx3-ubyte" in message and "train-labels-idx1-ubyte.gz" in message
    assert os.path.join(str(tmp_path / "nowhere"), "MNIST", "raw") in message
    assert "does not download" in message
    with pytest.raises(FileNotFoundError, match="download=True was given.*does not download"):
        MNIST(tmp_path, train=False, download=True)


def test_download_true_uses_files_already_present(mnist_root):
    assert len(MNIST(mnist_root[0], download=True)) == N_TRAIN


def _corrupt_root(tmp_path, images_payload: bytes, labels_payload: bytes | None = None,
                  gz: bool = False):
    _, labels = _images_and_labels(N_TEST, 0)
    _write(tmp_path, "t10k-images-idx3-ubyte", images_payload, gz)
    _write(tmp_path, "t10k-labels-idx1-ubyte",
           labels_payload if labels_payload is not None else _idx(labels), gz)
    return tmp_path


def test_truncated_file_names_file_and_sizes(tmp_path):
    good = _idx(_images_and_labels(N_TEST, 0)[0])
    root = _corrupt_root(tmp_path, good[:-100])
    with pytest.raises(RuntimeError, match=r"t10k-images-idx3-ubyte is truncated.*shape \(4, 28, 28\)"):
        MNIST(root, train=False)


def test_truncated_header(tmp_path):
    root = _corrupt_root(tmp_path, bytes([0, 0, 8, 3, 0]))
    with pytest.raises(RuntimeError, match="shorter than its 16-byte IDX header"):
        MNIST(root, train=False)


def test_bad_magic_number(tmp_path):
    images = _images_and_labels(N_TEST, 0)[0]
    root = _corrupt_root(tmp_path, _idx(images.reshape(N_TEST, 784)))  # 2 dimensions, not 3
    with pytest.raises(RuntimeError, match="magic number 0x00000802, expected 0x00000803"):
        MNIST(root, train=False)


def test_labels_swapped_with_images_is_refused(tmp_path):
    images, labels = _images_and_labels(N_TEST, 0)
    root = _corrupt_root(tmp_path, _idx(labels), _idx(images))
    with pytest.raises(RuntimeError, match="t10k-images-idx3-ubyte is not an MNIST IDX file"):
        MNIST(root, train=False)


def test_trailing_bytes_and_count_mismatch_and_bad_labels(tmp_path):
    images, labels = _images_and_labels(N_TEST, 0)
    root = _corrupt_root(tmp_path / "a", _idx(images) + b"xx")
    with pytest.raises(RuntimeError, match="corrupt: 2 bytes follow"):
        MNIST(root, train=False)
    root = _corrupt_root(tmp_path / "b", _idx(images), _idx(labels[:3]))
    with pytest.raises(RuntimeError, match="holds 4 images but .* holds 3 labels"):
        MNIST(root, train=False)
    root = _corrupt_root(tmp_path / "c", _idx(images), _idx(np.array([0, 1, 2, 42])))
    with pytest.raises(RuntimeError, match="label 42 is outside 0..9"):
        MNIST(root, train=False)


def test_gz_name_on_a_file_that_is_not_gzip(tmp_path):
    images, labels = _images_and_labels(N_TEST, 0)
    for name, payload in (("t10k-images-idx3-ubyte.gz", _idx(images)),
                          ("t10k-labels-idx1-ubyte.gz", _idx(labels))):
        (tmp_path / name).write_bytes(payload)
    with pytest.raises(RuntimeError, match=r"cannot read .*t10k-images-idx3-ubyte\.gz"):
        MNIST(tmp_path, train=False)


def test_truncated_gzip(tmp_path):
    images, labels = _images_and_labels(N_TEST, 0)
    path = _write(tmp_path, "t10k-images-idx3-ubyte", _idx(images), gz=True)
    _write(tmp_path, "t10k-labels-idx1-ubyte", _idx(labels), gz=True)
    data = open(path, "rb").read()
    open(path, "wb").write(data[:len(data) // 2])
    with pytest.raises(RuntimeError, match="t10k-images-idx3-ubyte.gz"):
        MNIST(tmp_path, train=False)


def test_filtering_by_assigning_data_and_targets(mnist_root):
    root, (images, labels), _ = mnist_root
    ds = MNIST(root)
    keep = ds.targets < 5
    ds.data, ds.targets = ds.data[keep], ds.targets[keep]
    expected = np.flatnonzero(labels < 5)
    assert len(ds) == len(expected)
    image, label = ds[0]
    assert image.dtype == np.uint8 and label == labels[expected[0]]
    np.testing.assert_array_equal(image, images[expected[0]])
