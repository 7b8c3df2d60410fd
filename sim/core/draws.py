"""Random numbers for the weekly phases, drawn in blocks from the model's generator.

Every random number the weekly step uses is a uniform variate on [0, 1) taken in order
from a :class:`UniformPool`: the pool draws them from the model's
``numpy.random.Generator`` (``model.rng``, the seed) in blocks of at least 16,384, and
the compiled phases take what they need with :func:`take`. A NumPy call costs a
microsecond or more whatever its size, so for an agency of a few hundred people one call
per phase would cost more than the phase's arithmetic. A run still depends on nothing
but its seed: the pool is refilled at fixed points (before a week, when fewer numbers
are left than a week can use), whatever the machine or the number of processes.

Each phase declares by name the uniforms it takes per worker slot, client place or post
(e.g. ``DRAWS = indices(("quit", "dismissal"))`` in :mod:`sim.core.phases.separation`) and
how many it takes at most in a week (its ``uniforms(...)``); what a week can use is
their sum (:func:`sim.core.phases.week_draws`). :func:`take` refuses to hand out more than
the pool holds, so a phase that takes more than it declares fails loudly instead of
reading past the block.

A phase that needs a number of uniforms that varies per client (one per visit) takes
one uniform per client from the pool and derives the rest from it (:func:`sub_uniform`).

Other distributions are made from uniforms inside the kernels: normal variates by the
Box-Muller transform (:func:`normal`), Gamma(2, 1) as a sum of two exponentials
(:func:`gamma2`), binomial counts as the number of uniforms below the probability, and a
random order of rows by sorting a uniform per row (:func:`order_of`).
"""

from __future__ import annotations

import math

import numpy as np

from sim.core.jit import kernel

__all__ = ["UniformPool", "gamma2", "normal", "order_of", "sub_uniform", "take"]


class UniformPool:
    """Uniform variates from ``rng``: ``buffer`` is used from position ``pos[0]`` on."""

    def __init__(self, rng: np.random.Generator, block: int = 16_384) -> None:
        self.rng = rng
        self.block = block
        self.buffer = np.empty(0)
        self.pos = np.zeros(1, dtype=np.int64)

    def ensure(self, n: int) -> None:
        """Make sure at least ``n`` numbers are left, else draw a fresh block (of at least
        four times ``n``, so that a bound well above the typical use wastes little). A
        block of the same size as the last is drawn into the same array: the same
        numbers, without allocating (a large agency's block is several megabytes)."""
        if self.pos[0] + n > self.buffer.size:
            size = max(self.block, 4 * n)
            if self.buffer.size == size:
                self.rng.random(out=self.buffer)
            else:
                self.buffer = self.rng.random(size)
            self.pos[0] = 0


@kernel
def take(buffer, pos, n):  # pragma: no cover (compiled)
    """The next ``n`` uniforms of the pool (the caller made sure there are enough: an
    :class:`IndexError` if not)."""
    start = pos[0]
    if n < 0 or start + n > buffer.size:
        raise IndexError(
            "take: more uniforms than the pool holds (a phase takes more than it declares)"
        )
    pos[0] = start + n
    return buffer[start : start + n]


@kernel
def normal(u1, u2):  # pragma: no cover (compiled)
    """A standard normal variate from two uniforms on [0, 1) (Box-Muller)."""
    return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)


@kernel
def gamma2(u1, u2):  # pragma: no cover (compiled)
    """A Gamma(2, 1) variate (the sum of two unit exponentials) from two uniforms."""
    return -math.log(1.0 - u1) - math.log(1.0 - u2)


@kernel
def sub_uniform(u, k):  # pragma: no cover (compiled)
    """The ``k``-th of a stream of uniforms on [0, 1) derived from one uniform ``u`` of
    the pool: the 53 bits of ``u`` and ``k`` mixed by the SplitMix64 finaliser (Steele,
    Lea & Flood 2014). A phase that needs a variable number of uniforms per client (one
    per visit) takes one from the pool and derives the rest, so the pool's bound stays
    one per client; the result still depends on nothing but the seed."""
    x = np.uint64(u * 9007199254740992.0) ^ (np.uint64(k + 1) * np.uint64(0x9E3779B97F4A7C15))
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    x = x ^ (x >> np.uint64(31))
    return float(x >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@kernel
def order_of(keys):  # pragma: no cover (compiled)
    """The order that sorts ``keys``, uniforms on [0, 1), ascending, equal keys by
    position: ``np.argsort(keys, kind="stable")`` (a random order of rows when each row
    draws a key). By bucket sort: key *x* of *n* goes to bucket ``floor(n x)``, each
    bucket (one key on average) is then sorted by insertion, so the time is linear in
    *n* on average instead of ``n log n`` (a week orders thousands of workers)."""
    n = keys.size
    out = np.empty(n, dtype=np.int64)
    start = np.zeros(n + 1, dtype=np.int64)  # where each bucket starts in ``out``
    bucket = np.empty(n, dtype=np.int64)
    for i in range(n):
        b = min(int(keys[i] * n), n - 1)
        bucket[i] = b
        start[b + 1] += 1
    for b in range(n):
        start[b + 1] += start[b]
    fill = start[:n].copy()
    for i in range(n):  # in position order, so equal keys keep it
        out[fill[bucket[i]]] = i
        fill[bucket[i]] += 1
    for b in range(n):
        for j in range(start[b] + 1, start[b + 1]):
            row = out[j]
            x = keys[row]
            q = j - 1
            while q >= start[b] and keys[out[q]] > x:
                out[q + 1] = out[q]
                q -= 1
            out[q + 1] = row
    return out
