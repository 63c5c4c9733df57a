"""Exceptions and warnings raised by spinertia.

Every error message says what is wrong and how to fix it.  Warnings go through :func:`warn` (category
:class:`SpinertiaWarning`); the command line prints them as one line, ``spinertia: warning: ...``.
"""
import warnings


class SpinertiaError(Exception):
    """Base class of all spinertia errors."""


class InputError(SpinertiaError, ValueError):
    """Bad user input: a parameter, array shape, unit or scenario key."""


class StepTooLargeError(InputError):
    """The time step cannot resolve the fastest mode of the model."""


class RunStopped(SpinertiaError):
    """A run stopped before its end; ``step`` and ``time`` (seconds) say where, ``partial`` (when set by the
    driver) holds everything computed before."""

    def __init__(self, message, step=None, time=None, quantity=None):
        super().__init__(message)
        self.step = step
        self.time = time
        self.quantity = quantity
        self.partial = None


class SimulationDiverged(RunStopped, FloatingPointError):
    """The integration produced a non-finite or unphysical state."""


class HookError(RunStopped, ValueError):
    """A coupling hook of the stepper failed or returned a bad value (shape, non-finite)."""


class SpinertiaWarning(UserWarning):
    """A result may be inaccurate or a setting is unusual (the message gives numbers with units)."""


def warn(message, category=SpinertiaWarning, stacklevel=3):
    """Issue a spinertia warning (pointing at the caller's caller, i.e. the user's code)."""
    warnings.warn(message, category, stacklevel=stacklevel)
