"""numbagrad's native format (serialization.native.save), read by numbagrad.load: round trips,
Modules, atomic writes and hostile files."""
import io
import json
import os
import pickle
import subprocess
import sys
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import numbagrad as torch
from numbagrad import serialization
from numbagrad.serialization import native
from numbagrad.nn.module import Module
from numbagrad.nn.parameter import Parameter


class TwoLayer(Module):
    """A Module built by hand from Parameters and a buffer (no nn layers needed)."""

    def __init__(self):
        super().__init__()
        self.w1 = Parameter(torch.randn(4, 3))
        self.b1 = Parameter(torch.zeros(4))
        self.inner = Module()
        self.inner.w2 = Parameter(torch.randn(2, 4, dtype=torch.float64))
        self.register_buffer("steps", torch.tensor([5]))


def _round_trip(obj, **load_kwargs):
    buffer = io.BytesIO()
    native.save(obj, buffer)
    buffer.seek(0)
    return torch.load(buffer, **load_kwargs)


def test_round_trip_nested_structure_and_dtypes(tmp_path):
    obj = {
        "f32": torch.randn(2, 3), "f64": torch.randn(3, dtype=torch.float64),
        "i32": torch.tensor([1, -2], dtype=torch.int32), "i64": torch.arange(5),
        "bool": torch.tensor([True, False]), "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 4),
        "numbers": [1, 2.5, float("inf"), True, None, "text"],
        "tuple": (1, ("nested", [torch.ones(1)])),
        7: "int key", (1, "a"): "tuple key", None: "none key",
        "dtype": torch.float64, "np": np.arange(4, dtype=np.float32),
    }
    path = tmp_path / "obj.pt"
    native.save(obj, path)
    back = torch.load(path)
    assert set(back) == set(obj)
    for key in ("f32", "f64", "i32", "i64", "bool", "scalar", "empty"):
        assert back[key].dtype is obj[key].dtype and back[key].shape == obj[key].shape
        np.testing.assert_array_equal(back[key].numpy(), obj[key].numpy())
    assert back["numbers"] == obj["numbers"]
    assert isinstance(back["tuple"], tuple) and isinstance(back["tuple"][1], tuple)
    assert back["tuple"][1][1][0].tolist() == [1.0]
    assert back[7] == "int key" and back[(1, "a")] == "tuple key" and back[None] == "none key"
    assert back["dtype"] is torch.float64
    np.testing.assert_array_equal(back["np"], obj["np"])


def test_order_sharing_and_requires_grad_are_kept():
    shared = torch.ones(3, requires_grad=True)
    back = _round_trip(OrderedDict([("b", shared), ("a", [shared, Parameter(torch.zeros(2))])]))
    assert isinstance(back, OrderedDict) and list(back) == ["b", "a"]
    assert back["b"] is back["a"][0] and back["b"].requires_grad
    assert isinstance(back["a"][1], Parameter) and back["a"][1].requires_grad


def test_non_contiguous_tensor_round_trip():
    x = torch.arange(12, dtype=torch.float32).reshape(3, 4).t()
    back = _round_trip(x)
    np.testing.assert_array_equal(back.numpy(), x.numpy())


def test_module_state_dict_into_fresh_module(tmp_path):
    torch.manual_seed(0)
    model = TwoLayer()
    path = os.path.join(tmp_path, "model.pt")
    native.save(model.state_dict(), path)
    torch.manual_seed(1)
    fresh = TwoLayer()
    assert not np.array_equal(fresh.w1.detach().numpy(), model.w1.detach().numpy())
    state = torch.load(path, weights_only=True)
    assert list(state) == ["w1", "b1", "steps", "inner.w2"]
    fresh.load_state_dict(state)
    for (name, a), (_, b) in zip(model.state_dict().items(), fresh.state_dict().items()):
        assert a.dtype is b.dtype, name
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert fresh.inner.w2.dtype is torch.float64 and isinstance(fresh.w1, Parameter)


def test_optimizer_style_state_dict():
    state = {"state": {0: {"step": torch.tensor(3.0), "exp_avg": torch.zeros(2)}, 1: {}},
             "param_groups": [{"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-08,
                               "amsgrad": False, "params": [0, 1]}]}
    back = _round_trip(state)
    assert back["param_groups"] == state["param_groups"]
    assert set(back["state"]) == {0, 1} and back["state"][0]["step"].item() == 3.0


def test_map_location():
    back = _round_trip({"x": torch.ones(2)}, map_location="cpu")
    assert back["x"].device == torch.device("cpu")
    back = _round_trip({"x": torch.ones(2)}, map_location={"cuda:0": "cpu"})
    assert back["x"].device == torch.device("cpu")
    calls = []
    back = _round_trip([torch.ones(2)], map_location=lambda t, loc: calls.append(loc))
    assert calls == ["cpu"] and back[0].tolist() == [1.0, 1.0]


def test_unsupported_objects_name_the_type_and_the_path(tmp_path):
    with pytest.raises(TypeError, match=r"type .*TwoLayer at obj\['model'\]"):
        native.save({"model": TwoLayer()}, tmp_path / "x.pt")
    with pytest.raises(TypeError, match=r"function at obj\['opt'\]\[1\]"):
        native.save({"opt": [1, lambda: 0]}, tmp_path / "x.pt")
    with pytest.raises(TypeError, match="set"):
        native.save({1, 2}, tmp_path / "x.pt")
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match="circular"):
        native.save(loop, tmp_path / "x.pt")
    assert not os.listdir(tmp_path)  # nothing written, no temporary files left


def test_crash_mid_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    native.save({"version": 1, "w": torch.ones(3)}, path)

    real_write_array = np.lib.format.write_array
    calls = []

    def crash_on_second_tensor(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full (simulated)")
        return real_write_array(*args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", crash_on_second_tensor)
    with pytest.raises(OSError, match="simulated"):
        native.save({"version": 2, "a": torch.zeros(1000), "b": torch.zeros(1000)}, path)
    monkeypatch.undo()
    back = torch.load(path)
    assert back["version"] == 1 and back["w"].tolist() == [1.0, 1.0, 1.0]
    assert os.listdir(tmp_path) == ["ckpt.pt"]


def test_crash_before_rename_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    native.save([1], path)

    def broken_replace(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(serialization.os, "replace", broken_replace)
    with pytest.raises(KeyboardInterrupt):
        native.save([2], path)
    monkeypatch.undo()
    assert torch.load(path) == [1] and os.listdir(tmp_path) == ["ckpt.pt"]


class _Boom:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_plain_pickle_is_refused(tmp_path):
    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps({"w": _Boom()}))
    with pytest.raises(RuntimeError, match="a pickle, not a zip archive.*legacy format"):
        torch.load(path)


def test_object_array_inside_a_crafted_archive_is_refused(tmp_path):
    path = tmp_path / "crafted.pt"
    manifest = {"format": "numbagrad.save", "version": 1,
                "root": {"$": "tensor", "key": "tensors/0.npy", "device": "cpu"}}
    evil = io.BytesIO()
    np.save(evil, np.array([_Boom()], dtype=object), allow_pickle=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("numbagrad.json", json.dumps(manifest))
        archive.writestr("tensors/0.npy", evil.getvalue())
    with pytest.raises(RuntimeError, match=r"damaged.*tensors/0.npy holds dtype object"):
        torch.load(path)


@pytest.mark.parametrize("manifest, message", [
    ({"format": "other", "version": 1, "root": None}, "does not declare format"),
    ({"format": "numbagrad.save", "version": 99, "root": None}, "version 99"),
    ({"format": "numbagrad.save", "version": 1, "root": {"$": "eval", "code": "1"}},
     "unknown entry type 'eval'"),
    ({"format": "numbagrad.save", "version": 1, "root": {"$": "tensor", "key": "../x"}},
     "bad tensor reference"),
    ({"format": "numbagrad.save", "version": 1, "root": {"$": "tensor", "key": "tensors/9.npy"}},
     "no tensors/9.npy"),
])
def test_damaged_or_foreign_manifests(tmp_path, manifest, message):
    path = tmp_path / "f.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("numbagrad.json", json.dumps(manifest))
    with pytest.raises(RuntimeError, match=message):
        torch.load(path)


def test_files_that_are_not_save_files(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(RuntimeError, match="not a numbagrad or torch save file.*not a zip archive"):
        torch.load(text)
    other_zip = tmp_path / "other.zip"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("readme", "x")
    with pytest.raises(RuntimeError, match="with neither numbagrad.json nor"):
        torch.load(other_zip)
    with pytest.raises(FileNotFoundError):
        torch.load(tmp_path / "missing.pt")


def test_file_objects_and_pathlike(tmp_path):
    path = tmp_path / "f.pt"
    with open(path, "wb") as f:
        native.save({"a": torch.arange(3)}, f)
    with open(path, "rb") as f:
        assert torch.load(f)["a"].tolist() == [0, 1, 2]
    with pytest.raises(TypeError, match="path or a binary file object"):
        native.save({}, 3)


def test_loaded_tensors_are_writable_and_contiguous():
    back = _round_trip({"w": torch.arange(6, dtype=torch.float32).reshape(2, 3).t()})
    w = back["w"]
    assert w.is_contiguous()
    w.add_(1.0)
    assert w.tolist() == [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]


# ---------------------------------------------------------------------------- hostile files


def _archive(path, manifest, members: dict) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("numbagrad.json", json.dumps(manifest))
        for name, data in members.items():
            archive.writestr(name, data)


_ONE_TENSOR = {"format": "numbagrad.save", "version": 1,
               "root": {"$": "tensor", "key": "tensors/0.npy", "device": "cpu"}}


def _npy_header(header: str) -> bytes:
    body = header.encode("latin1")
    body += b" " * (-(10 + len(body) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(body).to_bytes(2, "little") + body


def test_every_flipped_byte_gives_the_documented_error():
    buffer = io.BytesIO()
    native.save({"model": OrderedDict(w=torch.randn(3, 4), b=torch.zeros(4)), "step": 3,
                "opt": {"state": {0: {"m": torch.ones(2)}}}}, buffer)
    data = buffer.getvalue()
    for position in range(len(data)):
        damaged = bytearray(data)
        damaged[position] ^= 0x41
        try:
            torch.load(io.BytesIO(bytes(damaged)))
        except RuntimeError as err:
            assert "the file object" in str(err)
        # Loading without an error is right too: the byte was one no reader checks (a time).


def test_header_claiming_more_data_than_the_member_holds_is_refused_before_allocating(tmp_path):
    path = tmp_path / "huge.pt"
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776,), }"
    _archive(path, _ONE_TENSOR, {"tensors/0.npy": _npy_header(header) + b"\0" * 16})
    with pytest.raises(RuntimeError, match=r"huge.pt.*claims shape \(1099511627776,\).*16 bytes"):
        torch.load(path)


@pytest.mark.parametrize("header", [
    "{'descr': '<f8', 'fortran_order': False, 'shape': (3,",  # unbalanced
    "{'descr': '<f8', 'fortran_order': False}",  # no shape
    "__import__('os').system('echo pwned')",
])
def test_malformed_npy_headers_are_refused(tmp_path, header):
    path = tmp_path / "bad.pt"
    _archive(path, _ONE_TENSOR, {"tensors/0.npy": _npy_header(header) + b"\0" * 24})
    with pytest.raises(RuntimeError, match=r"bad.pt.*damaged.*no valid .npy header"):
        torch.load(path)


def test_compressed_member_is_refused(tmp_path):
    path = tmp_path / "zipped.pt"
    array = io.BytesIO()
    np.save(array, np.zeros(3))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("numbagrad.json", json.dumps(_ONE_TENSOR))
        archive.writestr("tensors/0.npy", array.getvalue())
    with pytest.raises(RuntimeError, match="compressed"):
        torch.load(path)


@pytest.mark.parametrize("depth", [300, 100_000])
def test_deeply_nested_manifests_are_refused(tmp_path, depth):
    path = tmp_path / "deep.pt"
    root = '{"$": "list", "items": [' * depth + "]}" * depth
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("numbagrad.json",
                         '{"format": "numbagrad.save", "version": 1, "root": ' + root + "}")
    with pytest.raises(RuntimeError, match="deep.pt.*damaged"):
        torch.load(path)


def test_a_killed_save_leaves_a_temporary_that_the_next_save_removes(tmp_path):
    path = tmp_path / "ckpt.pt"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])  # its pid is unused once it ends
    dead.wait()
    leftover = tmp_path / f".ckpt.pt.{dead.pid}.0123456789ab.tmp"
    leftover.write_bytes(b"half a checkpoint")
    live = tmp_path / f".ckpt.pt.{os.getppid()}.0123456789ab.tmp"  # a save still running
    live.write_bytes(b"in progress")
    other = tmp_path / f".other.pt.{dead.pid}.0123456789ab.tmp"
    other.write_bytes(b"another file's")
    native.save([1], path)
    assert sorted(os.listdir(tmp_path)) == sorted(["ckpt.pt", live.name, other.name])
    assert torch.load(path) == [1]
