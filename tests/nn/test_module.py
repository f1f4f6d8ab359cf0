"""nn.Module: registration, traversal, state dicts, modes, conversions, hooks and repr.

Where torch defines the behaviour (names, orders, messages, repr), the same model is built in
both libraries and the results compared.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import numbagrad
from numbagrad import nn


def two_layer(lib):
    """A custom module with two Linear layers, a buffer and a non-persistent buffer."""

    class TwoLayer(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = lib.nn.Linear(3, 4)
            self.act = lib.nn.ReLU()
            self.fc2 = lib.nn.Linear(4, 2)
            self.register_buffer("steps", lib.zeros(1, dtype=lib.int64))
            self.register_buffer("scratch", lib.zeros(2), persistent=False)

        def forward(self, x):
            return self.fc2(self.act(self.fc1(x)))

    return TwoLayer()


def nested(lib):
    """Sequential > custom module > ModuleList with repeated layers, and a ModuleDict."""
    nn_ = lib.nn

    class Block(nn_.Module):
        def __init__(self, width):
            super().__init__()
            self.width = width
            self.layers = nn_.ModuleList([nn_.Linear(width, width) for _ in range(3)])
            self.layers.append(nn_.Tanh())
            self.heads = nn_.ModuleDict({"mean": nn_.Linear(width, 1),
                                         "logvar": nn_.Linear(width, 1)})

        def extra_repr(self):
            return f"width={self.width}"

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return self.heads["mean"](x)

    return nn_.Sequential(nn_.Linear(2, 5), nn_.ReLU(), Block(5), nn_.Sequential(),
                          nn_.Dropout(0.1))


# ---------------------------------------------------------------------------- registration
def test_parameters_buffers_and_children_are_registered_in_order():
    model = two_layer(numbagrad)
    assert [n for n, _ in model.named_parameters()] == [
        "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert [tuple(p.shape) for p in model.parameters()] == [(4, 3), (4,), (2, 4), (2,)]
    assert [n for n, _ in model.named_buffers()] == ["steps", "scratch"]
    assert [n for n, _ in model.named_children()] == ["fc1", "act", "fc2"]
    assert list(model.children()) == [model.fc1, model.act, model.fc2]
    assert [n for n, _ in model.named_modules()] == ["", "fc1", "act", "fc2"]
    assert list(model.modules())[0] is model
    assert list(model.parameters(recurse=False)) == []
    assert [n for n, _ in model.fc1.named_parameters(prefix="fc1")] == ["fc1.weight", "fc1.bias"]


def test_registration_names_match_torch():
    torch = pytest.importorskip("torch")
    for build in (two_layer, nested):
        ng, ref = build(numbagrad), build(torch)
        assert [n for n, _ in ng.named_parameters()] == [n for n, _ in ref.named_parameters()]
        assert [n for n, _ in ng.named_buffers()] == [n for n, _ in ref.named_buffers()]
        assert [n for n, _ in ng.named_modules()] == [n for n, _ in ref.named_modules()]
        assert [n for n, _ in ng.named_children()] == [n for n, _ in ref.named_children()]
        assert list(ng.state_dict()) == list(ref.state_dict())


def test_sequential_names_children_by_index():
    model = nested(numbagrad)
    names = [n for n, _ in model.named_parameters()]
    assert names[:2] == ["0.weight", "0.bias"]
    assert "2.layers.0.weight" in names and "2.heads.logvar.bias" in names
    assert "2.layers.3" in dict(model.named_modules())


def test_shared_module_and_parameter_are_listed_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(model.parameters())) == 2
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    assert len(list(model.modules())) == 3
    assert len(list(model.named_modules(remove_duplicate=False))) == 4


def test_reassigning_and_deleting_attributes():
    model = two_layer(numbagrad)
    model.fc1 = nn.Linear(3, 4, bias=False)
    assert [n for n, _ in model.named_parameters()] == ["fc1.weight", "fc2.weight", "fc2.bias"]
    model.extra = nn.Parameter(numbagrad.ones(3))
    assert "extra" in dict(model.named_parameters())
    del model.extra
    assert "extra" not in dict(model.named_parameters())
    with pytest.raises(AttributeError, match="no attribute 'extra'"):
        model.extra
    model.fc2.bias = None
    assert "fc2.bias" not in model.state_dict()
    model.fc2.weight = nn.Parameter(numbagrad.zeros(2, 4))  # replaced in place, order kept
    model.act = nn.Tanh()
    assert [n for n, _ in model.named_children()] == ["fc1", "act", "fc2"]
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'weight'"):
        model.fc2.weight = numbagrad.ones(2, 4)


def test_registration_errors():
    class Early(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()
    model = nn.Module()
    with pytest.raises(KeyError, match="contain"):
        model.register_buffer("a.b", numbagrad.zeros(1))
    with pytest.raises(TypeError, match="torch.nn.Parameter or None required"):
        model.register_parameter("w", numbagrad.zeros(1))
    with pytest.raises(TypeError, match="is not a Module subclass"):
        model.add_module("x", 3)
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        model(numbagrad.zeros(1))


def test_parameter_is_a_leaf_that_requires_grad():
    p = nn.Parameter(numbagrad.zeros(2, 3))
    assert p.requires_grad and p.is_leaf and isinstance(p, numbagrad.Tensor)
    assert not nn.Parameter(numbagrad.zeros(1), requires_grad=False).requires_grad
    assert repr(nn.Parameter(numbagrad.ones(2))) == (
        "Parameter containing:\ntensor([1., 1.], requires_grad=True)")


# ---------------------------------------------------------------------------- state dicts
def test_state_dict_holds_persistent_state_detached_and_shared():
    model = two_layer(numbagrad)
    state = model.state_dict()
    assert list(state) == ["steps", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert not state["fc1.weight"].requires_grad
    assert model.state_dict(keep_vars=True)["fc1.weight"] is model.fc1.weight
    with numbagrad.no_grad():
        model.fc1.weight.fill_(2.0)
    assert state["fc1.weight"].numpy().tolist() == [[2.0] * 3] * 4  # shares storage


def test_load_state_dict_copies_values_in_place():
    source, target = two_layer(numbagrad), two_layer(numbagrad)
    weight = target.fc1.weight
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert target.fc1.weight is weight  # the same Parameter: optimizers keep working
    for key, value in source.state_dict().items():
        np.testing.assert_array_equal(target.state_dict()[key].numpy(), value.numpy())
    with numbagrad.no_grad():
        source.fc1.weight.add_(1.0)
    assert not np.array_equal(target.fc1.weight.detach().numpy(),
                              source.fc1.weight.detach().numpy())


def test_load_state_dict_non_strict_reports_keys():
    model = nn.Linear(2, 2)
    result = model.load_state_dict({"weight": numbagrad.zeros(2, 2), "extra": numbagrad.ones(1)},
                                   strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["extra"]
    assert model.weight.abs().sum().item() == 0.0


def _load_error(lib, model, state) -> str:
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(state)
    return str(info.value).replace("numbagrad.Size", "Size").replace("torch.Size", "Size")


@pytest.mark.parametrize("case", ["missing", "unexpected", "shape", "all"])
def test_strict_load_errors_match_torchs_message(case):
    torch = pytest.importorskip("torch")
    states = {
        "missing": {"weight": (2, 3)},
        "unexpected": {"weight": (2, 3), "bias": (2,), "running_mean": (2,)},
        "shape": {"weight": (3, 3), "bias": (2,)},
        "all": {"weight": (3, 2), "other": (1,)},
    }[case]
    messages = []
    for lib in (numbagrad, torch):
        state = {k: lib.zeros(*shape) for k, shape in states.items()}
        messages.append(_load_error(lib, lib.nn.Linear(3, 2), state))
    assert messages[0] == messages[1]
    assert messages[0].startswith("Error(s) in loading state_dict for Linear:")
    words = {"missing": 'Missing key(s) in state_dict: "bias"',
             "unexpected": 'Unexpected key(s) in state_dict: "running_mean"',
             "shape": "size mismatch for weight: copying a param with shape Size([3, 3])",
             "all": "the shape in current model is Size([2, 3])"}[case]
    assert words in messages[0]


def test_load_state_dict_errors_without_torch():
    model = two_layer(numbagrad)
    state = model.state_dict()
    del state["steps"]
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "steps"'):
        model.load_state_dict(state)
    bad = dict(model.state_dict(), **{"fc2.bias": numbagrad.zeros(5)})
    with pytest.raises(RuntimeError, match="size mismatch for fc2.bias"):
        model.load_state_dict(bad)


# ---------------------------------------------------------------------------- modes, grads
def test_train_and_eval_propagate_to_every_descendant():
    model = nested(numbagrad)
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model[2].train()
    assert model[2].layers[0].training and not model.training
    model.train()
    assert all(m.training for m in model.modules())
    with pytest.raises(ValueError, match="boolean"):
        model.train("yes")


def test_eval_turns_dropout_off():
    numbagrad.manual_seed(0)
    drop = nn.Sequential(nn.Dropout(0.5))
    x = numbagrad.ones(1000)
    zeros = (drop(x).numpy() == 0).mean()
    assert 0.4 < zeros < 0.6
    drop.eval()
    np.testing.assert_array_equal(drop(x).numpy(), x.numpy())


def test_zero_grad_sets_none_or_zeros():
    model = two_layer(numbagrad)
    model(numbagrad.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(p.grad is not None and p.grad.abs().sum().item() == 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_gradients_accumulate_until_zero_grad():
    model = nn.Linear(3, 1)
    x = numbagrad.randn(4, 3)
    model(x).sum().backward()
    first = model.weight.grad.numpy().copy()
    model(x).sum().backward()
    np.testing.assert_allclose(model.weight.grad.numpy(), 2 * first, rtol=1e-6)


def test_requires_grad_freezes_parameters():
    model = two_layer(numbagrad)
    assert model.fc1.requires_grad_(False) is model.fc1
    assert [p.requires_grad for p in model.parameters()] == [False, False, True, True]
    model(numbagrad.randn(2, 3)).sum().backward()
    assert model.fc1.weight.grad is None and model.fc2.weight.grad is not None
    model.requires_grad_()
    assert all(p.requires_grad for p in model.parameters())


def test_to_dtype_converts_floating_state_and_keeps_parameters():
    model = two_layer(numbagrad)
    weight = model.fc1.weight
    model(numbagrad.randn(2, 3)).sum().backward()
    assert model.to(numbagrad.float64) is model
    assert model.fc1.weight is weight
    assert {p.dtype for p in model.parameters()} == {numbagrad.float64}
    assert model.fc1.weight.grad.dtype == numbagrad.float64
    assert model.steps.dtype == numbagrad.int64  # integer buffers keep their dtype
    assert model.scratch.dtype == numbagrad.float64
    out = model(numbagrad.randn(2, 3, dtype=numbagrad.float64))
    assert out.dtype == numbagrad.float64
    model.float()
    assert model.fc2.bias.dtype == numbagrad.float32
    assert model.double().fc2.bias.dtype == numbagrad.float64
    assert model.to("cpu").fc2.bias.device == numbagrad.device("cpu")


def test_apply_visits_children_first_then_self():
    model = nested(numbagrad)
    visited = []
    assert model.apply(lambda m: visited.append(type(m).__name__)) is model
    assert visited[-1] == "Sequential" and visited[0] == "Linear"
    assert len(visited) == len(list(model.modules()))

    def init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.constant_(m.weight, 0.5)
            nn.init.zeros_(m.bias)

    model.apply(init_weights)
    assert model[0].weight.min().item() == 0.5 == model[2].heads["mean"].weight.max().item()
    assert model[0].bias.abs().sum().item() == 0.0


def test_apply_order_matches_torch():
    torch = pytest.importorskip("torch")
    orders = []
    for lib in (numbagrad, torch):
        names = []
        nested(lib).apply(lambda m: names.append(type(m).__name__))
        orders.append(names)
    assert orders[0] == orders[1]


# ---------------------------------------------------------------------------- hooks
def test_forward_hooks_see_and_replace_inputs_and_outputs():
    model = nn.Linear(2, 2)
    calls = []

    def pre(module, args):
        calls.append(("pre", module))
        return args[0] * 0

    def post(module, args, output):
        calls.append(("post", tuple(args[0].shape)))
        return output + 1

    pre_handle = model.register_forward_pre_hook(pre)
    post_handle = model.register_forward_hook(post)
    out = model(numbagrad.ones(3, 2))
    expected = model.bias.detach().numpy() + 1
    np.testing.assert_allclose(out.detach().numpy(), np.tile(expected, (3, 1)), rtol=1e-6)
    assert calls == [("pre", model), ("post", (3, 2))]
    pre_handle.remove()
    post_handle.remove()
    x = numbagrad.ones(3, 2)
    np.testing.assert_array_equal(model(x).detach().numpy(),
                                  numbagrad.nn.functional.linear(x, model.weight,
                                                                 model.bias).detach().numpy())
    assert len(calls) == 2


def test_forward_hook_can_record_activations_of_a_submodule():
    model = two_layer(numbagrad)
    seen = {}
    model.act.register_forward_hook(lambda m, args, out: seen.setdefault("act", out))
    model(numbagrad.randn(5, 3))
    assert seen["act"].shape == (5, 4) and seen["act"].min().item() >= 0


# ---------------------------------------------------------------------------- repr
def test_repr_of_nested_model_matches_torch():
    torch = pytest.importorskip("torch")
    for build in (two_layer, nested):
        assert repr(build(numbagrad)) == repr(build(torch))


def test_repr_of_nested_model_text():
    assert repr(nested(numbagrad)) == """Sequential(
  (0): Linear(in_features=2, out_features=5, bias=True)
  (1): ReLU()
  (2): Block(
    width=5
    (layers): ModuleList(
      (0-2): 3 x Linear(in_features=5, out_features=5, bias=True)
      (3): Tanh()
    )
    (heads): ModuleDict(
      (mean): Linear(in_features=5, out_features=1, bias=True)
      (logvar): Linear(in_features=5, out_features=1, bias=True)
    )
  )
  (3): Sequential()
  (4): Dropout(p=0.1, inplace=False)
)"""


def test_repr_of_a_module_without_children_or_extra():
    class Empty(nn.Module):
        def forward(self, x):
            return x

    assert repr(Empty()) == "Empty()"
    assert repr(nn.Sequential(OrderedDict(fc=nn.Linear(1, 1)))) == (
        "Sequential(\n  (fc): Linear(in_features=1, out_features=1, bias=True)\n)")


def test_reassigned_layers_keep_their_place_as_in_torch():
    torch = pytest.importorskip("torch")
    orders = []
    for lib in (numbagrad, torch):
        model = two_layer(lib)
        model.fc1 = lib.nn.Linear(3, 4, bias=False)
        model.extra = lib.nn.Parameter(lib.ones(1))
        model.fc1.weight = lib.nn.Parameter(lib.ones(4, 3))
        model.extra = lib.nn.Parameter(lib.ones(2))
        orders.append(([n for n, _ in model.named_parameters()], list(model.state_dict()),
                       repr(model)))
    assert orders[0] == orders[1]


def _members_agree(module) -> None:
    """Every member is the attribute of its name, and nothing else is mirrored."""
    for store in (module._parameters, module._buffers, module._modules):
        for name, value in store.items():
            assert getattr(module, name) is value
            assert module.__dict__[name] is value


def test_members_are_attributes_through_every_change_to_their_stores():
    model = two_layer(numbagrad)
    fc1 = model.fc1
    _members_agree(model)
    _members_agree(fc1)
    p = nn.Parameter(numbagrad.zeros(4, 3))
    fc1._parameters["weight"] = p  # direct writes to a store, as some torch code does
    assert fc1.weight is p
    assert fc1._parameters.pop("weight") is p
    assert "weight" not in fc1.__dict__
    with pytest.raises(AttributeError):
        fc1.weight  # noqa: B018
    assert fc1._parameters.pop("absent", 5) == 5
    fc1._parameters.update(weight=p)
    fc1._parameters.setdefault("extra", None)
    assert fc1.weight is p and fc1.extra is None
    assert fc1._parameters.popitem() == ("extra", None)
    assert "extra" not in fc1.__dict__
    fc1._parameters |= {"bias": None}
    assert fc1.bias is None
    model._buffers["steps"] = s = numbagrad.ones(1)
    del model._modules["act"]
    assert model.steps is s and "act" not in model.__dict__
    model.fc2._parameters.clear()
    assert "weight" not in model.fc2.__dict__ and list(model.fc2.parameters()) == []
    for m in model.modules():
        _members_agree(m)
    assert type(fc1._parameters.copy()) is OrderedDict


def test_copied_and_unpickled_modules_mirror_into_themselves():
    import copy
    import pickle

    model = nn.Sequential(OrderedDict(fc1=nn.Linear(3, 4), act=nn.ReLU()))  # picklable
    for twin in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        _members_agree(twin.fc1)
        assert twin.fc1.weight is not model.fc1.weight
        q = nn.Parameter(numbagrad.ones(4, 3))
        twin.fc1._parameters["weight"] = q
        assert twin.fc1.weight is q and model.fc1.weight is not q
        twin._modules["act"] = act = nn.Tanh()
        assert twin.act is act and type(model.act) is nn.ReLU
    shallow = copy.copy(model)  # shares the stores, as in torch
    assert shallow.fc1 is model.fc1
    assert type(copy.copy(model._modules)) is OrderedDict


# ---------------------------------------------------------------- hooks, lookups, load results


def test_load_state_dict_result_is_torchs_incompatible_keys():
    torch = pytest.importorskip("torch")
    for lib in (numbagrad, torch):
        net = lib.nn.Linear(2, 3)
        ok = net.load_state_dict(net.state_dict())
        assert type(ok).__name__ == "_IncompatibleKeys"
        assert repr(ok) == str(ok) == "<All keys matched successfully>"
        partial = net.load_state_dict({"weight": lib.zeros(3, 2), "extra": lib.zeros(1)},
                                      strict=False)
        assert partial.missing_keys == ["bias"] and partial.unexpected_keys == ["extra"]
        assert repr(partial) == ("_IncompatibleKeys(missing_keys=['bias'], "
                                 "unexpected_keys=['extra'])")


def _nested(lib):
    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = lib.nn.Linear(2, 3)
            self.seq = lib.nn.Sequential(lib.nn.Linear(3, 3), lib.nn.ReLU())
            self.register_buffer("tmp", lib.ones(1), persistent=False)

    return Net()


def _outcome(f):
    try:
        value = f()
    except AttributeError as e:
        return ("AttributeError", str(e))
    return ("ok", type(value).__name__, tuple(getattr(value, "shape", ())))


def test_get_submodule_parameter_buffer_match_torch():
    torch = pytest.importorskip("torch")
    calls = [lambda m: m.get_submodule("seq.0"), lambda m: m.get_submodule("seq.5"),
             lambda m: m.get_submodule("fc.weight"), lambda m: m.get_submodule(""),
             lambda m: m.get_parameter("seq.0.bias"), lambda m: m.get_parameter("seq.0.foo"),
             lambda m: m.get_parameter("tmp"), lambda m: m.get_buffer("tmp"),
             lambda m: m.get_buffer("fc.weight")]
    mine, theirs = _nested(numbagrad), _nested(torch)
    for call in calls:
        a, b = _outcome(lambda: call(mine)), _outcome(lambda: call(theirs))
        assert a[0] == b[0] and a[-1] == b[-1] and (a[0] != "ok" or a[1] == b[1]), (a, b)
    assert mine.get_parameter("seq.0.bias") is mine.seq[0].bias


def _hook_story(lib):
    """Forward hooks with kwargs, prepended and always-called hooks, and handles: the log."""
    log = []

    class Scale(lib.nn.Module):
        def forward(self, x, scale=1.0):
            return x * scale

    m = Scale()
    h1 = m.register_forward_pre_hook(lambda mod, a, kw: ((a[0] + 1,), {"scale": 5.0}),
                                     with_kwargs=True)
    h2 = m.register_forward_hook(lambda mod, a, kw, out: log.append(sorted(kw)) or out * 2,
                                 with_kwargs=True)
    m.register_forward_hook(lambda mod, a, out: out - 1, prepend=True)
    log.append(m(lib.ones(1), scale=3.0).tolist())
    h1.remove()
    with h2:
        log.append(m(lib.ones(1)).tolist())
    log.append(m(lib.ones(1)).tolist())  # both removed: only the prepended hook is left
    m.register_forward_pre_hook(lambda mod, a: a[0] * 10)  # one value becomes the args
    log.append(m(lib.ones(1)).tolist())

    class Bad(lib.nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    bad = Bad()
    bad.register_forward_hook(lambda mod, a, out: log.append(("always", out)), always_call=True)
    bad.register_forward_hook(lambda mod, a, out: log.append("not always"))
    try:
        bad(lib.ones(1))
    except ValueError as e:
        log.append(str(e))
    return log


def test_forward_hooks_match_torch():
    torch = pytest.importorskip("torch")
    assert _hook_story(numbagrad) == _hook_story(torch)


def test_pre_hook_with_kwargs_must_return_a_pair():
    m = nn.Linear(1, 1)
    m.register_forward_pre_hook(lambda mod, a, kw: a, with_kwargs=True)
    with pytest.raises(RuntimeError, match="must return None or a tuple of"):
        m(numbagrad.ones(1, 1))


def _backward_story(lib):
    lin = lib.nn.Linear(2, 2)
    with lib.no_grad():
        lin.weight.copy_(lib.tensor([[1.0, 2.0], [3.0, 4.0]]))
        lin.bias.zero_()
    log = []

    def hook(mod, grad_input, grad_output):
        log.append([None if g is None else g.tolist() for g in grad_input + grad_output])
        return (grad_input[0] * 2,) if grad_input[0] is not None else None

    handle = lin.register_full_backward_hook(hook)
    x = lib.tensor([[1.0, 1.0]], requires_grad=True)
    (lin(x) * lib.tensor([[1.0, 10.0]])).sum().backward()
    log.append(x.grad.tolist())
    lin(lib.tensor([[1.0, 1.0]])).sum().backward()  # no input needs a gradient
    handle.remove()
    x.grad = None
    lin(x).sum().backward()
    log.append(x.grad.tolist())
    return log


def test_full_backward_hook_matches_torch():
    torch = pytest.importorskip("torch")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = _backward_story(torch)
    assert _backward_story(numbagrad) == expected


def test_module_names_and_conversions_match_torch():
    torch = pytest.importorskip("torch")

    def story(lib):
        net = _nested(lib)
        out = [[k for k, _ in net.named_modules(prefix="m")],
               [k for k, _ in net.named_parameters(prefix="p", recurse=False)],
               [k for k, _ in net.named_parameters(prefix="p")],
               [k for k, _ in net.named_buffers()], list(net.state_dict()),
               [type(c).__name__ for c in net.children()]]
        out.append([str(p.dtype).split(".")[-1] for p in net.to("cpu", lib.float64).parameters()])
        out.append(str(net.half().tmp.dtype).split(".")[-1])
        out.append(str(net.to(dtype=lib.float32).fc.weight.dtype).split(".")[-1])
        out.append([p.requires_grad for p in net.requires_grad_(False).parameters()])
        net.register_module("extra", lib.nn.ReLU())
        out.append(repr(net))
        try:
            net.add_module("a.b", lib.nn.ReLU())
        except KeyError as e:
            out.append(str(e))
        try:
            net.register_parameter("q", lib.ones(1))
        except TypeError as e:
            out.append(str(e))
        return out

    assert story(numbagrad) == story(torch)


def _backward_pre_story(lib):
    lin = lib.nn.Linear(2, 2)
    with lib.no_grad():
        lin.weight.copy_(lib.tensor([[1.0, 2.0], [3.0, 4.0]]))
    log = []

    def pre(mod, grad_output):
        log.append(grad_output[0].tolist())
        return (grad_output[0] * 10,)

    lin.register_full_backward_pre_hook(pre)
    lin.register_full_backward_hook(lambda mod, gi, go: log.append(go[0].tolist()))
    x = lib.tensor([[1.0, -1.0]], requires_grad=True)
    lin(x).sum().backward()
    log += [x.grad.tolist(), lin.weight.grad.tolist()]
    return log


def test_full_backward_pre_hook_matches_torch():
    torch = pytest.importorskip("torch")
    assert _backward_pre_story(numbagrad) == _backward_pre_story(torch)
