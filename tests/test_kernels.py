"""The compiled weekly step's plumbing: random numbers, parameters, worker ids and the
in-kernel observation (the kernel cache: test_kernel_cache.py)."""

from __future__ import annotations

import numpy as np
import pytest

from sim import WorkforceModel
from sim.core import params as registry
from sim.core.draws import UniformPool, gamma2, normal, order_of
from sim.core.observe import observe
from sim.core.state import PRIMARY


def test_pool_hands_out_the_generators_uniforms_in_order_and_refills_only_when_short():
    pool = UniformPool(np.random.default_rng(5), block=100)
    gen = np.random.default_rng(5)
    pool.ensure(30)  # a block of max(100, 4 x 30) from the generator
    np.testing.assert_array_equal(pool.buffer, gen.random(120))
    pool.pos[0] = 30
    pool.ensure(90)  # exactly enough left: no refill
    assert pool.pos[0] == 30 and pool.buffer.size == 120
    pool.ensure(91)  # one short: the generator's next 4 x 91
    assert pool.pos[0] == 0
    np.testing.assert_array_equal(pool.buffer, gen.random(364))
    block = pool.buffer
    pool.pos[0] = 300
    pool.ensure(91)  # a block of the same size: drawn into the same array
    assert pool.buffer is block and pool.pos[0] == 0
    np.testing.assert_array_equal(pool.buffer, gen.random(364))


def test_normal_and_gamma_made_from_uniforms_have_their_moments():
    u = np.random.default_rng(1).random((2, 200_000))
    z = np.array([normal(a, b) for a, b in zip(u[0, :20_000], u[1, :20_000], strict=True)])
    g = np.array([gamma2(a, b) for a, b in zip(u[0, :20_000], u[1, :20_000], strict=True)])
    se = 1 / np.sqrt(z.size)
    assert abs(z.mean()) < 4 * se and abs(z.var() - 1) < 4 * np.sqrt(2) * se
    assert abs(np.mean(np.abs(z) < 1.96) - 0.95) < 0.01
    assert abs(g.mean() - 2) < 4 * np.sqrt(2) * se and abs(g.var() - 2) < 0.1


@pytest.mark.parametrize("n", [0, 1, 2, 7, 100, 5_000])
def test_order_of_uniforms_is_a_stable_argsort(n):
    """The bucket sort that puts the staff (and the clients needing a primary worker) in
    random order agrees with NumPy's stable argsort, for distinct keys and for ties."""
    rng = np.random.default_rng(n)
    distinct = rng.random(n)
    tied = np.floor(rng.random(n) * 4) / 4  # only four values: many ties
    largest = np.full(n, np.nextafter(1.0, 0.0))  # the largest uniform below 1
    for keys in (distinct, tied, np.zeros(n), largest):
        assert np.array_equal(order_of(keys), np.argsort(keys, kind="stable"))


def test_parameters_reach_the_compiled_step_as_their_registry_kind(medium_agency):
    record = registry.as_record(registry.resolve("jit", wage=20, float_pool=2))
    assert record.dtype["wage"] == np.float64 and record.dtype["float_pool"] == np.int64
    assert record.dtype["modules_available"] == np.bool_
    assert record[0]["wage"] == 20.0 and record[0]["float_pool"] == 2
    # an int where a float is expected gives the same run as the float
    a = WorkforceModel(rng=3, wage=20, **medium_agency)
    b = WorkforceModel(rng=3, wage=20.0, **medium_agency)
    for m in (a, b):
        for _ in range(10):
            m.step()
    assert a.metrics == b.metrics


def test_recorded_measures_equal_a_fresh_observation(medium_agency):
    m = WorkforceModel("hybrid", rng=4, float_pool=3, **medium_agency)
    for _ in range(30):
        m.step()
        fresh = observe(m)
        assert fresh.keys() == m.metrics.keys()
        for k, v in m.metrics.items():
            assert v == pytest.approx(fresh[k], rel=1e-12, abs=1e-12), k


def test_admissions_deferred_when_the_pool_runs_short_keep_the_books(monkeypatch, medium_agency):
    """With no slack in the pool, every week's admissions go through the model's refill
    path; bookkeeping and the recorded measures stay consistent."""

    def tight(self, n):
        self.buffer = self.rng.random(n)
        self.pos[0] = 0

    monkeypatch.setattr(UniformPool, "ensure", tight)
    m = WorkforceModel(rng=6, discharge_rate=0.05, **medium_agency)
    people = m.clients.person.copy()
    for _ in range(20):
        m.step()
        assert observe(m) == pytest.approx(m.metrics, rel=1e-12, abs=1e-12)
    assert (m.clients.person != people).mean() > 0.3  # many places changed hands
    assert np.all(m.clients.admit_week[m.clients.person != people] > 0)


def test_contacts_name_workers_by_worker_id(medium_agency):
    m = WorkforceModel(rng=2, **medium_agency)
    for _ in range(5):
        m.step()
    workers = {w.worker_id: w for w in m.agents if hasattr(w, "worker_id")}
    assert len(workers) == m.metrics["headcount"]  # ids are unique among the employed
    checked = 0
    for client in list(m.agents_by_type[type(m.client_handle(0))])[:40]:
        primary = client.primary_worker
        visits = client.visits_this_week
        kinds = m.clients.vkind[client.row, : visits.size]
        rows = m.clients.vprov[client.row, : visits.size]
        for wid, kind, row in zip(visits, kinds, rows, strict=True):
            if row >= 0:  # a worker's visit carries that worker's id
                assert wid == m.workers.wid[row]
            if kind == PRIMARY:
                assert wid == primary.worker_id
        if primary is not None and not m.workers.absent[primary.row]:
            checked += 1
            assert primary.worker_id in visits  # the primary makes some of the visits
    assert checked > 10
