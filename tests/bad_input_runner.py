"""Running bad calls in forked children, so that a crash fails one case instead of the run.

One child runs cases one after another and reports each through a pipe; when it dies (a
signal, a hard exit, a hang past the per-case alarm) the case it had started is recorded as
crashed and a fresh child goes on with the next case. Cases share their child's compiled
kernels, which keeps the whole corpus fast.

The children are forked from a fresh Python process (this module run as a script), never from
the test process: a process that has already run OpenMP-parallel code (torch's kernels,
numbagrad's parallel ones) cannot safely fork a child that runs such code again (it hangs in
GNU OpenMP's thread pool), and a test process under pytest-xdist has usually run plenty.
"""
from __future__ import annotations

import builtins
import importlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

CASE_SECONDS = 60  # generous: a cold Numba cache compiles kernels inside a case


def builtin_class(exc: BaseException) -> str:
    """The first built-in class of ``exc``'s MRO: library subclasses (torch's
    ``OutOfMemoryError``, a ``LinAlgError``) count as the built-in class a user would catch."""
    for cls in type(exc).__mro__:
        if getattr(builtins, cls.__name__, None) is cls:
            return cls.__name__
    return type(exc).__name__


def namespace(lib, tmp: str) -> dict:
    """The names a case's source may use: the library as ``lib`` and its usual submodules."""
    return {"lib": lib, "nn": lib.nn, "F": lib.nn.functional, "optim": lib.optim,
            "data": lib.utils.data, "tmp": tmp}


def _run_one(src: str, lib, tmp: str) -> dict:
    try:
        code = compile(src, "<case>", "eval")
    except SyntaxError:
        code = compile(src, "<case>", "exec")
    try:
        value = eval(code, namespace(lib, tmp))  # noqa: S307
    except BaseException as exc:  # noqa: BLE001 - every class is a result here
        return {"kind": "raised", "cls": builtin_class(exc), "type": type(exc).__name__,
                "msg": _text(str, exc)[:2000]}
    return {"kind": "returned", "value": _text(repr, value)[:200]}


def _text(how, obj) -> str:
    try:
        return how(obj)
    except Exception as exc:  # noqa: BLE001 - a broken str() must not hide the result
        return f"<{how.__name__}() raised {type(exc).__name__}>"


def _child(cases: list, lib, fd: int, tmp: str) -> None:
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    for name, src in cases:
        os.write(fd, (json.dumps({"start": name}) + "\n").encode())
        signal.alarm(CASE_SECONDS)
        result = _run_one(src, lib, tmp)
        signal.alarm(0)
        result["name"] = name
        os.write(fd, (json.dumps(result) + "\n").encode())


def run_cases(cases: list, lib) -> dict:
    """``{name: result}`` for ``cases``, a list of ``(name, source)``, each run in a forked
    child with ``lib`` (the numbagrad or torch module) in a fresh process. A result is
    ``{"kind": "raised", "cls", "type", "msg"}``, ``{"kind": "returned", "value"}`` or
    ``{"kind": "crashed", "how"}``."""
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, [str(root), os.environ.get("PYTHONPATH")])))
    done = subprocess.run([sys.executable, "-m", "tests.bad_input_runner", lib.__name__],
                          input=json.dumps(cases), capture_output=True, text=True, cwd=root,
                          env=env)
    if done.returncode != 0:
        raise RuntimeError(f"the case runner failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def _fork_cases(cases: list, lib) -> dict:
    """:func:`run_cases` inside the fresh process: the fork loop."""
    results: dict = {}
    todo = list(cases)
    with tempfile.TemporaryDirectory() as tmp:
        while todo:
            read_fd, write_fd = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: never returns into pytest
                status = 0
                try:
                    os.close(read_fd)
                    _child(todo, lib, write_fd, tmp)
                except BaseException:  # noqa: BLE001
                    status = 3
                finally:
                    os._exit(status)
            os.close(write_fd)
            with os.fdopen(read_fd, "rb") as pipe:
                lines = pipe.read().decode().splitlines()
            _, status = os.waitpid(pid, 0)
            started = None
            for line in lines:
                record = json.loads(line)
                if "start" in record:
                    started = record["start"]
                else:
                    results[record.pop("name")] = record
                    started = None
            done = {name for name, _ in todo if name in results}
            if started is not None:
                how = (f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
                       else f"exit status {os.WEXITSTATUS(status)}")
                results[started] = {"kind": "crashed", "how": how}
                done.add(started)
            elif not done:
                raise RuntimeError("the case runner's child stopped before its first case")
            todo = [case for case in todo if case[0] not in done]
    return results


if __name__ == "__main__":
    _library = importlib.import_module(sys.argv[1])
    _cases = [tuple(case) for case in json.loads(sys.stdin.read())]
    print(json.dumps(_fork_cases(_cases, _library)))
