"""Counter-based random numbers: Philox4x32-10 (Salmon et al., SC'11; known-answer tested against
Random123).  A number is a pure function of (key, counter), so streams are reproducible for a seed,
independent of the number of threads and of the order in which sites are visited, and a resumed run
draws exactly the numbers it would have drawn."""
from __future__ import annotations

import math

import numba as nb
import numpy as np

from ..errors import InputError

# --- Philox4x32-10 ------------------------------------------------------------------------------------
_M0 = np.uint64(0xD2511F53)
_M1 = np.uint64(0xCD9E8D57)
_W0 = np.uint64(0x9E3779B9)
_W1 = np.uint64(0xBB67AE85)
_MASK = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
_S11 = np.uint64(11)
_TWO_M53 = 2.0 ** -53
_TWO_PI = 2.0 * math.pi
#: stream tags in the fourth counter word (Langevin field; Monte Carlo uses its own tag)
STREAM_LANGEVIN = 0x4C000000
STREAM_MONTECARLO = 0x4D000000


@nb.njit(cache=True, inline="always")
def philox4x32(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 block: counter (c0..c3) and key (k0, k1), 32-bit words held in uint64.
    Returns the four 32-bit output words (as uint64)."""
    for r in range(10):
        if r > 0:
            k0 = (k0 + _W0) & _MASK
            k1 = (k1 + _W1) & _MASK
        p0 = _M0 * c0
        p1 = _M1 * c2
        n0 = (p1 >> _S32) ^ c1 ^ k0
        n2 = (p0 >> _S32) ^ c3 ^ k1
        c1 = p1 & _MASK
        c3 = p0 & _MASK
        c0 = n0
        c2 = n2
    return c0, c1, c2, c3


@nb.njit(cache=True, inline="always")
def uniform53(hi, lo):
    """Uniform in [0, 1) from two 32-bit words (53 bits)."""
    return float(((hi << _S32) | lo) >> _S11) * _TWO_M53


@nb.njit(cache=True, inline="always")
def _box_muller(a0, a1, a2, a3):
    """Two independent standard normals from one Philox block."""
    u1 = 1.0 - uniform53(a0, a1)  # (0, 1]
    u2 = uniform53(a2, a3)
    r = math.sqrt(-2.0 * math.log(u1))
    return r * math.cos(_TWO_PI * u2), r * math.sin(_TWO_PI * u2)


@nb.njit(cache=True, inline="always")
def normals3(c0, c1, site, tag, k0, k1):
    """Three standard normals for counter words (c0, c1) (the step), ``site`` and a stream ``tag``."""
    a0, a1, a2, a3 = philox4x32(c0, c1, site, tag, k0, k1)
    z0, z1 = _box_muller(a0, a1, a2, a3)
    a0, a1, a2, a3 = philox4x32(c0, c1, site, tag | np.uint64(1), k0, k1)
    z2, _ = _box_muller(a0, a1, a2, a3)
    return z0, z1, z2


@nb.njit(cache=True)
def step_counter(step, h):
    """Counter words (c0, c1) of the Langevin stream at ``step`` for the step length ``h``: the 64-bit
    step index, its high word xor-ed with a 32-bit hash of the bits of h, so that runs with different
    time steps (and the same seed) draw unrelated numbers."""
    b = np.empty(1)
    b[0] = h
    x = b.view(np.uint64)[0]
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    st = np.uint64(step)
    return st & _MASK, (st >> _S32) ^ ((x ^ (x >> _S32)) & _MASK)


@nb.njit(cache=True)
def standard_normals(seed_words, step, n_sites, h=1.0):
    """(n_sites, 3) normals xi of the Langevin stream at ``step`` (step length h), as the noise hook draws
    them (for tests and diagnostics)."""
    out = np.empty((n_sites, 3))
    c0, c1 = step_counter(step, h)
    tag = np.uint64(STREAM_LANGEVIN)
    for i in range(n_sites):
        z0, z1, z2 = normals3(c0, c1, np.uint64(i), tag, seed_words[0], seed_words[1])
        out[i, 0] = z0
        out[i, 1] = z1
        out[i, 2] = z2
    return out


def seed_words(seed):
    """Philox key (two 32-bit words, uint64 array) of a seed 0 <= seed < 2^64."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise InputError(f"seed must be a non-negative integer, got {seed!r}")
    seed = int(seed)
    if not 0 <= seed < 2 ** 64:
        raise InputError(f"seed must satisfy 0 <= seed < 2**64, got {seed}")
    return np.array([seed & 0xFFFFFFFF, seed >> 32], dtype=np.uint64)
