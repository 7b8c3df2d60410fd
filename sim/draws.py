"""Random numbers for the weekly phases, drawn in blocks from the model's generator.

Every random number a weekly phase uses is a uniform variate on [0, 1) taken with
``model.draws.take(...)``: the pool draws them from the model's ``numpy.random.Generator``
(``model.rng``, the seed) 16,384 at a time, and hands them out in order. A NumPy call
costs a microsecond or two whatever its size, so for an agency of a few hundred people
one call per phase costs more than the phase's arithmetic; from the pool a number costs
a few nanoseconds. A run still depends on nothing but its seed.

Other distributions are made from uniforms inside the compiled kernels, with the
helpers below: normal variates by the Box-Muller transform, Gamma(2, 1) as a sum of two
exponentials, a binomial count as the number of uniforms below the probability.
"""

from __future__ import annotations

import math

import numpy as np

from sim.jit import kernel

__all__ = ["UniformPool", "gamma2", "normal"]


class UniformPool:
    """Uniform variates from ``rng``, drawn in blocks and handed out in order."""

    def __init__(self, rng: np.random.Generator, block: int = 16_384) -> None:
        self.rng = rng
        self.block = block
        self._buffer = np.empty(0)
        self._next = 0

    def take(self, *shape: int) -> np.ndarray:
        """The next ``prod(shape)`` uniforms, as a read-only array of that shape."""
        n = math.prod(shape)
        if self._next + n > self._buffer.size:
            self._buffer = self.rng.random(max(self.block, n))
            self._buffer.flags.writeable = False
            self._next = 0
        out = self._buffer[self._next : self._next + n]
        self._next += n
        return out.reshape(shape) if len(shape) > 1 else out

    def binomial(self, n: int, p: float) -> int:
        """A Binomial(n, p) count: how many of ``n`` uniforms fall below ``p``."""
        return int(np.count_nonzero(self.take(n) < p)) if n > 0 else 0


@kernel
def normal(u1, u2):  # pragma: no cover (compiled)
    """A standard normal variate from two uniforms on [0, 1) (Box-Muller)."""
    return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)


@kernel
def gamma2(u1, u2):  # pragma: no cover (compiled)
    """A Gamma(2, 1) variate (the sum of two unit exponentials) from two uniforms."""
    return -math.log(1.0 - u1) - math.log(1.0 - u2)
