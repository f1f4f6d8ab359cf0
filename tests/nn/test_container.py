"""nn.Sequential, nn.ModuleList and nn.ModuleDict: indexing, mutation, registration, forward and
repr, compared with torch where torch defines the result."""
from __future__ import annotations

import re
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


# ---------------------------------------------------------------- the whole list and dict API


def _torch_names(text: str) -> str:
    return text.replace("numbagrad.", "torch.")


def _list_story(lib):
    nn_ = lib.nn
    ml = nn_.ModuleList([nn_.ReLU(), nn_.Tanh()])
    out = [repr(ml[0:1]), repr(ml[-1])]
    ml.insert(0, nn_.Sigmoid())
    ml.extend([nn_.ReLU()])
    out.append(repr(ml.pop(1)))
    out.append(repr(ml + nn_.ModuleList([nn_.ELU()])))
    del ml[0:1]
    out.append(list(ml._modules))
    for bad in (lambda: ml[5], lambda: ml.append(3)):
        try:
            bad()
        except (IndexError, TypeError) as e:
            out.append((type(e).__name__, str(e)))
    out.append(repr(nn_.ModuleList([nn_.Linear(1, 1) for _ in range(3)] + [nn_.ReLU()])))
    md = nn_.ModuleDict({"b": nn_.ReLU(), "a": nn_.Tanh()})
    out += [repr(md), list(md.keys()), list(md), "a" in md, len(md), repr(md.pop("a"))]
    md.update([("c", nn_.ELU())])
    out.append(list(md))
    for bad in (lambda: md.update(3), lambda: md.update([("x",)]), lambda: md["zz"]):
        try:
            bad()
        except (TypeError, ValueError, KeyError) as e:
            out.append((type(e).__name__, str(e)))
    md.clear()
    out.append(len(md))
    return out


def test_module_list_and_dict_match_torch():
    torch = pytest.importorskip("torch")
    assert _list_story(numbagrad) == _list_story(torch)


def _parameter_story(lib):
    nn_ = lib.nn
    pl = nn_.ParameterList([nn_.Parameter(lib.zeros(2)), nn_.Parameter(lib.zeros(3, 2))])
    out = [repr(pl), len(pl), list(pl[-1].shape), [k for k, _ in pl.named_parameters()]]
    pl.append(lib.ones(1))
    out += [type(pl[2]).__name__, pl[2].requires_grad]
    pl.extend([nn_.Parameter(lib.ones(4))])
    out += [len(pl), repr(pl[1:3])]
    pl[0] = nn_.Parameter(lib.ones(5))
    pl += [nn_.Parameter(lib.ones(1))]
    out += [list(pl.state_dict()), sum(p.numel() for p in pl.parameters())]
    pl.append("x")
    out += [pl[-1], repr(pl)]
    for bad in (lambda: pl[9], lambda: pl.extend(lib.ones(2)), lambda: pl()):
        try:
            bad()
        except (IndexError, TypeError, RuntimeError) as e:
            out.append((type(e).__name__, str(e)))
    pd = nn_.ParameterDict({"w": nn_.Parameter(lib.zeros(2)),
                            "b": nn_.Parameter(lib.zeros(1, dtype=lib.float64))})
    out += [repr(pd), list(pd.keys()), list(pd), "w" in pd, len(pd),
            [k for k, _ in pd.named_parameters()]]
    pd.update({"c": lib.ones(3)})
    out += [list(pd), type(pd["c"]).__name__, list(pd.pop("w").shape), pd.get("zz", 7),
            list(pd.setdefault("d", nn_.Parameter(lib.ones(1))).shape), repr(pd.copy()),
            repr(pd.fromkeys(["x", "y"], nn_.Parameter(lib.ones(1)))), pd.popitem()[0],
            repr(pd | nn_.ParameterDict({"q": nn_.Parameter(lib.ones(1))})),
            [list(v.shape) for v in pd.values()], [k for k, _ in pd.items()],
            list(reversed(pd)), list(pd.state_dict())]
    for bad in (lambda: pd["zz"], lambda: pd[3], lambda: pd.update([("a", 1, 2)]),
                lambda: pd.update(3)):
        try:
            bad()
        except (AttributeError, TypeError, ValueError) as e:
            out.append((type(e).__name__, str(e)))
    pd.clear()
    out.append(len(pd))
    return [_torch_names(v) if isinstance(v, str) else v for v in out]


def test_parameter_list_and_dict_match_torch():
    torch = pytest.importorskip("torch")
    assert _parameter_story(numbagrad) == _parameter_story(torch)


def test_parameter_containers_train_with_an_optimizer():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.ws = nn.ParameterList([numbagrad.ones(2), numbagrad.ones(2)])
            self.bs = nn.ParameterDict({"b": numbagrad.zeros(2)})

        def forward(self, x):
            return (x * self.ws[0] * self.ws[1] + self.bs["b"]).sum()

    net = Net()
    assert [k for k, _ in net.named_parameters()] == ["ws.0", "ws.1", "bs.b"]
    opt = numbagrad.optim.SGD(net.parameters(), lr=0.5)
    net(numbagrad.tensor([1.0, 2.0])).backward()
    opt.step()
    np.testing.assert_allclose(net.ws[0].detach().numpy(), [0.5, 0.0])
    np.testing.assert_allclose(net.bs["b"].detach().numpy(), [-0.5, -0.5])


def _sequential_story(lib):
    nn_ = lib.nn
    s = nn_.Sequential(nn_.ReLU(), nn_.ELU())
    s.insert(-1, nn_.Tanh())
    s.insert(3, nn_.Sigmoid())
    s.extend([nn_.Softsign()])
    out = [repr(s), repr(s.pop(0)), list(s._modules), repr(s + nn_.Sequential(nn_.ReLU())),
           repr(2 * nn_.Sequential(nn_.ReLU())), repr(nn_.Sequential(nn_.ReLU()) * 2)]
    s += nn_.Sequential(nn_.ReLU())
    t = nn_.Sequential(nn_.Tanh())
    t *= 3
    out += [len(s), list(t._modules)]
    for bad in (lambda: s[9], lambda: s + 1, lambda: s * 0, lambda: s * 1.5,
                lambda: s.insert(9, nn_.ReLU()), lambda: nn_.Module(3),
                lambda: nn_.ModuleList().extend(3)):
        try:
            bad()
        except (IndexError, ValueError, TypeError) as e:
            # The class paths differ by library: compare the messages without them.
            out.append((type(e).__name__, re.sub(r"<class '[\w.]+'>", "<class>", str(e))))
    return out


def test_sequential_list_api_matches_torch():
    torch = pytest.importorskip("torch")
    assert _sequential_story(numbagrad) == _sequential_story(torch)
