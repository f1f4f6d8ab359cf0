"""Hook handles and the machinery of full backward hooks, at torch's import path
(``torch.utils.hooks``): :class:`RemovableHandle`, returned by every hook registration, and
:class:`BackwardHook`, which ``Module.__call__`` sets up around a module's inputs and outputs
when ``register_full_backward_hook`` was used."""
from __future__ import annotations

from numbagrad.tensor import Tensor


class BackwardHook:
    """The full backward hooks of one call: identity functions around the module's tensor
    inputs and outputs catch ``grad_output`` on the way in and ``grad_input`` on the way out,
    as torch's ``BackwardHook``."""

    def __init__(self, module) -> None:
        self.module = module
        self.grad_outputs = None
        self.positions: list = []
        self.n_tensors = 0

    def _call_hooks(self, grad_input: tuple):
        for hook in list(self.module._backward_hooks.values()):
            result = hook(self.module, grad_input, self.grad_outputs)
            if result is not None:
                result = result if isinstance(result, tuple) else (result,)
                if len(result) != len(grad_input):
                    raise RuntimeError(f"Backward hook returned an invalid number of grad_input, "
                                       f"got {len(result)}, but expected {len(grad_input)}")
                grad_input = result
        return grad_input

    def _call_pre_hooks(self) -> None:
        for pre in list(getattr(self.module, "_backward_pre_hooks", {}).values()):
            result = pre(self.module, self.grad_outputs)
            if result is not None:
                result = result if isinstance(result, tuple) else (result,)
                if len(result) != len(self.grad_outputs):
                    raise RuntimeError("Backward pre hook returned an invalid number of "
                                       f"grad_output, got {len(result)}, but expected "
                                       f"{len(self.grad_outputs)}")
                self.grad_outputs = result

    def setup_input_hook(self, args: tuple) -> tuple:
        from numbagrad.autograd.grad_mode import is_grad_enabled

        tensors = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.n_tensors = len(tensors)
        self.positions = [i for i in tensors if args[i].requires_grad]
        if not self.positions or not is_grad_enabled():
            self.positions = []
            return args
        hook = self

        def on_grad_input(grads: tuple) -> tuple:
            full = [None] * hook.n_tensors
            slots = [tensors.index(i) for i in hook.positions]
            for slot, g in zip(slots, grads):
                full[slot] = g
            full = hook._call_hooks(tuple(full))
            return tuple(full[slot] for slot in slots)

        wrapped = _HookIdentity.apply(on_grad_input, *[args[i] for i in self.positions])
        wrapped = wrapped if isinstance(wrapped, tuple) else (wrapped,)
        args = list(args)
        for i, t in zip(self.positions, wrapped):
            args[i] = t
        return tuple(args)

    def setup_output_hook(self, output):
        single = isinstance(output, Tensor)
        outputs = (output,) if single else output
        if not isinstance(outputs, tuple):
            return output
        places = [i for i, o in enumerate(outputs) if isinstance(o, Tensor) and o.requires_grad]
        if not places:
            return output
        hook = self

        def on_grad_output(grads: tuple) -> tuple:
            full = [None] * len(outputs)
            for i, g in zip(places, grads):
                full[i] = g
            hook.grad_outputs = tuple(full) if not single else (full[0],)
            hook._call_pre_hooks()
            grads = tuple(hook.grad_outputs[i] for i in places)
            if not hook.positions:  # no input needs a gradient: the hooks run now
                hook._call_hooks((None,) * hook.n_tensors)
            return grads

        wrapped = _HookIdentity.apply(on_grad_output, *[outputs[i] for i in places])
        wrapped = wrapped if isinstance(wrapped, tuple) else (wrapped,)
        result = list(outputs)
        for i, t in zip(places, wrapped):
            result[i] = t
        return result[0] if single else tuple(result)


def _hook_identity_class():
    from numbagrad.autograd.function import Function

    class _HookIdentityFunction(Function):
        """The identity on tensors whose backward hands the gradients to a callback."""

        @staticmethod
        def forward(ctx, callback, *tensors):
            ctx.callback = callback
            outs = tuple(t.view_as(t) for t in tensors)
            return outs[0] if len(outs) == 1 else outs

        @staticmethod
        def backward(ctx, *grads):
            return (None,) + tuple(ctx.callback(grads))

    return _HookIdentityFunction


class _LazyIdentity:
    _cls = None

    def apply(self, *args):
        if _LazyIdentity._cls is None:
            _LazyIdentity._cls = _hook_identity_class()
        return _LazyIdentity._cls.apply(*args)


_HookIdentity = _LazyIdentity()


class RemovableHandle:
    """Returned by the hook registrations; ``remove()`` (or leaving a ``with`` block)
    unregisters the hook.

    ``extra`` names the sets of hook ids (with kwargs, always called) that the id leaves too.
    """

    _next_id = 0

    def __init__(self, hooks_dict: dict, *, extra=None) -> None:
        self.hooks_dict_ref = hooks_dict
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1
        if extra is None:
            extra = ()
        elif isinstance(extra, (set, dict)):
            extra = (extra,)
        self.extra_dict_ref = tuple(extra)

    def remove(self) -> None:
        """Unregister the hook."""
        self.hooks_dict_ref.pop(self.id, None)
        for store in self.extra_dict_ref:
            if isinstance(store, set):
                store.discard(self.id)
            else:
                store.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


