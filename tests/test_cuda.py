"""Without a CUDA backend, tutorial programs pick the CPU, and asking for a GPU fails clearly."""
import pytest

import numbagrad as torch


def test_tutorial_device_choice_picks_the_cpu():
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    assert device == torch.device("cpu")
    assert torch.cuda.device_count() == 0
    model = torch.nn.Linear(2, 1).to(device)
    assert model(torch.ones(3, 2).to(device)).shape == (3, 1)


@pytest.mark.parametrize("move", [lambda x: x.to("cuda"), lambda x: x.cuda(),
                                  lambda x: torch.nn.Linear(2, 2).to("cuda")])
def test_moving_to_a_gpu_raises_a_clear_error(move):
    with pytest.raises(RuntimeError, match="no CUDA backend"):
        move(torch.ones(2))
