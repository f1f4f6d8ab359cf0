"""Products against torch: einsum (hand equations and random ones), tensordot, dot, vdot, mv,
outer/ger, addmm/addmv/addbmm/baddbmm (and their in-place forms), kron, cross and cdist —
values, dtypes, gradients, ``out=`` and the errors raised for bad input."""
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numbagrad as ng

torch = pytest.importorskip("torch")


def _same(ours, theirs, tol=1e-9):
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(np.asarray(ours.detach().tolist(), dtype=np.float64),
                               np.asarray(theirs.detach().tolist(), dtype=np.float64),
                               rtol=tol, atol=tol)


def _both(fn, *arrays, tol=1e-9):
    """Run ``fn(lib, *tensors)`` in numbagrad and torch; compare values and the gradients of
    the result times a fixed weight, for every float input."""
    ours = [ng.tensor(a, requires_grad=np.asarray(a).dtype.kind == "f") for a in arrays]
    theirs = [torch.tensor(a, requires_grad=np.asarray(a).dtype.kind == "f") for a in arrays]
    r_ours, r_theirs = fn(ng, *ours), fn(torch, *theirs)
    _same(r_ours, r_theirs, tol)
    if r_theirs.requires_grad:
        w = np.cos(np.arange(r_theirs.numel(), dtype=np.float64)).reshape(tuple(r_theirs.shape))
        (r_ours * ng.tensor(w, dtype=r_ours.dtype)).sum().backward()
        (r_theirs * torch.tensor(w, dtype=r_theirs.dtype)).sum().backward()
        for o, t in zip(ours, theirs):
            if t.requires_grad:
                assert t.grad is not None and o.grad is not None
                _same(o.grad, t.grad, tol)


def _rand(*shape, seed=0):
    return np.random.default_rng(seed + len(shape) + sum(shape)).standard_normal(shape)


EINSUMS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]), ("iji->j", [(2, 3, 2)]), ("iii->i", [(2, 2, 2)]),
    ("iij,jk->ki", [(3, 3, 2), (2, 4)]),
    ("...ij,...jk", [(2, 1, 2, 3), (5, 3, 2)]), ("bij,bjk->bik", [(2, 2, 3), (1, 3, 4)]),
    ("i,j,k->ijk", [(2,), (3,), (4,)]), ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("ab,cd->", [(2, 3), (4, 5)]), ("ijk->", [(2, 3, 4)]), ("ij->ji", [(2, 3)]), ("ba", [(2, 3)]),
    ("Ba", [(2, 3)]), ("i...->...", [(2, 3, 4)]), ("i,i->i", [(3,), (1,)]),
    ("ij,ij,ij->i", [(2, 3), (2, 3), (2, 3)]), ("ijk,ikl->jl", [(2, 3, 4), (2, 4, 5)]),
    ("", [()]), (" i j , j -> i ", [(2, 3), (3,)]), ("i->", [(0,)]),
    ("ij,jk->ik", [(2, 0), (0, 3)]),
    ("...", [(2, 3)]), ("i->i...", [(3,)]), ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUMS, ids=[e for e, _ in EINSUMS])
def test_einsum_matches_torch(eq, shapes):
    _both(lambda L, *xs: L.einsum(eq, *xs), *[_rand(*s) for s in shapes])


def test_einsum_operand_list_and_sublist_forms():
    a, b = _rand(2, 3), _rand(3, 4)
    _both(lambda L, x, y: L.einsum("ij,jk", [x, y]), a, b)
    _both(lambda L, x, y: L.einsum("ij,jk", (x, y)), a, b)
    _both(lambda L, x, y: L.einsum(x, [0, 1], y, [1, 2], [0, 2]), a, b)
    _both(lambda L, x, y: L.einsum(x, [Ellipsis, 1], y, [1, 2]), a, b)


def test_einsum_dtypes_as_torch():
    for eq, xs in [("ij->", [np.ones((2, 3), bool)]), ("ij->", [np.ones((2, 3), np.int32)]),
                   ("ij->ji", [np.ones((2, 3), np.int32)]),
                   ("i,j->ij", [np.ones(2, bool), np.ones(3, bool)]),
                   ("ij,jk->ik", [np.arange(6).reshape(2, 3), np.arange(6).reshape(3, 2)]),
                   ("ii", [np.arange(9).reshape(3, 3)])]:
        _same(ng.einsum(eq, *[ng.tensor(x) for x in xs]),
              torch.einsum(eq, *[torch.tensor(x) for x in xs]))


def test_einsum_float32_matches_torch():
    a, b = _rand(3, 4).astype(np.float32), _rand(4, 5).astype(np.float32)
    _same(ng.einsum("ij,jk->ki", ng.tensor(a), ng.tensor(b)),
          torch.einsum("ij,jk->ki", torch.tensor(a), torch.tensor(b)), 1e-5)


_LETTERS = "abcdeFG"


@st.composite
def _einsum_case(draw):
    """A random equation torch accepts: 1-3 operands of up to 3 labels (repeats allowed:
    diagonals), dimensions of size 1 broadcasting, an optional ellipsis, an implicit or
    explicit output (a permuted subset of the labels); and the operands' shapes."""
    letters = draw(st.lists(st.sampled_from(_LETTERS), min_size=1, max_size=4, unique=True))
    size = {c: draw(st.integers(1, 3)) for c in letters}
    ell = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    n_ops = draw(st.integers(1, 3))
    subs, shapes = [], []
    for _ in range(n_ops):
        labels = draw(st.lists(st.sampled_from(letters), max_size=3))
        ones = {c: draw(st.booleans()) and draw(st.booleans()) for c in labels}
        shape = [1 if ones[c] else size[c] for c in labels]
        text = "".join(labels)
        if ell and draw(st.booleans()):
            k = draw(st.integers(0, len(labels)))
            covered = draw(st.integers(0, len(ell)))
            part = [1 if draw(st.booleans()) and draw(st.booleans()) else n
                    for n in ell[len(ell) - covered:]]
            text = text[:k] + "..." + text[k:]
            shape = shape[:k] + part + shape[k:]
        subs.append(text)
        shapes.append(tuple(shape))
    eq = ",".join(subs)
    if draw(st.booleans()):
        used = sorted({c for s in subs for c in s if c != "."})
        out = draw(st.permutations(used))[:draw(st.integers(0, len(used)))]
        out = "".join(out)
        if any("..." in s for s in subs) and draw(st.booleans()):
            k = draw(st.integers(0, len(out)))
            out = out[:k] + "..." + out[k:]
        eq += "->" + out
    return eq, shapes


@settings(max_examples=60, deadline=None)
@given(_einsum_case(), st.integers(0, 2**16))
def test_random_einsum_matches_torch_and_numpy(case, seed):
    eq, shapes = case
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    _both(lambda L, *xs: L.einsum(eq, *xs), *arrays)
    # NumPy does not broadcast dimensions of size 1 under a letter; compare where it agrees
    # to compute.
    try:
        expected = np.einsum(eq.replace(" ", ""), *arrays)
    except ValueError:
        return
    np.testing.assert_allclose(
        ng.einsum(eq, *[ng.tensor(a) for a in arrays]).numpy(), expected, rtol=1e-9, atol=1e-9)


def test_tensordot_dot_vdot_mv_outer_match_torch():
    _both(lambda L, a, b: L.tensordot(a, b), _rand(2, 3, 4), _rand(3, 4, 5))
    _both(lambda L, a, b: L.tensordot(a, b, dims=([0, 2], [2, 0])), _rand(2, 3, 4), _rand(4, 3, 2))
    _both(lambda L, a, b: L.tensordot(a, b, dims=[[-1], [0]]), _rand(2, 3), _rand(3, 2))
    _both(lambda L, a, b: L.tensordot(a, b, 0), _rand(2, 3), _rand(3))
    _both(lambda L, a, b: L.tensordot(a, b, dims=L.tensor(1)), _rand(2, 3), _rand(3, 2))
    _both(lambda L, a, b: L.dot(a, b), _rand(3), _rand(3, seed=1))
    _both(lambda L, a, b: a.dot(b), np.arange(3), np.arange(3))
    _both(lambda L, a, b: a.vdot(b), _rand(4), _rand(4, seed=1))
    _both(lambda L, a, b: L.mv(a, b), _rand(2, 3), _rand(3))
    _both(lambda L, a, b: a.mv(b), np.arange(6).reshape(2, 3), np.arange(3))
    _both(lambda L, a, b: L.outer(a, b), _rand(2), _rand(3))
    with pytest.warns(UserWarning, match="torch.ger is deprecated"):
        _both(lambda L, a, b: a.ger(b), _rand(2), _rand(3))
    _both(lambda L, a, b: L.outer(a, b), np.arange(3), _rand(2))
    _both(lambda L, a, b: L.outer(a, b), np.ones(2, bool), np.ones(2, bool))


@pytest.mark.parametrize("beta,alpha", [(1, 1), (0.5, 2.0), (0, 1.5), (2, 0)])
def test_add_products_match_torch(beta, alpha):
    kw = {"beta": beta, "alpha": alpha}
    _both(lambda L, c, a, b: L.addmm(c, a, b, **kw), _rand(3), _rand(2, 4), _rand(4, 3))
    _both(lambda L, c, a, b: c.addmm(a, b, **kw), _rand(2, 3), _rand(2, 4), _rand(4, 3))
    _both(lambda L, c, a, b: L.addmv(c, a, b, **kw), _rand(2), _rand(2, 4), _rand(4))
    _both(lambda L, c, a, b: c.addmv(a, b, **kw), np.array(0.5), _rand(2, 4), _rand(4))
    _both(lambda L, c, a, b: L.addbmm(c, a, b, **kw), _rand(2, 3), _rand(5, 2, 4), _rand(5, 4, 3))
    _both(lambda L, c, a, b: c.baddbmm(a, b, **kw), _rand(1, 2, 3), _rand(5, 2, 4),
          _rand(5, 4, 3))
    ints = [np.arange(4).reshape(2, 2)] * 3
    _both(lambda L, c, a, b: L.addmm(c, a, b, beta=3, alpha=2), *ints)


def test_beta_zero_ignores_nan_and_inf_in_input():
    nan = np.full((2, 2), np.nan)
    _both(lambda L, c, a, b: L.addmm(c, a, b, beta=0), nan, _rand(2, 3), _rand(3, 2))
    _both(lambda L, c, a, b: L.addmv(c, a, b, beta=0), np.full(2, np.inf), _rand(2, 3), _rand(3))
    _both(lambda L, c, a, b: L.addbmm(c, a, b, beta=0, alpha=0.5), nan, _rand(3, 2, 2),
          _rand(3, 2, 2))
    _both(lambda L, c, a, b: L.baddbmm(c, a, b, beta=0), np.full((1, 2, 2), np.nan),
          _rand(1, 2, 2), _rand(1, 2, 2))


def test_inplace_forms_match_torch():
    for name, shapes in [("addmm_", [(2, 3), (2, 4), (4, 3)]), ("addmv_", [(2,), (2, 4), (4,)]),
                         ("addbmm_", [(2, 3), (5, 2, 4), (5, 4, 3)]),
                         ("baddbmm_", [(5, 2, 3), (5, 2, 4), (5, 4, 3)])]:
        arrays = [_rand(*s) for s in shapes]
        ours = [ng.tensor(a) for a in arrays]
        theirs = [torch.tensor(a) for a in arrays]
        r = getattr(ours[0], name)(*ours[1:], beta=0.5, alpha=2)
        getattr(theirs[0], name)(*theirs[1:], beta=0.5, alpha=2)
        assert r is ours[0]
        _same(ours[0], theirs[0])


def test_inplace_form_records_the_gradient():
    a, b = _rand(2, 4), _rand(4, 3)

    def run(L):
        x, y = L.tensor(a, requires_grad=True), L.tensor(b, requires_grad=True)
        c = L.zeros(2, 3, dtype=L.float64) + 1
        c.addmm_(x, y, alpha=3)
        c.sum().backward()
        return c, x.grad, y.grad

    for o, t in zip(run(ng), run(torch)):
        _same(o, t)


def test_kron_and_cross_match_torch():
    _both(lambda L, a, b: L.kron(a, b), _rand(2, 3), _rand(4, 2, 2))
    _both(lambda L, a, b: a.kron(b), _rand(2), _rand(3))
    _both(lambda L, a, b: L.kron(a, b), np.array(2.0), _rand(3))
    _both(lambda L, a, b: L.kron(a, b), np.arange(4).reshape(2, 2), _rand(3))
    _both(lambda L, a, b: L.kron(a, b), np.ones((2, 2), bool), np.ones(2, bool))
    _both(lambda L, a, b: L.cross(a, b, dim=-1), _rand(4, 3), _rand(1, 3))
    _both(lambda L, a, b: a.cross(b, dim=0), _rand(3, 2), _rand(3, 2, seed=1))
    _both(lambda L, a, b: L.cross(a, b, 1), np.arange(6).reshape(2, 3),
          np.arange(6)[::-1].reshape(2, 3).copy())


def test_cross_without_dim_warns_and_takes_the_first_dim_of_size_3():
    a, b = _rand(2, 3, 3), _rand(2, 3, 3, seed=1)
    with pytest.warns(UserWarning, match="without specifying the dim arg is deprecated"):
        ours = ng.cross(ng.tensor(a), ng.tensor(b))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.cross(torch.tensor(a), torch.tensor(b))
    _same(ours, theirs)
    with pytest.raises(RuntimeError, match="no dimension of size 3 in input"), \
            pytest.warns(UserWarning):
        ng.cross(ng.ones(2, 2), ng.ones(2, 2))


P_VALUES = [0, 0.5, 1, 1.5, 2, 3, float("inf")]


@pytest.mark.parametrize("p", P_VALUES)
def test_cdist_matches_torch(p):
    _both(lambda L, a, b: L.cdist(a, b, p=p), _rand(2, 4, 3), _rand(5, 3))
    _both(lambda L, a, b: L.cdist(a, b, p=p), _rand(30, 3), _rand(4, 3))  # torch's mm form
    _both(lambda L, a, b: L.cdist(a, b, p=p), _rand(1, 4, 3), _rand(2, 2, 3))


@pytest.mark.parametrize("mode", ["use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                                  "donot_use_mm_for_euclid_dist"])
@pytest.mark.parametrize("p", P_VALUES)
def test_cdist_gradient_at_zero_distance_and_ties(p, mode):
    x = np.array([[0.0, 0.0], [1.0, 2.0], [1.0, 2.5], [2.0, 3.0]])
    _both(lambda L, a, b: L.cdist(a, b, p=p, compute_mode=mode), x, x.copy())
    _both(lambda L, a, b: L.cdist(a, b, p=p, compute_mode=mode), x, x[:2].copy())


@pytest.mark.parametrize("p", P_VALUES)
def test_cdist_of_empty_operands_matches_torch(p):
    for sa, sb in [((2, 0), (3, 0)), ((0, 2), (3, 2)), ((2, 2), (0, 2))]:
        _same(ng.cdist(ng.ones(sa), ng.ones(sb), p=p),
              torch.cdist(torch.ones(sa), torch.ones(sb), p=p))


def test_cdist_float32_mm_form_matches_torch():
    a = _rand(30, 4).astype(np.float32)
    b = _rand(6, 4, seed=1).astype(np.float32)
    _same(ng.cdist(ng.tensor(a), ng.tensor(b)), torch.cdist(torch.tensor(a), torch.tensor(b)),
          1e-5)


@pytest.mark.filterwarnings("ignore:.*(ger|cross).*:UserWarning")
def test_out_arguments_match_torch():
    cases = [
        ("mv", lambda L: (L.ones(2, 2), L.ones(2)), (2,)),
        ("dot", lambda L: (L.ones(3), L.ones(3)), ()),
        ("vdot", lambda L: (L.ones(3), L.ones(3)), ()),
        ("outer", lambda L: (L.ones(2), L.ones(3)), (2, 3)),
        ("ger", lambda L: (L.ones(2), L.ones(3)), (2, 3)),
        ("addmm", lambda L: (L.ones(2, 2), L.ones(2, 3), L.ones(3, 2)), (2, 2)),
        ("addmv", lambda L: (L.ones(2), L.ones(2, 3), L.ones(3)), (2,)),
        ("addbmm", lambda L: (L.ones(2, 2), L.ones(2, 2, 3), L.ones(2, 3, 2)), (2, 2)),
        ("baddbmm", lambda L: (L.ones(2, 2, 2), L.ones(2, 2, 3), L.ones(2, 3, 2)), (2, 2, 2)),
        ("kron", lambda L: (L.ones(2), L.arange(3.0)), (6,)),
        ("cross", lambda L: (L.arange(3.0), L.ones(3)), (3,)),
    ]
    for name, args, shape in cases:
        o, t = ng.empty(shape), torch.empty(shape)
        r = getattr(ng, name)(*args(ng), out=o)
        getattr(torch, name)(*args(torch), out=t)
        assert r is o
        _same(o, t)
    o = ng.empty(2, 2)
    ng.tensordot(ng.ones(2, 3), ng.ones(3, 2), 1, out=o)
    assert o.tolist() == [[3.0, 3.0], [3.0, 3.0]]


ERRORS = [
    "L.einsum('ij,jk', L.ones(3,3), L.ones(4,2))", "L.einsum('ijk', L.ones(3,3))",
    "L.einsum('ij', L.ones(3,3), L.ones(3,3))", "L.einsum('i,i->i', L.ones(3), L.ones(2))",
    "L.einsum('ii->i', L.ones(3,4))", "L.einsum('i->ii', L.ones(3))", "L.einsum('i->j', L.ones(3))",
    "L.einsum('i,i', L.ones(3), L.ones(3).double())", "L.einsum('i1', L.ones(3))",
    "L.einsum('...i,...i', L.ones(2,3,4), L.ones(4,4))", "L.einsum('i..', L.ones(3))",
    "L.einsum('ij,jk')", "L.einsum('i.->i', L.ones(3))", "L.einsum('i->->i', L.ones(3))",
    "L.einsum('i->i.', L.ones(3))", "L.einsum('i->1', L.ones(3))",
    "L.einsum('ij...k', L.ones(3,3))",
    "L.einsum('i...j...', L.ones(3,3))", "L.einsum('ij,jk,kl', L.ones(3,3), L.ones(3,3))",
    "L.einsum('ij', 3)", "L.einsum(3)", "L.einsum('i,i', L.ones(3).bool(), L.ones(3).bool())",
    "L.einsum(L.ones(2), [60])", "L.einsum('...ii->...i', L.ones(2,3,4))",
    "L.einsum('...i,...i', L.ones(5,2,3,4), L.ones(3,3,4))",
    "L.tensordot(L.ones(3,3), L.ones(4,4), 1)", "L.tensordot(L.ones(3,3), L.ones(4,4), ([0],[-1]))",
    "L.tensordot(L.ones(3,3), L.ones(3,3), dims=3)",
    "L.tensordot(L.ones(3,3), L.ones(3,3), dims=-1)",
    "L.tensordot(L.ones(3,3), L.ones(3,3), ([0],[0,1]))",
    "L.tensordot(L.ones(3,3), L.ones(3).double(), 1)",
    "L.tensordot(L.ones(2,3), L.ones(3,2), dims=([1],[5]))",
    "L.tensordot(L.ones(2,3), L.ones(3,2), dims=([1,1],[0,0]))",
    "L.tensordot(L.ones(2,3), L.ones(3,2), dims='a')",
    "L.dot(L.ones(3), L.ones(2))", "L.dot(L.ones(3,3), L.ones(3))",
    "L.dot(L.ones(3), L.ones(3).double())", "L.vdot(L.ones(3), L.ones(3,3))",
    "L.vdot(L.ones(3), L.ones(3).double())", "L.dot(L.ones(2).bool(), L.ones(2).bool())",
    "L.dot(L.ones(2), [1, 2])",
    "L.mv(L.ones(3,3), L.ones(2))", "L.mv(L.ones(3), L.ones(3))", "L.mv(L.ones(3,3), L.ones(3,3))",
    "L.mv(L.ones(3,3), L.ones(3).double())", "L.mv(L.ones(3,3).double(), L.ones(3))",
    "L.mv(L.ones(2,2), L.ones(2), out=L.ones(2, dtype=L.int64))",
    "L.outer(L.ones(3,3), L.ones(3))", "L.outer(L.ones(3), L.ones(3,3))",
    "L.addmm(L.ones(2), L.ones(3,3), L.ones(3,3))",
    "L.addmm(L.ones(3,3), L.ones(3,3), L.ones(2,2))",
    "L.addmm(L.ones(3,3), L.ones(3), L.ones(3,3))", "L.addmm(L.ones(3,3), L.ones(3,3), L.ones(3))",
    "L.addmm(L.ones(3,3).double(), L.ones(3,3), L.ones(3,3))",
    "L.addmm(L.ones(2,2), L.ones(2,2).double(), L.ones(2,2))",
    "L.addmm(L.ones(2,2), L.ones(2,3), L.ones(2,2).double())",
    "L.addmm(L.ones(4,3,3), L.ones(3,3), L.ones(3,3))",
    "L.addmv(L.ones(2), L.ones(3,3), L.ones(3))", "L.addmv(L.ones(3), L.ones(3,3), L.ones(2))",
    "L.addmv(L.ones(2), L.ones(2), L.ones(2))",
    "L.addmv(L.ones(2).double(), L.ones(2,2), L.ones(2))",
    "L.addmv(L.ones(2,2), L.ones(2,2), L.ones(2))",
    "L.addbmm(L.ones(3,3), L.ones(2,3,4), L.ones(3,4,3))",
    "L.addbmm(L.ones(2,2), L.ones(2,3,4), L.ones(2,4,3))",
    "L.addbmm(L.ones(2,2), L.ones(2,2), L.ones(1,2,2))",
    "L.addbmm(L.ones(2,2), L.ones(1,2,3), L.ones(1,2,2))",
    "L.addbmm(L.ones(2,2).double(), L.ones(1,2,2), L.ones(1,2,2))",
    "L.addbmm(L.ones(2,2), L.ones(1,2,2), L.ones(2))",
    "L.addbmm(L.ones(2,2), L.ones(1,2,2), L.ones(1,2,2,2))",
    "L.baddbmm(L.ones(5,3,3), L.ones(2,3,4), L.ones(2,4,3))",
    "L.baddbmm(L.ones(3,3), L.ones(3,4), L.ones(2,4,3))",
    "L.baddbmm(L.ones(1,2,2).double(), L.ones(1,2,2), L.ones(1,2,2))",
    "L.baddbmm(L.ones(1,2,2), L.ones(1,2,3), L.ones(1,2,2))",
    "L.baddbmm(L.ones(2,2), L.ones(1,2,2), L.ones(2))",
    "L.baddbmm(L.ones(1,2,2), L.ones(1,2,2,1), L.ones(1,2,2))",
    "L.ones(2,2).addmm_(L.ones(2,3), L.ones(3,1))", "L.ones(2,1).addmm_(L.ones(2,3), L.ones(3,2))",
    "L.ones(3).addmv_(L.ones(2,3), L.ones(3))", "L.ones(1).addmv_(L.ones(2,2), L.ones(2))",
    "L.ones(2,2).addmv_(L.ones(2,2), L.ones(2))",
    "L.ones(2,2).baddbmm_(L.ones(1,2,2), L.ones(1,2,2))",
    "L.ones(3,2).addbmm_(L.ones(1,2,2), L.ones(1,2,2))",
    "L.cross(L.ones(4,3), L.ones(4,3), dim=0)", "L.cross(L.ones(4,3), L.ones(3), dim=1)",
    "L.cross(L.ones(4,3), L.ones(4,3), dim=2)", "L.cross(L.ones(3,3), L.ones(3,3).double(), dim=0)",
    "L.cross(L.ones(2,3), L.ones(3,3), dim=1)",
    "L.cdist(L.ones(3), L.ones(3))", "L.cdist(L.ones(3,3), L.ones(3))",
    "L.cdist(L.ones(3,3), L.ones(3,4))", "L.cdist(L.ones(3,3), L.ones(3,3), p=-1)",
    "L.cdist(L.ones(3,3).long(), L.ones(3,3).long())", "L.cdist(L.ones(2,3,4), L.ones(5,3,4))",
    "L.cdist(L.ones(3,3), L.ones(3,3), compute_mode='foo')",
    "L.cdist(L.ones(3,3), L.ones(3,3).double())",
]


@pytest.mark.parametrize("expr", ERRORS)
def test_bad_input_raises_as_torch(expr):
    with pytest.raises(Exception) as theirs:
        eval(expr, {"L": torch})
    first_line = str(theirs.value).split("\n")[0]
    with pytest.raises(type(theirs.value), match=re.escape(first_line)):
        eval(expr, {"L": ng})


def test_tensordot_of_a_non_tensor_is_a_type_error():
    with pytest.raises(TypeError, match=re.escape("tensordot(): argument 'input' (position 1)")):
        ng.tensordot([1], ng.ones(3), 1)


def test_bad_input_messages_name_the_op_and_sizes():
    with pytest.raises(RuntimeError, match=r"einsum\(\): subscript j has size 4 .* size 3"):
        ng.einsum("ij,jk", ng.ones(3, 3), ng.ones(4, 2))
    with pytest.raises(RuntimeError, match=r"outer: Expected 1-D argument self, but got 2-D"):
        ng.outer(ng.ones(2, 2), ng.ones(2))
