"""The bad-input corpus (``tests/bad_input_cases.py``) against numbagrad and torch.

Every case runs in a forked child (``tests/bad_input_runner.py``), so a crash fails that case
by name. Each case must raise in numbagrad (never return, never crash); with torch installed,
numbagrad's exception class must be torch's and its message must name the op (or argument)
wherever torch's does. The two tables below list the differences kept on purpose or waiting
for a fix; each entry is checked to still differ, so a fixed difference must leave the table.
"""
from __future__ import annotations

import re

import pytest

import numbagrad
from tests.bad_input_cases import CASES
from tests.bad_input_runner import run_cases

NAMES = [name for name, _, _ in CASES]


# Exception classes that differ from torch's: case -> (numbagrad's class, torch's class, why).
# numbagrad's class is "returned" where the call does not raise yet.
CLASS_DIFFERENCES = {
    # A wrong type for ``f`` is a TypeError; torch's AttributeError comes from calling
    # ``f.write`` / ``f.seek`` on whatever it was given.
    "save: not a file": ("TypeError", "AttributeError", "a wrong type is a TypeError"),
    "load: None": ("TypeError", "AttributeError", "a wrong type is a TypeError"),
    "load: bytes path of a missing file": ("TypeError", "AttributeError",
                                           "a wrong type is a TypeError"),
    "TensorDataset: non-tensor": ("TypeError", "AttributeError", "a wrong type is a TypeError"),
    # torch falls back to its legacy pickle format for a file that is not a zip archive and
    # fails reading it (EOFError for an empty file); numbagrad reads only zip archives and
    # says the file is not a save file.
    "load: empty file": ("RuntimeError", "EOFError", "zip archives only: 'not a save file'"),
    "load: a text file": ("RuntimeError", "KeyError", "zip archives only: 'not a save file'"),
    # numbagrad has no higher-order gradients: create_graph=True is refused (NotImplementedError)
    # before the other arguments are looked at.
    "autograd.grad: create_graph with an int input": (
        "NotImplementedError", "RuntimeError", "create_graph is refused first"),
}

# Messages that lack a word (the op, an argument) that torch's message holds: case -> why.
MESSAGE_DIFFERENCES = {
    # torch names copy_'s source 'other' in this message, 'src' in its signature.
    "copy_: None": "numbagrad names the argument 'src', as torch's signature does",
}


@pytest.fixture(scope="module")
def ours() -> dict:
    return run_cases([(name, source) for name, source, _ in CASES], numbagrad)


@pytest.fixture(scope="module")
def theirs() -> dict:
    torch = pytest.importorskip("torch")
    return run_cases([(name, source) for name, source, _ in CASES], torch)


def _class(result: dict) -> str:
    return result["cls"] if result["kind"] == "raised" else result["kind"]


def _missing_words(name: str, words: tuple, ours: dict, theirs: dict) -> list:
    """The words of ``name``'s op, ``words`` and the argument torch's message names
    (``argument 'dim'``) found in torch's message but not in ours."""
    missing = []
    arguments = tuple(re.findall(r"argument '(\w+)'", theirs["msg"]))
    for word in (name.split(":")[0],) + words + arguments:
        # An in-place op may be named by its out-of-place form (add_ as add) and vice versa.
        pattern = rf"(?<!\w){re.escape(word.lower().rstrip('_'))}_?(?!\w)"
        if re.search(pattern, theirs["msg"].lower()) and not re.search(
                pattern, ours["msg"].lower()):
            missing.append(word)
    return missing


def test_corpus_names_are_unique_and_tables_name_cases():
    assert len(NAMES) == len(set(NAMES))
    assert len(NAMES) >= 300
    for name in list(CLASS_DIFFERENCES) + list(MESSAGE_DIFFERENCES):
        assert name in NAMES, f"table entry {name!r} names no case"


@pytest.mark.parametrize("name", NAMES)
def test_numbagrad_raises(name, ours):
    result = ours[name]
    if result["kind"] == "crashed":
        pytest.fail(f"{name}: the child process died ({result['how']})")
    if name in CLASS_DIFFERENCES and CLASS_DIFFERENCES[name][0] == "returned":
        assert result["kind"] == "returned", f"{name} raises now: update CLASS_DIFFERENCES"
        return
    assert result["kind"] == "raised", f"{name} returned {result.get('value')}"


@pytest.mark.parametrize("name", NAMES)
def test_class_matches_torch(name, ours, theirs):
    reference = theirs[name]
    assert reference["kind"] == "raised", f"torch does not raise for {name}: {reference}"
    got, expected = _class(ours[name]), reference["cls"]
    if name in CLASS_DIFFERENCES:
        listed = CLASS_DIFFERENCES[name][:2]
        assert (got, expected) == listed, (
            f"{name}: numbagrad gives {got}, torch {expected}; CLASS_DIFFERENCES lists {listed}")
    else:
        assert got == expected, (f"{name}: numbagrad raised {got} ({ours[name].get('msg')!r}), "
                                 f"torch {expected} ({reference['msg']!r})")


@pytest.mark.parametrize("name, words", [(name, words) for name, _, words in CASES])
def test_message_names_the_op(name, words, ours, theirs):
    if ours[name]["kind"] != "raised" or theirs[name]["kind"] != "raised":
        pytest.skip("the class tests report this case")
    if CLASS_DIFFERENCES.get(name, ("", "", ""))[2].startswith("to fix"):
        pytest.skip("its class is still to fix; the message goes with it")
    missing = _missing_words(name, words, ours[name], theirs[name])
    if name in MESSAGE_DIFFERENCES:
        assert missing, f"{name}'s message is fixed: remove it from MESSAGE_DIFFERENCES"
    else:
        assert not missing, (f"{name}: {ours[name]['msg']!r} lacks {missing}, which torch's "
                             f"{theirs[name]['msg']!r} holds")


def test_a_crash_names_its_case_and_the_run_goes_on():
    results = run_cases([("fine", "1 / 0"), ("dies", "import os; os.kill(os.getpid(), 9)"),
                         ("after", "[][1]")], numbagrad)
    assert results["fine"]["cls"] == "ZeroDivisionError"
    assert results["dies"] == {"kind": "crashed", "how": "signal 9"}
    assert results["after"]["cls"] == "IndexError"
