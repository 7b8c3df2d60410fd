"""Guard rails (sim.core.guards): odd agencies are named, sensible ones are not."""

from sim.core.guards import agency_warnings
from sim.core.params import SETTINGS, resolve


def keys(params, horizon=None):
    return {w.key for w in agency_warnings(params, horizon)}


def test_the_presets_raise_no_warning():
    for setting in SETTINGS:
        assert keys(resolve("jit", setting=setting), 156) == set()


def test_too_few_workers_for_the_clients_is_named():
    found = agency_warnings(resolve("jit", n_workers=5, n_clients=300), 156)
    assert {w.key for w in found} >= {"demand_high", "caseload"}
    text = " ".join(w.message for w in found)
    assert "300 clients" in text and "5 posts" in text


def test_idle_staff_float_pool_and_shock_beyond_the_horizon():
    assert "demand_low" in keys(resolve("jit", n_clients=10))
    assert "float_pool" in keys(resolve("jit", float_pool=150))
    late = resolve("jit", shock_start=200, shock_weeks=10)
    assert "shock_after_horizon" in keys(late, 156)
    long = resolve("jit", shock_start=150, shock_weeks=26)
    assert "shock_past_horizon" in keys(long, 156)
    assert keys(resolve("jit", shock_start=20, shock_weeks=26), 156) == set()
    # without a horizon the shock cannot be judged
    assert keys(late) == set()
