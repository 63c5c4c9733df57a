"""Validators of scenario tables (TOML parsed into dicts): every failure is an
:class:`~spinertia.errors.InputError` that names the offending key, its table and what is allowed.

Shared by every reader of the package's TOML files (run scenarios, spin-wave band files, electrons).
"""
from __future__ import annotations

import difflib
import math
import re
import tomllib
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..units import parse_quantity

# ------------------------------------------------------------------------------------------------
# validation helpers
# ------------------------------------------------------------------------------------------------
def where(path, key=None):
    full = f"{path}.{key}" if path and key else (key or path)
    return full or "<top level>"


def table(value, path):
    if not isinstance(value, dict):
        raise InputError(f"[{path}] must be a table (e.g. '[{path}]' followed by 'key = value' lines), "
                         f"got {type(value).__name__} {value!r}")
    return value


def check_keys(table, path, allowed):
    """Raise InputError for keys of ``table`` not in the schema of ``path``, suggesting the closest one."""
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.5)
            if not close:
                lower = {a.lower(): a for a in allowed}
                if key.lower() in lower:
                    close = [lower[key.lower()]]
            hint = f"; did you mean '{close[0]}'?" if close else ""
            if path:
                raise InputError(f"unknown key '{key}' in [{path}]{hint} Allowed keys: {', '.join(allowed)} "
                                 "(docs/scenario_reference.md)")
            raise InputError(f"unknown section '{key}'{hint} Allowed sections: {', '.join(allowed)} "
                             "(docs/scenario_reference.md)")


def choice(value, options, where):
    if not isinstance(value, str) or value not in options:
        close = difflib.get_close_matches(str(value), options, n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise InputError(f"{where} = {value!r} is not valid{hint} Use one of: {', '.join(options)}")
    return value


def quantity(value, dimension, where, *, positive=False, nonnegative=False):
    """A scalar quantity in SI: number or string with units."""
    if isinstance(value, (list, dict)):
        raise InputError(f"{where} must be a single number or a quantity string like '1 ps', got {value!r}")
    x = parse_quantity(value, dimension, name=where)
    if not math.isfinite(x):
        raise InputError(f"{where} must be finite, got {value!r}")
    if positive and not x > 0:
        raise InputError(f"{where} must be > 0, got {value!r}")
    if nonnegative and x < 0:
        raise InputError(f"{where} must be >= 0, got {value!r}")
    return x


def number(value, where, *, positive=False, low=None, high=None):
    """A dimensionless number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{where} must be a number, got {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise InputError(f"{where} must be finite, got {value!r}")
    if positive and not x > 0:
        raise InputError(f"{where} must be > 0, got {value!r}")
    if low is not None and not x > low:
        raise InputError(f"{where} must be > {low}, got {value!r}")
    if high is not None and not x <= high:
        raise InputError(f"{where} must be <= {high}, got {value!r}")
    return x


def vector(value, dimension, where):
    """A 3-vector; each component a number (SI) or a quantity string."""
    if not isinstance(value, (list, tuple)) or len(value) != 3:
        raise InputError(f"{where} must be a list of 3 components, e.g. [0, 0, 1], got {value!r}")
    if dimension is None:
        return np.array([number(v, f"{where}[{i}]") for i, v in enumerate(value)])
    return np.array([quantity(v, dimension, f"{where}[{i}]") for i, v in enumerate(value)])


def scalar_or_tensor(value, dimension, where):
    """A scalar or a 3x3 tensor (list of 3 rows of 3)."""
    if isinstance(value, (list, tuple)):
        ok = len(value) == 3 and all(isinstance(r, (list, tuple)) and len(r) == 3 for r in value)
        if not ok:
            shape = np.shape(np.array(value, dtype=object)) if value else (0,)
            raise InputError(
                f"{where} must be a scalar or a 3x3 tensor written as 3 rows of 3, e.g. "
                f"[[a, 0, 0], [0, a, 0], [0, 0, b]]; got shape {shape}: {value!r}")
        conv = (lambda v, w: number(v, w)) if dimension is None else (lambda v, w: quantity(v, dimension, w))
        return np.array([[conv(v, f"{where}[{i}][{j}]") for j, v in enumerate(r)] for i, r in enumerate(value)])
    if dimension is None:
        return number(value, where)
    return quantity(value, dimension, where)


_SQUARED = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*\(\s*(.+?)\s*\)\s*\^\s*2\s*$")


def frequency_squared(value, where):
    """(rad/s)^2: a number, or a string '<number> (<angular-frequency unit>)^2', e.g. '0.01 (rad/ps)^2'."""
    if isinstance(value, str):
        match = _SQUARED.match(value)
        if match:
            unit = parse_quantity(f"1 {match.group(2)}", "angular_frequency", name=where)
            x = float(match.group(1)) * unit**2
        else:
            try:
                x = float(value)
            except ValueError:
                raise InputError(f"{where}: cannot read {value!r}; write a number in (rad/s)^2 or a string "
                                 "like '0.01 (rad/ps)^2'") from None
    else:
        x = number(value, where)
    if not math.isfinite(x):
        raise InputError(f"{where} must be finite, got {value!r}")
    return x


def one_of(table, keys, where, required=True):
    present = [k for k in keys if k in table]
    if len(present) > 1:
        raise InputError(f"[{where}]: give only one of {' or '.join(keys)}, got {', '.join(present)}")
    if required and not present:
        raise InputError(f"[{where}]: missing key; give one of {' or '.join(keys)}")
    return present[0] if present else None


def require(table, key, path):
    if key not in table:
        raise InputError(f"[{path}]: missing required key '{key}' (docs/scenario_reference.md)")
    return table[key]


def read_toml(path) -> dict:
    """Parse a TOML file; every failure is an InputError that names the file."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        raise InputError(f"scenario file {str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise InputError(f"scenario path {str(path)!r} is a directory; give a .toml file") from None
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"{path}: not valid TOML: {err}") from None
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: not a UTF-8 text file ({err})") from None
    return raw
