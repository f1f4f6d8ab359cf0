"""Every layer and loss of ``numbagrad.nn`` gives the same outputs and gradients on the GPU as on
the CPU: one copy of the module on each device, the same input, the same output gradient."""
import copy

import numpy as np
import pytest

import numbagrad as torch
from numbagrad import nn

RNG = np.random.default_rng(0)


def _x(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


LAYERS = {
    "Linear": (lambda: nn.Linear(5, 3), [_x(4, 5)]),
    "Conv2d": (lambda: nn.Conv2d(2, 3, 3, stride=2, padding=1), [_x(2, 2, 5, 5)]),
    "MaxPool2d": (lambda: nn.MaxPool2d(2), [_x(2, 2, 4, 4)]),
    "AvgPool2d": (lambda: nn.AvgPool2d(2, stride=1), [_x(1, 2, 3, 3)]),
    "ReLU": (nn.ReLU, [_x(3, 4)]),
    "LeakyReLU": (lambda: nn.LeakyReLU(0.1), [_x(3, 4)]),
    "Sigmoid": (nn.Sigmoid, [_x(3, 4)]),
    "Tanh": (nn.Tanh, [_x(3, 4)]),
    "Softmax": (lambda: nn.Softmax(dim=1), [_x(3, 4)]),
    "LogSoftmax": (lambda: nn.LogSoftmax(dim=0), [_x(3, 4)]),
    "Flatten": (nn.Flatten, [_x(2, 3, 2)]),
    "Identity": (nn.Identity, [_x(3)]),
    "Dropout_eval": (lambda: nn.Dropout(0.5).eval(), [_x(3, 4)]),
    "RNN": (lambda: nn.RNN(3, 4, num_layers=2, batch_first=True), [_x(2, 5, 3)]),
    "LSTM": (lambda: nn.LSTM(3, 4, bidirectional=True), [_x(5, 2, 3)]),
    "MSELoss": (nn.MSELoss, [_x(3, 4), _x(3, 4)]),
    "L1Loss": (lambda: nn.L1Loss(reduction="sum"), [_x(3, 4), _x(3, 4)]),
    "CrossEntropyLoss": (lambda: nn.CrossEntropyLoss(label_smoothing=0.1),
                         [_x(6, 4), RNG.integers(0, 4, 6)]),
    "NLLLoss": (nn.NLLLoss, [_x(6, 4), RNG.integers(0, 4, 6)]),
    "BCELoss": (nn.BCELoss, [RNG.uniform(0.05, 0.95, (3, 4)).astype(np.float32),
                             RNG.uniform(0, 1, (3, 4)).astype(np.float32)]),
    "BCEWithLogitsLoss": (nn.BCEWithLogitsLoss, [_x(3, 4), RNG.uniform(0, 1, (3, 4))
                                                 .astype(np.float32)]),
}


def _run(module, arrays, device, seed):
    inputs = [torch.from_numpy(a).to(device) for a in arrays]
    inputs[0].requires_grad_()
    out = module(*inputs)
    out = out[0] if isinstance(out, tuple) else out
    g = np.random.default_rng(seed).standard_normal(tuple(out.shape)).astype(np.float32)
    out.backward(torch.from_numpy(g).to(device))
    grads = [inputs[0].grad] + [p.grad for p in module.parameters()]
    return out, grads


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_on_gpu_matches_cpu(name):
    make, arrays = LAYERS[name]
    torch.manual_seed(0)
    cpu_module = make()
    gpu_module = copy.deepcopy(cpu_module).to("cuda")
    cpu_out, cpu_grads = _run(cpu_module, arrays, "cpu", 1)
    gpu_out, gpu_grads = _run(gpu_module, arrays, "cuda", 1)
    assert gpu_out.device.type == "cuda"
    np.testing.assert_allclose(gpu_out.detach().cpu().numpy(), cpu_out.detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    for g, c in zip(gpu_grads, cpu_grads):
        assert g.device.type == "cuda"
        np.testing.assert_allclose(g.cpu().numpy(), c.numpy(), rtol=1e-4, atol=1e-5)
