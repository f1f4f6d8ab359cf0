"""numbagrad.transforms: ToTensor, Normalize, Compose and Lambda on NumPy images."""
import numpy as np
import pytest

import numbagrad as torch
from numbagrad import transforms


def test_to_tensor_uint8_grey_image():
    image = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    out = transforms.ToTensor()(image)
    assert out.shape == (1, 3, 4) and out.dtype is torch.float32
    np.testing.assert_array_equal(out.numpy()[0], image.astype(np.float32) / np.float32(255))
    assert out.numpy().min() >= 0.0 and out.numpy().max() <= 1.0


def test_to_tensor_matches_torch_division():
    # torchvision: from_numpy(...).to(float32).div(255); the same rounding, bit for bit.
    real_torch = pytest.importorskip("torch")
    image = np.arange(256, dtype=np.uint8).reshape(16, 16)
    expected = real_torch.from_numpy(image[None]).to(real_torch.float32).div(255).numpy()
    np.testing.assert_array_equal(transforms.ToTensor()(image).numpy(), expected)


def test_to_tensor_channels_last_to_first():
    image = np.random.default_rng(0).integers(0, 256, (5, 6, 3), dtype=np.uint8)
    out = transforms.ToTensor()(image)
    assert out.shape == (3, 5, 6) and out.is_contiguous()
    np.testing.assert_allclose(out.numpy()[2], image[:, :, 2] / 255.0, rtol=1e-6)


def test_to_tensor_keeps_float_arrays():
    image = np.random.default_rng(1).standard_normal((4, 5, 2))
    out = transforms.ToTensor()(image)
    assert out.dtype is torch.float64 and out.shape == (2, 4, 5)
    np.testing.assert_array_equal(out.numpy(), image.transpose(2, 0, 1))


def test_to_tensor_errors():
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        transforms.ToTensor()([[1, 2]])
    with pytest.raises(ValueError, match="pic should be 2/3 dimensional. Got 1 dimensions"):
        transforms.ToTensor()(np.zeros(4, np.uint8))


def test_normalize_per_channel():
    x = torch.tensor(np.arange(2 * 2 * 3, dtype=np.float32).reshape(2, 2, 3))
    out = transforms.Normalize(mean=(1.0, 2.0), std=(2.0, 4.0))(x)
    expected = (x.numpy() - np.array([1.0, 2.0], np.float32)[:, None, None]) \
        / np.array([2.0, 4.0], np.float32)[:, None, None]
    np.testing.assert_array_equal(out.numpy(), expected)
    assert x.numpy()[0, 0, 0] == 0.0  # not in place by default


def test_normalize_inplace_and_batches():
    x = torch.ones(4, 1, 2, 2)
    out = transforms.Normalize((0.5,), (0.5,), inplace=True)(x)
    assert out is x and x.numpy().min() == 1.0 and x.numpy().max() == 1.0


def test_normalize_errors():
    norm = transforms.Normalize((0.5,), (0.5,))
    with pytest.raises(TypeError, match="img should be Tensor Image"):
        norm(np.zeros((1, 2, 2), np.float32))
    with pytest.raises(TypeError, match="should be a float tensor"):
        norm(torch.zeros(1, 2, 2, dtype=torch.int64))
    with pytest.raises(ValueError, match=r"size \(..., C, H, W\)"):
        norm(torch.zeros(2, 2))
    with pytest.raises(ValueError, match="std evaluated to zero"):
        transforms.Normalize((0.5,), (0.0,))(torch.zeros(1, 2, 2))


def test_mnist_pipeline_maps_to_minus_one_one():
    pipeline = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    image = np.array([[0, 255], [51, 204]], np.uint8)
    out = pipeline(image)
    assert out.shape == (1, 2, 2)
    np.testing.assert_allclose(out.numpy()[0], [[-1.0, 1.0], [-0.6, 0.6]], atol=1e-6)


def test_lambda_and_reprs():
    double = transforms.Lambda(lambda x: x * 2)
    assert transforms.Compose([double, double])(3) == 12
    with pytest.raises(TypeError, match="Argument lambd should be callable, got 'int'"):
        transforms.Lambda(3)
    pipeline = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    assert repr(pipeline) == "Compose(\n    ToTensor()\n    Normalize(mean=(0.5,), std=(0.5,))\n)"
    assert repr(double) == "Lambda()"


def test_normalize_fast_and_tensor_paths_agree():
    x = torch.randn(3, 4, 5)
    norm = transforms.Normalize((0.1, 0.2, 0.3), (0.5, 0.25, 2.0))
    copy = x.clone()
    np.testing.assert_array_equal(norm(x).numpy(), transforms.Normalize(
        (0.1, 0.2, 0.3), (0.5, 0.25, 2.0), inplace=True)(copy).numpy())


def test_normalize_is_differentiable():
    x = torch.ones(1, 2, 2, requires_grad=True)
    transforms.Normalize((0.5,), (0.25,))(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((1, 2, 2), 4.0))
