"""nn.Sequential, nn.ModuleList and nn.ModuleDict: indexing, mutation, registration, forward and
repr, compared with torch where torch defines the result."""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import numbagrad
from numbagrad import nn


def mlp(lib):
    return lib.nn.Sequential(lib.nn.Linear(784, 512), lib.nn.ReLU(), lib.nn.Linear(512, 10))


# ---------------------------------------------------------------------------- Sequential
def test_sequential_forward_is_the_composition():
    model = mlp(numbagrad)
    x = numbagrad.randn(3, 784)
    expected = model[2](model[1](model[0](x)))
    np.testing.assert_array_equal(model(x).detach().numpy(), expected.detach().numpy())
    assert model(x).shape == (3, 10)


def test_sequential_forward_and_backward_match_torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    ref, model = mlp(torch), mlp(numbagrad)
    model.load_state_dict({k: numbagrad.tensor(v.numpy()) for k, v in ref.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 784)).astype(np.float32)
    t_out, n_out = ref(torch.tensor(x)), model(numbagrad.tensor(x))
    np.testing.assert_allclose(n_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    t_out.square().mean().backward()
    n_out.square().mean().backward()
    for (name, p), q in zip(model.named_parameters(), ref.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-7,
                                   err_msg=name)


def test_sequential_indexing_slicing_and_iteration():
    model = mlp(numbagrad)
    assert len(model) == 3
    assert isinstance(model[0], nn.Linear) and model[-1] is model[2]
    head = model[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is model[0]
    assert head(numbagrad.randn(2, 784)).shape == (2, 512)
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear"]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        model[3]


def test_sequential_mutation():
    model = mlp(numbagrad)
    model.append(nn.Softmax(dim=1))
    assert len(model) == 4 and [n for n, _ in model.named_children()][-1] == "3"
    probs = model(numbagrad.randn(2, 784))
    np.testing.assert_allclose(probs.sum(dim=1).detach().numpy(), [1.0, 1.0], rtol=1e-6)
    model[1] = nn.Tanh()
    assert isinstance(model[1], nn.Tanh) and [n for n, _ in model.named_children()][1] == "1"
    del model[3]
    assert len(model) == 3


def test_sequential_mutation_matches_torch_names():
    torch = pytest.importorskip("torch")
    results = []
    for lib in (numbagrad, torch):
        model = mlp(lib)
        model.append(lib.nn.Dropout())
        del model[1]
        model[0] = lib.nn.Linear(784, 512, bias=False)
        results.append(([n for n, _ in model.named_parameters()], repr(model)))
    assert results[0] == results[1]


def test_sequential_from_ordered_dict_uses_the_names():
    model = nn.Sequential(OrderedDict([("fc1", nn.Linear(4, 8)), ("act", nn.ReLU()),
                                       ("fc2", nn.Linear(8, 1))]))
    assert [n for n, _ in model.named_parameters()] == ["fc1.weight", "fc1.bias", "fc2.weight",
                                                        "fc2.bias"]
    assert model.fc2 is model[2]
    assert repr(model) == """Sequential(
  (fc1): Linear(in_features=4, out_features=8, bias=True)
  (act): ReLU()
  (fc2): Linear(in_features=8, out_features=1, bias=True)
)"""


def test_empty_sequential_is_the_identity():
    x = numbagrad.randn(2)
    assert nn.Sequential()(x) is x
    assert repr(nn.Sequential()) == "Sequential()"


# ---------------------------------------------------------------------------- ModuleList
def test_module_list_registers_and_indexes():
    layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
    assert len(layers) == 3
    assert [n for n, _ in layers.named_parameters()][:3] == ["0.weight", "0.bias", "1.weight"]
    layers.append(nn.ReLU())
    layers.extend([nn.Linear(4, 2)])
    layers.insert(1, nn.Tanh())
    assert [type(m).__name__ for m in layers] == ["Linear", "Tanh", "Linear", "Linear", "ReLU",
                                                  "Linear"]
    assert [n for n, _ in layers.named_children()] == [str(i) for i in range(6)]
    assert layers[-1].out_features == 2 and isinstance(layers[1:3], nn.ModuleList)
    del layers[1]
    assert [n for n, _ in layers.named_children()] == [str(i) for i in range(5)]
    layers += [nn.Sigmoid()]
    assert len(layers) == 6
    with pytest.raises(IndexError):
        layers[6]


def test_module_list_in_a_custom_model_is_trained():
    class Deep(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(3, 3) for _ in range(4)])

        def forward(self, x):
            for layer in self.layers:
                x = numbagrad.relu(layer(x))
            return x

    model = Deep()
    assert len(list(model.parameters())) == 8
    model(numbagrad.randn(2, 3)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_module_list_repr_groups_repeated_layers():
    layers = nn.ModuleList([nn.Linear(2, 2)] * 2 + [nn.ReLU(), nn.Linear(2, 3), nn.Linear(2, 3),
                                                    nn.Linear(2, 3), nn.ReLU()])
    assert repr(layers) == """ModuleList(
  (0-1): 2 x Linear(in_features=2, out_features=2, bias=True)
  (2): ReLU()
  (3-5): 3 x Linear(in_features=2, out_features=3, bias=True)
  (6): ReLU()
)"""
    assert repr(nn.ModuleList()) == "ModuleList()"


def test_module_list_repr_matches_torch():
    torch = pytest.importorskip("torch")

    def build(lib):
        n = lib.nn
        block = n.Sequential(n.Linear(3, 3), n.ReLU())
        return n.ModuleList([n.Linear(3, 3) for _ in range(8)] + [block, n.Sequential(
            n.Linear(3, 3), n.ReLU()), n.Dropout(0.2), n.ModuleList([n.Tanh(), n.Tanh()])])

    assert repr(build(numbagrad)) == repr(build(torch))


# ---------------------------------------------------------------------------- ModuleDict
def test_module_dict():
    heads = nn.ModuleDict({"cls": nn.Linear(8, 10), "box": nn.Linear(8, 4)})
    assert list(heads.keys()) == ["cls", "box"] and len(heads) == 2 and "box" in heads
    assert [n for n, _ in heads.named_parameters()] == ["cls.weight", "cls.bias", "box.weight",
                                                        "box.bias"]
    heads["mask"] = nn.Sigmoid()
    assert list(heads) == ["cls", "box", "mask"]
    assert [k for k, _ in heads.items()] == ["cls", "box", "mask"]
    assert heads["cls"](numbagrad.randn(2, 8)).shape == (2, 10)
    del heads["box"]
    assert list(heads.keys()) == ["cls", "mask"] and len(list(heads.values())) == 2
    heads.update([("extra", nn.ReLU())])
    assert repr(heads) == """ModuleDict(
  (cls): Linear(in_features=8, out_features=10, bias=True)
  (mask): Sigmoid()
  (extra): ReLU()
)"""


def test_containers_state_dict_round_trip_through_torch():
    torch = pytest.importorskip("torch")
    ref = torch.nn.ModuleDict({"body": mlp(torch), "head": torch.nn.ModuleList(
        [torch.nn.Linear(10, 2), torch.nn.Linear(2, 1)])})
    model = nn.ModuleDict({"body": mlp(numbagrad), "head": nn.ModuleList(
        [nn.Linear(10, 2), nn.Linear(2, 1)])})
    assert list(model.state_dict()) == list(ref.state_dict())
    model.load_state_dict({k: numbagrad.tensor(v.numpy()) for k, v in ref.state_dict().items()})
    back = {k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()}
    ref.load_state_dict(back)
    np.testing.assert_array_equal(model["head"][1].weight.detach().numpy(),
                                  ref["head"][1].weight.detach().numpy())


def test_sequential_deletion_renumbers_as_torch():
    torch = pytest.importorskip("torch")
    reprs = []
    for lib in (numbagrad, torch):
        model = lib.nn.Sequential(OrderedDict(a=lib.nn.ReLU(), b=lib.nn.Tanh(), c=lib.nn.ReLU(),
                                              d=lib.nn.Sigmoid()))
        del model[0]
        del model[1:2]
        reprs.append(repr(model))
    assert reprs[0] == reprs[1] == "Sequential(\n  (0): Tanh()\n  (1): Sigmoid()\n)"
