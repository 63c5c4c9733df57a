"""spinertia: inertial and non-Markovian magnetization dynamics from microscopic theory."""

__version__ = "0.1.0"
