"""The device model on a GPU: moving tensors and modules, copies back, errors for mixed devices."""
import numpy as np
import pytest

import numbagrad as torch


def test_tensor_moves_and_comes_back():
    x = torch.arange(6.0).reshape(2, 3)
    for y in (x.cuda(), x.to("cuda"), x.to(torch.device("cuda", 0)), x.to("cuda:0")):
        assert y.device == torch.device("cuda:0") and y.is_cuda
        assert str(y.device) == "cuda:0"
        back = y.cpu()
        assert back.device.type == "cpu"
        np.testing.assert_array_equal(back.numpy(), x.numpy())
    assert torch.cuda.is_available() and torch.cuda.device_count() >= 1


def test_copies_back_to_python():
    y = torch.tensor([[1.5, 2.0], [3.0, 4.0]], device="cuda")
    assert y.item() if y.numel() == 1 else y[0, 0].item() == 1.5
    assert y.tolist() == [[1.5, 2.0], [3.0, 4.0]]
    assert float(y.sum()) == 10.5
    np.testing.assert_array_equal(np.asarray(y), [[1.5, 2.0], [3.0, 4.0]])
    with pytest.raises(TypeError, match="cuda:0 device type tensor to numpy"):
        y.numpy()


def test_printing_names_the_device():
    assert repr(torch.zeros(2, device="cuda")) == "tensor([0., 0.], device='cuda:0')"


def test_creation_functions_take_a_device():
    for t in (torch.zeros(2, 3, device="cuda"), torch.ones(2, device="cuda"),
              torch.full((2,), 7.0, device="cuda"), torch.empty(4, device="cuda"),
              torch.tensor([1, 2], device="cuda"), torch.arange(5, device="cuda"),
              torch.zeros_like(torch.ones(2, device="cuda"))):
        assert t.device.type == "cuda"
    assert torch.ones(2, 2, device="cuda").sum().item() == 4.0


def test_mixing_devices_raises_naming_both():
    with pytest.raises(RuntimeError, match="cuda:0.*cpu|cpu.*cuda:0"):
        torch.ones(2, device="cuda") + torch.ones(2)
    with pytest.raises(RuntimeError, match="cuda:0.*cpu|cpu.*cuda:0"):
        torch.ones(2, 2, device="cuda") @ torch.ones(2, 2)


def test_gradient_flows_back_across_the_move():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x.cuda() * 2.0).sum()
    y.backward()
    assert x.grad.device.type == "cpu"
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])
    w = torch.ones(3, device="cuda", requires_grad=True)
    (w.cpu() * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert w.grad.device.type == "cuda"
    assert w.grad.tolist() == [1.0, 2.0, 3.0]


def test_module_to_moves_parameters_and_optimizer_state_follows():
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    same = model.to("cuda")
    assert same is model
    assert all(p.device.type == "cuda" for p in model.parameters())
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    loss = model(torch.ones(5, 3, device="cuda")).pow(2).mean()
    loss.backward()
    assert all(p.grad.device.type == "cuda" for p in model.parameters())
    opt.step()
    for state in opt.state.values():
        for value in state.values():
            if isinstance(value, torch.Tensor) and value.dim() > 0:
                assert value.device.type == "cuda"
    model.cpu()
    assert all(p.device.type == "cpu" for p in model.parameters())


def test_cuda_array_interface():
    from numbagrad.backends.cuda._array import SIMULATED

    if not SIMULATED:  # the simulator's arrays have none
        interface = torch.arange(6.0, device="cuda").reshape(2, 3).__cuda_array_interface__
        assert tuple(interface["shape"]) == (2, 3)
    with pytest.raises(AttributeError):
        torch.ones(2).__cuda_array_interface__
    with pytest.raises(RuntimeError, match="requires grad"):
        torch.ones(2, device="cuda", requires_grad=True).__cuda_array_interface__


def test_launches_are_counted():
    before = torch.cuda.launches()
    torch.ones(4, device="cuda") * 2.0
    assert torch.cuda.launches() > before
    torch.cuda.synchronize()


def test_invalid_gpu_number_is_refused():
    with pytest.raises(RuntimeError, match="invalid device ordinal"):
        torch.ones(2).to("cuda:7")


def test_random_numbers_are_drawn_on_the_gpu_and_follow_manual_seed():
    torch.manual_seed(3)
    a = torch.randn(64, device="cuda")
    u = torch.rand(64, device="cuda", dtype=torch.float64)
    torch.manual_seed(3)
    assert torch.randn(64, device="cuda").tolist() == a.tolist()
    assert a.device.type == "cuda" and u.dtype == torch.float64
    assert 0.0 <= u.min().item() and u.max().item() < 1.0
    with pytest.raises(RuntimeError, match="CPU Generator"):
        torch.randn(2, device="cuda", generator=torch.Generator())


def test_dropout_on_the_gpu():
    x = torch.ones(200, device="cuda")
    out = torch.nn.functional.dropout(x, p=0.25)
    assert out.device.type == "cuda"
    assert set(out.tolist()) <= {0.0, float(np.float32(1.0 / 0.75))}
    assert 0.5 < (out != 0).float().mean().item() < 0.95


def test_save_and_load_keep_or_map_the_device(tmp_path):
    model = torch.nn.Linear(3, 2).to("cuda")
    torch.save(model.state_dict(), tmp_path / "m.pt")
    state = torch.load(tmp_path / "m.pt")
    assert state["weight"].device.type == "cuda"
    on_cpu = torch.load(tmp_path / "m.pt", map_location="cpu")
    np.testing.assert_array_equal(on_cpu["weight"].numpy(), model.weight.detach().cpu().numpy())
