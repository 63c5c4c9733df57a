"""Exceptions raised by spinertia.

Every error message says what is wrong and how to fix it.
"""


class SpinertiaError(Exception):
    """Base class of all spinertia errors."""


class InputError(SpinertiaError, ValueError):
    """Bad user input: a parameter, array shape, unit or scenario key."""


class StepTooLargeError(InputError):
    """The time step cannot resolve the fastest mode of the model."""


class SimulationDiverged(SpinertiaError, FloatingPointError):
    """The integration produced a non-finite or unphysical state."""

    def __init__(self, message, step=None, time=None, quantity=None):
        super().__init__(message)
        self.step = step
        self.time = time
        self.quantity = quantity
