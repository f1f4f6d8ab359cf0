"""numbagrad.datasets: the bundled digits in MNIST's format and the bilinear resize."""
import importlib.util
import sys

import numpy as np
import pytest

import numbagrad as torch
from numbagrad.datasets import load_digits, resize_bilinear

needs_sklearn = pytest.mark.skipif(importlib.util.find_spec("sklearn") is None,
                                   reason="scikit-learn (the `data` extra) is not installed")


@needs_sklearn
def test_load_digits_mnist_shape_and_types():
    images, labels = load_digits()
    assert images.shape == (1797, 1, 28, 28)
    assert images.dtype is torch.float32
    assert labels.shape == (1797,)
    assert labels.dtype is torch.int64
    pixels = images.numpy()
    assert pixels.min() == 0.0 and pixels.max() == 1.0
    assert sorted(np.unique(labels.numpy())) == list(range(10))


@needs_sklearn
def test_load_digits_frame_is_empty_like_mnist():
    pixels = load_digits()[0].numpy()[:, 0]
    assert not pixels[:, :4].any() and not pixels[:, -4:].any()
    assert not pixels[:, :, :4].any() and not pixels[:, :, -4:].any()
    assert pixels[:, 4:24, 4:24].mean() > 0.1


@needs_sklearn
def test_load_digits_flat_keeps_the_original_pixels():
    from sklearn.datasets import load_digits as sklearn_load_digits

    flat, labels = load_digits(mnist_shape=False)
    reference = sklearn_load_digits()
    assert flat.shape == (1797, 64)
    np.testing.assert_allclose(flat.numpy(), reference.data / 16.0, rtol=1e-6)
    np.testing.assert_array_equal(labels.numpy(), reference.target)


@needs_sklearn
def test_load_digits_split_is_fixed_by_its_seed():
    train_x, train_y = load_digits(train=True, mnist_shape=False)
    test_x, test_y = load_digits(train=False, mnist_shape=False)
    assert len(train_y) + len(test_y) == 1797
    assert len(test_y) == round(1797 * 0.2)
    again_x, again_y = load_digits(train=False, mnist_shape=False)
    np.testing.assert_array_equal(again_x.numpy(), test_x.numpy())
    np.testing.assert_array_equal(again_y.numpy(), test_y.numpy())
    other_x, _ = load_digits(train=False, mnist_shape=False, seed=1)
    assert not np.array_equal(other_x.numpy(), test_x.numpy())


@needs_sklearn
def test_load_digits_split_partitions_the_images():
    all_x, _ = load_digits(mnist_shape=False)
    train_x, _ = load_digits(train=True, mnist_shape=False)
    test_x, _ = load_digits(train=False, mnist_shape=False)
    together = np.concatenate([train_x.numpy(), test_x.numpy()])
    key = lambda a: a[np.lexsort(a.T[::-1])]  # noqa: E731 - rows in a canonical order
    np.testing.assert_array_equal(key(together), key(all_x.numpy()))


@needs_sklearn
def test_load_digits_rejects_bad_test_fraction():
    with pytest.raises(ValueError, match="test_fraction"):
        load_digits(train=True, test_fraction=1.5)


def test_load_digits_without_scikit_learn_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"numbagrad\[data\]"):
        load_digits()


def test_resize_bilinear_keeps_constants_and_matches_torch_interpolate():
    np.testing.assert_allclose(resize_bilinear(np.full((2, 8, 8), 0.25), 20, 28), 0.25)
    real_torch = pytest.importorskip("torch")
    images = np.random.default_rng(0).random((3, 8, 8))
    expected = real_torch.nn.functional.interpolate(
        real_torch.from_numpy(images)[:, None], size=(20, 20), mode="bilinear",
        align_corners=False)[:, 0].numpy()
    np.testing.assert_allclose(resize_bilinear(images, 20, 20), expected, atol=1e-12)


def test_resize_bilinear_rejects_wrong_rank():
    with pytest.raises(ValueError, match=r"\(N, h, w\)"):
        resize_bilinear(np.zeros((8, 8)), 20, 20)


@needs_sklearn
def test_load_digits_falls_back_to_scikit_learn_when_its_file_moves(monkeypatch):
    import numbagrad.datasets as datasets

    expected_x, expected_y = load_digits(mnist_shape=False)
    real_is_file = datasets.Path.is_file
    monkeypatch.setattr(datasets.Path, "is_file",
                        lambda self: self.name != "digits.csv.gz" and real_is_file(self))
    flat, labels = load_digits(mnist_shape=False)
    np.testing.assert_array_equal(flat.numpy(), expected_x.numpy())
    np.testing.assert_array_equal(labels.numpy(), expected_y.numpy())
