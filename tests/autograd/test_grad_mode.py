"""Grad mode: no_grad, enable_grad, set_grad_enabled, inference_mode; per thread and per task."""
from __future__ import annotations

import asyncio
import threading

import pytest

import numbagrad


def _x():
    return numbagrad.ones(2, requires_grad=True)


def test_no_grad_context_manager():
    x = _x()
    with numbagrad.no_grad():
        assert not numbagrad.is_grad_enabled()
        y = x * 2
    assert numbagrad.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None


@pytest.mark.parametrize("decorate", [numbagrad.no_grad, numbagrad.no_grad()],
                         ids=["bare", "called"])
def test_no_grad_decorator(decorate):
    @decorate
    def double(t):
        return t * 2, numbagrad.is_grad_enabled()

    y, enabled = double(_x())
    assert not enabled and not y.requires_grad
    assert numbagrad.is_grad_enabled()
    assert double.__name__ == "double"


def test_enable_grad_inside_no_grad():
    x = _x()
    with numbagrad.no_grad():
        with numbagrad.enable_grad():
            y = x * 2
        z = x * 2
    assert y.requires_grad and not z.requires_grad


@pytest.mark.parametrize("decorate", [numbagrad.enable_grad, numbagrad.enable_grad()],
                         ids=["bare", "called"])
def test_enable_grad_decorator(decorate):
    @decorate
    def double(t):
        return t * 2

    with numbagrad.no_grad():
        y = double(_x())
    assert y.requires_grad


def test_set_grad_enabled_as_function_context_and_decorator():
    x = _x()
    try:
        numbagrad.set_grad_enabled(False)
        assert not (x * 2).requires_grad
    finally:
        numbagrad.set_grad_enabled(True)
    with numbagrad.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert numbagrad.is_grad_enabled()

    @numbagrad.set_grad_enabled(False)
    def f(t):
        return t * 2

    assert numbagrad.is_grad_enabled()
    assert not f(x).requires_grad
    assert numbagrad.is_grad_enabled()


def test_set_grad_enabled_true_inside_no_grad():
    with numbagrad.no_grad():
        with numbagrad.set_grad_enabled(True):
            assert (_x() * 2).requires_grad
        assert not numbagrad.is_grad_enabled()


def test_mode_restored_after_exception():
    with pytest.raises(ValueError):
        with numbagrad.no_grad():
            raise ValueError
    assert numbagrad.is_grad_enabled()


def test_inference_mode():
    with numbagrad.inference_mode():
        assert not (_x() * 2).requires_grad
    with numbagrad.inference_mode(False):
        assert (_x() * 2).requires_grad


def test_grad_mode_is_per_thread():
    seen = {}

    def worker():
        seen["enabled"] = numbagrad.is_grad_enabled()
        with numbagrad.no_grad():
            seen["inner"] = numbagrad.is_grad_enabled()

    with numbagrad.no_grad():
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        assert not numbagrad.is_grad_enabled()
    # A new thread starts with grad enabled, whatever its parent's mode (as torch).
    assert seen == {"enabled": True, "inner": False}
    assert numbagrad.is_grad_enabled()


def test_no_grad_in_one_thread_does_not_leak_into_another():
    inside = threading.Event()
    release = threading.Event()
    seen = {}

    def holder():
        with numbagrad.no_grad():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=holder)
    thread.start()
    inside.wait(5)
    seen["main"] = numbagrad.is_grad_enabled()
    release.set()
    thread.join()
    assert seen["main"] is True


def test_grad_mode_is_per_asyncio_task():
    async def task(disable: bool):
        if disable:
            with numbagrad.no_grad():
                await asyncio.sleep(0.01)
                return numbagrad.is_grad_enabled()
        await asyncio.sleep(0.005)
        return numbagrad.is_grad_enabled()

    async def main():
        return await asyncio.gather(task(True), task(False))

    assert asyncio.run(main()) == [False, True]
