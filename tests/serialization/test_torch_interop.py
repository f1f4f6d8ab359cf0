"""Checkpoints cross between numbagrad and torch in both directions (needs torch)."""
import io
import os
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import numbagrad as ng

torch = pytest.importorskip("torch")

OPTIMIZERS = {
    "SGD": {"lr": 0.1, "momentum": 0.9}, "Adam": {"lr": 0.01}, "AdamW": {"lr": 0.01},
    "Adagrad": {"lr": 0.1}, "RMSprop": {"lr": 0.01, "momentum": 0.5, "centered": True},
    "Adadelta": {"lr": 1.0}, "Adamax": {"lr": 0.01}, "NAdam": {"lr": 0.01},
    "RAdam": {"lr": 0.01}, "ASGD": {"lr": 0.01, "t0": 1}, "Rprop": {"lr": 0.01},
    "LBFGS": {"lr": 0.5, "max_iter": 3, "history_size": 4},
}
W = np.array([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]], dtype=np.float32)
B = np.array([0.05, -0.05], dtype=np.float32)
X = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]], dtype=np.float32)


def _to_torch(obj, lib):
    buffer = io.BytesIO()
    (ng.save if lib is torch else torch.save)(obj, buffer)
    buffer.seek(0)
    return (torch.load if lib is torch else ng.load)(buffer, weights_only=True)


def _model(lib):
    model = lib.nn.Linear(3, 2)
    with lib.no_grad():
        model.weight.copy_(lib.tensor(W))
        model.bias.copy_(lib.tensor(B))
    return model


def _steps(lib, model, opt, n):
    x = lib.tensor(X)
    for _ in range(n):
        def closure():
            opt.zero_grad()
            loss = model(x).pow(2).sum()
            loss.backward()
            return loss
        opt.step(closure)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("first, second", [(torch, ng), (ng, torch)], ids=["torch-to-ng",
                                                                          "ng-to-torch"])
def test_optimizer_state_crosses_and_training_continues(name, first, second):
    model = _model(first)
    opt = getattr(first.optim, name)(model.parameters(), **OPTIMIZERS[name])
    _steps(first, model, opt, 2)
    ckpt = _to_torch({"model": model.state_dict(), "opt": opt.state_dict()}, second)
    fresh = _model(second)
    fresh.load_state_dict(ckpt["model"])
    fresh_opt = getattr(second.optim, name)(fresh.parameters(), **OPTIMIZERS[name])
    fresh_opt.load_state_dict(ckpt["opt"])
    assert fresh_opt.state_dict()["param_groups"][0]["lr"] == OPTIMIZERS[name]["lr"]
    _steps(first, model, opt, 1)
    _steps(second, fresh, fresh_opt, 1)
    for a, b in zip(model.parameters(), fresh.parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_every_dtype_and_parameters_reach_torch():
    obj = {d: ng.tensor([1, 0, 3], dtype=getattr(ng, d)) for d in
           ("float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint8", "bool")}
    obj["param"] = ng.nn.Parameter(ng.ones(2))
    obj["grad"] = ng.ones(2, requires_grad=True)
    obj["scalar"] = ng.tensor(2.5)
    obj["empty"] = ng.zeros(0, 3)
    obj["size"], obj["dtype"], obj["device"] = ng.Size([2, 3]), ng.float16, ng.device("cpu")
    back = _to_torch(obj, torch)
    for key in obj:
        if isinstance(obj[key], ng.Tensor):
            assert str(back[key].dtype) == str(obj[key].dtype).replace("numbagrad", "torch")
            np.testing.assert_array_equal(back[key].detach().numpy(),
                                          obj[key].detach().numpy())
            assert list(back[key].shape) == list(obj[key].shape)
            assert back[key].requires_grad == obj[key].requires_grad
    assert isinstance(back["param"], torch.nn.Parameter)
    assert not isinstance(back["grad"], torch.nn.Parameter)
    assert back["size"] == torch.Size([2, 3]) and back["dtype"] is torch.float16
    assert back["device"] == torch.device("cpu")


def test_views_share_one_storage_in_torch_with_strides_and_offsets():
    base = ng.arange(12, dtype=ng.float32).reshape(3, 4)
    views = {"base": base, "t": base.t(), "row": base[1], "col": base[:, 2],
             "step": base[::2, ::2]}
    back = _to_torch(views, torch)
    pointers = {v.untyped_storage().data_ptr() for v in back.values()}
    assert len(pointers) == 1
    for key, v in views.items():
        assert back[key].stride() == v.stride(), key
        np.testing.assert_array_equal(back[key].numpy(), v.numpy())
    assert back["row"].storage_offset() == 4 and back["col"].storage_offset() == 2
    back["base"][1, 2] = 100.0
    assert back["t"][2, 1].item() == 100.0
    alone = _to_torch(base[1:, 1:3].t(), torch)
    assert alone.stride() == (1, 4) and alone.storage_offset() == 5
    assert alone.untyped_storage().nbytes() == 48  # the whole storage, as torch saves it


def test_nested_training_checkpoint_reaches_torch(tmp_path):
    model = ng.nn.Sequential(ng.nn.Linear(3, 4), ng.nn.BatchNorm1d(4), ng.nn.ReLU())
    opt = ng.optim.Adam(model.parameters())
    model(ng.tensor(X)).sum().backward()
    opt.step()
    path = tmp_path / "ckpt.tar"
    ng.save({"epoch": 7, "model_state_dict": model.state_dict(),
             "optimizer_state_dict": opt.state_dict(), "loss": 0.5}, path)
    ckpt = torch.load(path, weights_only=True)
    assert ckpt["epoch"] == 7 and ckpt["loss"] == 0.5
    twin = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU())
    twin.load_state_dict(ckpt["model_state_dict"])
    for (name, a), b in zip(model.state_dict().items(), twin.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    assert ckpt["optimizer_state_dict"]["state"][0]["step"].item() == 1.0
    import zipfile

    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert names[0] == "ckpt/data.pkl" and "ckpt/.data/serialization_id" in names
        assert archive.read("ckpt/byteorder") == b"little"
        assert archive.read("ckpt/version") == b"3\n"
        for info in archive.infolist():
            assert info.compress_type == zipfile.ZIP_STORED
            with open(path, "rb") as f:
                f.seek(info.header_offset + 26)
                lengths = f.read(4)
            start = info.header_offset + 30 + int.from_bytes(lengths[:2], "little") \
                + int.from_bytes(lengths[2:], "little")
            assert start % 64 == 0, info.filename


def test_torch_state_dict_with_metadata_round_trips_through_numbagrad():
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2))
    state = _to_torch(model.state_dict(), ng)
    assert isinstance(state, OrderedDict) and state._metadata["1"]["version"] == 2
    again = _to_torch(state, torch)
    assert again._metadata["1"]["version"] == 2
    model.load_state_dict(again)


def test_torch_reads_numbagrad_file_from_a_path_and_numbagrad_reads_torch_path(tmp_path):
    path = os.path.join(tmp_path, "weights.pt")
    ng.save(OrderedDict(w=ng.ones(2, 2)), path)
    assert torch.load(path)["w"].sum().item() == 4.0
    torch.save({"w": torch.full((2,), 3.0)}, path)
    assert ng.load(path)["w"].tolist() == [3.0, 3.0]


def test_torch_memory_maps_a_numbagrad_file(tmp_path):
    path = os.path.join(tmp_path, "aligned.pt")
    ng.save({"a": ng.arange(5, dtype=ng.float64), "b": ng.ones(3, dtype=ng.int16)}, path)
    back = torch.load(path, mmap=True, weights_only=True)
    assert back["a"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0] and back["b"].tolist() == [1, 1, 1]


def test_a_whole_torch_module_is_refused_even_with_weights_only_false(tmp_path):
    path = os.path.join(tmp_path, "module.pt")
    torch.save(torch.nn.Linear(2, 2), path)
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL torch.nn.modules.linear.Linear"):
        ng.load(path)
    with pytest.raises(RuntimeError, match="torch object numbagrad cannot rebuild"):
        ng.load(path, weights_only=False)


def test_a_torch_tensor_with_python_attributes_loads_as_a_plain_tensor():
    t = torch.ones(2)
    t.note = "kept by torch, dropped by numbagrad"
    back = _to_torch({"t": t, "p": torch.nn.Parameter(torch.zeros(1))}, ng)
    assert back["t"].tolist() == [1.0, 1.0] and isinstance(back["p"], ng.nn.Parameter)
