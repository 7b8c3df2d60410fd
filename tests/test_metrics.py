"""Tests for sim.analysis.metrics against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.analysis.metrics import (
    NO_CONTACT,
    coc,
    continuity_rows,
    distinct,
    kaplan_meier,
    secon,
    upc,
)

NAN = float("nan")
BIG = 2_000_000_000  # realistic large worker ids
TEMP = 9_000_000_000  # a separate id range for temp staff, beyond 32 bits


def _same(a: float, b: float) -> bool:
    """Equal, or both NaN."""
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b)


# ---------------------------------------------------------------------------
# scalar continuity indices
# ---------------------------------------------------------------------------

# (contacts, COC, UPC, SECON, distinct), each worked by hand
HAND_CASES = [
    # [1,1,2,2]: N=4, n=(2,2), sum n^2 = 8 -> COC = (8-4)/(4*3) = 1/3; UPC = 2/4;
    # pairs 1-1 same, 1-2 diff, 2-2 same -> SECON = 2/3
    ([1, 1, 2, 2], 1 / 3, 0.5, 2 / 3, 2),
    # [1,2,1,2]: same counts as above, so COC = 1/3 and UPC = 1/2 (order-free);
    # pairs 1-2, 2-1, 1-2 all differ -> SECON = 0/3
    ([1, 2, 1, 2], 1 / 3, 0.5, 0.0, 2),
    # [3,3,3,9,4]: N=5, n=(3,1,1), sum n^2 = 11 -> COC = (11-5)/(5*4) = 0.3; UPC = 3/5;
    # pairs 3-3 s, 3-3 s, 3-9 d, 9-4 d -> SECON = 2/4
    ([3, 3, 3, 9, 4], 0.3, 0.6, 0.5, 3),
    # one worker throughout: N=5, sum n^2 = 25 -> COC = (25-5)/(5*4) = 1; UPC = 5/5;
    # 4 of 4 pairs same -> SECON = 1
    ([5, 5, 5, 5, 5], 1.0, 1.0, 1.0, 1),
    # all different: N=4, sum n^2 = 4 -> COC = (4-4)/(4*3) = 0; UPC = 1/4; SECON = 0/3
    ([1, 2, 3, 4], 0.0, 0.25, 0.0, 4),
    # one contact: COC and SECON undefined (divide by N-1 = 0); UPC = 1/1
    ([7], NAN, 1.0, NAN, 1),
    # no contacts: everything undefined, no workers
    ([], NAN, NAN, NAN, 0),
    # large ids: N=6, n=(2,2,2), sum n^2 = 12 -> COC = (12-6)/(6*5) = 0.2; UPC = 2/6;
    # pairs d, d, d, d, s -> SECON = 1/5
    ([BIG + 1, BIG + 2, BIG + 1, BIG + 2, TEMP, TEMP], 0.2, 1 / 3, 0.2, 3),
]


@pytest.mark.parametrize(
    ("contacts", "want_coc", "want_upc", "want_secon", "want_distinct"), HAND_CASES
)
def test_scalar_indices_hand_computed(contacts, want_coc, want_upc, want_secon, want_distinct):
    assert _same(coc(contacts), want_coc)
    assert _same(upc(contacts), want_upc)
    assert _same(secon(contacts), want_secon)
    assert distinct(contacts) == want_distinct
    assert isinstance(distinct(contacts), int)


@pytest.mark.parametrize("kind", [list, tuple, np.array, iter])
def test_scalar_indices_accept_any_sequence(kind):
    # [1,1,2,2] again: COC 1/3, UPC 1/2, SECON 2/3, 2 workers
    contacts = [1, 1, 2, 2]
    assert coc(kind(contacts)) == pytest.approx(1 / 3)
    assert upc(kind(contacts)) == pytest.approx(0.5)
    assert secon(kind(contacts)) == pytest.approx(2 / 3)
    assert distinct(kind(contacts)) == 2


def test_scalar_indices_numpy_int64_and_empty_array():
    arr = np.array([BIG, BIG, TEMP], dtype=np.int64)
    # N=3, n=(2,1), sum n^2 = 5 -> COC = (5-3)/(3*2) = 1/3; UPC = 2/3; pairs s, d -> 1/2
    assert coc(arr) == pytest.approx(1 / 3)
    assert upc(arr) == pytest.approx(2 / 3)
    assert secon(arr) == pytest.approx(0.5)
    assert distinct(arr) == 2
    empty = np.array([], dtype=np.int64)
    assert math.isnan(coc(empty)) and math.isnan(upc(empty)) and math.isnan(secon(empty))
    assert distinct(empty) == 0


def test_scalar_indices_reject_2d_array():
    with pytest.raises(ValueError, match="1-D"):
        coc(np.ones((2, 2), dtype=int))


# ---------------------------------------------------------------------------
# continuity_rows
# ---------------------------------------------------------------------------

_ = NO_CONTACT
# W = 6 weeks per row; expected (n, COC, UPC, SECON, distinct) worked by hand
HAND_ROWS = [
    # all empty (first row: exercises the start of the flattened buffer)
    ([_, _, _, _, _, _], 0, NAN, NAN, NAN, 0),
    # contacts 1,1,2,2 -> as the scalar case: COC 1/3, UPC 1/2, SECON 2/3
    ([1, 1, _, 2, 2, _], 4, 1 / 3, 0.5, 2 / 3, 2),
    # a single contact: COC/SECON undefined, UPC 1
    ([_, _, 7, _, _, _], 1, NAN, 1.0, NAN, 1),
    # contacts 5,5,5 with gaps: empty weeks are skipped, so both pairs are 5-5 -> SECON 2/2;
    # sum n^2 = 9 -> COC = (9-3)/(3*2) = 1; UPC = 3/3
    ([5, _, 5, _, _, 5], 3, 1.0, 1.0, 1.0, 1),
    # large and temp ids: as the scalar case: COC 0.2, UPC 1/3, SECON 1/5
    ([BIG + 1, BIG + 2, BIG + 1, BIG + 2, TEMP, TEMP], 6, 0.2, 1 / 3, 0.2, 3),
    # ids equal modulo 2**32 must stay distinct: n=(3,3), sum n^2 = 18 ->
    # COC = (18-6)/(6*5) = 0.4; UPC = 3/6; every pair differs -> SECON 0
    ([5, 5 + 2**32, 5, 5 + 2**32, 5, 5 + 2**32], 6, 0.4, 0.5, 0.0, 2),
    # one worker every week: COC = UPC = SECON = 1
    ([4, 4, 4, 4, 4, 4], 6, 1.0, 1.0, 1.0, 1),
    # ends with worker 9 ... (N=2, sum n^2 = 2 -> COC 0; UPC 1/2; pair 8-9 differs -> 0)
    ([_, _, _, _, 8, 9], 2, 0.0, 0.5, 0.0, 2),
    # ... and the next row starts with 9: that pair straddles two clients, not counted
    ([9, _, _, _, _, _], 1, NAN, 1.0, NAN, 1),
    # all different workers: COC 0, SECON 0/4, UPC 1/5
    ([1, 2, _, 3, 4, 5], 5, 0.0, 0.2, 0.0, 5),
    # all empty (last row: exercises the end of the flattened buffer)
    ([_, _, _, _, _, _], 0, NAN, NAN, NAN, 0),
]


def test_continuity_rows_hand_built():
    buf = np.array([row for row, *_rest in HAND_ROWS], dtype=np.int64)
    got = continuity_rows(buf)
    want_n, want_coc, want_upc, want_secon, want_distinct = (
        np.array(col) for col in zip(*(rest for _row, *rest in HAND_ROWS), strict=True)
    )
    np.testing.assert_array_equal(got["n"], want_n)
    np.testing.assert_allclose(got["coc"], want_coc.astype(float), rtol=1e-12)
    np.testing.assert_allclose(got["upc"], want_upc.astype(float), rtol=1e-12)
    np.testing.assert_allclose(got["secon"], want_secon.astype(float), rtol=1e-12)
    np.testing.assert_array_equal(got["distinct"], want_distinct)


def test_continuity_rows_matches_scalar_functions_on_random_buffer():
    rng = np.random.default_rng(0)
    n_rows, n_weeks = 400, 52
    # a small pool of regular staff (so workers repeat) plus a few large / temp ids
    pool = np.concatenate([np.arange(1, 7), BIG + np.arange(3), TEMP + np.arange(2)])
    buf = rng.choice(pool, size=(n_rows, n_weeks))
    buf[rng.random(buf.shape) < 0.4] = NO_CONTACT  # gaps
    buf[::37] = NO_CONTACT  # some clients with no contact at all
    lone = np.arange(5, n_rows, 41)  # and some with exactly one
    buf[lone] = NO_CONTACT
    buf[lone, rng.integers(0, n_weeks, lone.size)] = 3
    buf[::53] = 2  # and some with one worker throughout

    got = continuity_rows(buf)
    rows = [r[r != NO_CONTACT] for r in buf]
    np.testing.assert_array_equal(got["n"], [len(r) for r in rows])
    np.testing.assert_array_equal(got["distinct"], [distinct(r) for r in rows])
    # assert_allclose treats NaN == NaN, so the NaN positions must match too
    np.testing.assert_allclose(got["coc"], [coc(r) for r in rows], rtol=1e-12)
    np.testing.assert_allclose(got["upc"], [upc(r) for r in rows], rtol=1e-12)
    np.testing.assert_allclose(got["secon"], [secon(r) for r in rows], rtol=1e-12)
    # sanity: the buffer did exercise every convention
    assert {0, 1} <= set(got["n"].tolist())
    assert np.nanmax(got["coc"]) == 1.0


def test_continuity_rows_output_types():
    buf = np.array([[1, 2, _], [_, _, _]], dtype=np.int32)
    got = continuity_rows(buf)
    assert set(got) == {"n", "coc", "upc", "secon", "distinct"}
    for key in ("n", "distinct"):
        assert got[key].dtype == np.int64 and got[key].shape == (2,)
    for key in ("coc", "upc", "secon"):
        assert got[key].dtype == np.float64 and got[key].shape == (2,)


@pytest.mark.parametrize("shape", [(0, 52), (3, 0), (0, 0)])
def test_continuity_rows_empty_shapes(shape):
    got = continuity_rows(np.empty(shape, dtype=np.int64))
    np.testing.assert_array_equal(got["n"], np.zeros(shape[0]))
    np.testing.assert_array_equal(got["distinct"], np.zeros(shape[0]))
    for key in ("coc", "upc", "secon"):
        assert got[key].shape == (shape[0],) and np.isnan(got[key]).all()


def test_continuity_rows_rejects_bad_input():
    with pytest.raises(ValueError, match="2-D"):
        continuity_rows(np.array([1, 2, 3]))
    with pytest.raises(TypeError, match="integer"):
        continuity_rows(np.array([[1.0, 2.0]]))
    with pytest.raises(ValueError, match=">= 0"):
        continuity_rows(np.array([[1, -2]]))


# ---------------------------------------------------------------------------
# Kaplan–Meier
# ---------------------------------------------------------------------------


def test_kaplan_meier_hand_computed_with_censoring():
    # durations [1,2,2,3,4], events [1,1,0,1,0]
    # t=0: r=5, d=0 -> S = 1
    # t=1: r=5 (all >= 1), d=1 -> S = 1 * (1 - 1/5) = 0.8
    # t=2: r=4 (2,2,3,4), d=1 (the other t=2 is censored, still at risk) -> 0.8 * 3/4 = 0.6
    # t=3: r=2 (3,4), d=1 -> 0.6 * 1/2 = 0.3
    # t=4: r=1, d=0 (censored) -> 0.3
    km = kaplan_meier([1, 2, 2, 3, 4], [1, 1, 0, 1, 0])
    assert list(km.columns) == ["time", "at_risk", "events", "survival"]
    assert km["time"].tolist() == [0, 1, 2, 3, 4]
    assert km["at_risk"].tolist() == [5, 5, 4, 2, 1]
    assert km["events"].tolist() == [0, 1, 1, 1, 0]
    np.testing.assert_allclose(km["survival"], [1.0, 0.8, 0.6, 0.3, 0.3])


def test_kaplan_meier_input_order_and_types_do_not_matter():
    # the same data as above, shuffled, as numpy arrays with boolean events
    durations = np.array([3, 2, 4, 1, 2])
    events = np.array([True, False, False, True, True])
    km = kaplan_meier(durations, events)
    np.testing.assert_allclose(km["survival"], [1.0, 0.8, 0.6, 0.3, 0.3])
    assert km["at_risk"].tolist() == [5, 5, 4, 2, 1]


def test_kaplan_meier_all_censored():
    # nobody leaves: every factor is (1 - 0/r) = 1; r at t=3 is 3, at t=5 it is 2
    km = kaplan_meier([3, 5, 5], [0, 0, 0])
    assert km["time"].tolist() == [0, 3, 5]
    assert km["at_risk"].tolist() == [3, 3, 2]
    assert km["events"].tolist() == [0, 0, 0]
    assert (km["survival"] == 1.0).all()


def test_kaplan_meier_everyone_leaves():
    # t=2.5: r=3, d=1 -> 2/3; t=4: r=2, d=2 -> 2/3 * 0 = 0
    km = kaplan_meier([2.5, 4.0, 4.0], [1, 1, 1])
    assert km["time"].tolist() == [0.0, 2.5, 4.0]
    np.testing.assert_allclose(km["survival"], [1.0, 2 / 3, 0.0])


def test_kaplan_meier_empty():
    km = kaplan_meier([], [])
    expected = pd.DataFrame({"time": [0.0], "at_risk": [0], "events": [0], "survival": [1.0]})
    pd.testing.assert_frame_equal(km, expected)


@pytest.mark.parametrize(
    ("durations", "events", "match"),
    [
        ([1, 2], [1], "length"),
        ([-1, 2], [1, 0], ">= 0"),
        ([np.nan, 2], [1, 0], "finite"),
        ([1, 2], [1, 2], "0 .censored. or 1"),
    ],
)
def test_kaplan_meier_rejects_bad_input(durations, events, match):
    with pytest.raises(ValueError, match=match):
        kaplan_meier(durations, events)
