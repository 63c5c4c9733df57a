"""Numerical building blocks below the physics: compiled-code management, 3x3 algebra, random numbers,
signal analysis.  Nothing here knows about spins."""
