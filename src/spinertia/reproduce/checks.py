"""Bookkeeping shared by the reproduction modules: quantitative checks and their report table."""
from __future__ import annotations

import math

import numpy as np


def fmt(x, digits=8):
    """Text form of a measured or expected value (complex as 're -+ im i')."""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, complex) or np.iscomplexobj(x):
        x = complex(x)
        return f"{x.real:.10g} {'-' if x.imag < 0 else '+'} {abs(x.imag):.6g}i"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        return f"{float(x):.{digits}g}"
    return str(x)


def json_value(x):
    """JSON-serializable form (complex -> [re, im], non-finite -> None)."""
    if isinstance(x, (complex, np.complexfloating)):
        return [float(np.real(x)), float(np.imag(x))]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(x) else None
    return str(x)


class Checks:
    """Ordered list of quantitative checks (measured vs expected, with the source of the expectation)."""

    #: significant digits of real numbers in the report
    digits = 8

    def __init__(self):
        self.items = []

    def add(self, figure, name, measured, expected, source, *, rel=None, abs_tol=None, passed=None, tol=None,
            unit="", **extra):
        """Record a check.  PASS if |measured - expected| <= rel |expected| (or <= abs_tol), or as ``passed``.
        ``unit`` is appended to the printed values; ``extra`` keys are stored with the check."""
        if passed is None:
            err = abs(complex(measured) - complex(expected))
            if rel is not None:
                passed = err <= rel * abs(complex(expected))
                tol = tol or f"rel {rel:g}"
            elif abs_tol is not None:
                passed = err <= abs_tol
                tol = tol or f"abs {abs_tol:g}{' ' + unit if unit else ''}"
            else:
                raise ValueError("give rel, abs_tol or passed")
        deviation = None
        try:
            e = complex(expected)
            deviation = abs(complex(measured) - e) / abs(e) if e != 0 else abs(complex(measured) - e)
        except (TypeError, ValueError):
            pass
        u = f" {unit}" if unit else ""
        item = {
            "figure": figure, "name": name, "measured": json_value(measured), "expected": json_value(expected),
            "measured_str": fmt(measured, self.digits) + (u if not isinstance(measured, str) else ""),
            "expected_str": fmt(expected, self.digits) + (u if not isinstance(expected, str) else ""),
            "unit": unit, "source": source, "tolerance": tol or "",
            "rel_deviation": None if deviation is None else float(deviation), "passed": bool(passed),
        }
        item.update(extra)
        self.items.append(item)


def checks_table(items):
    """Markdown lines of the standard check table (check, measured, expected, source, tolerance, result)."""
    lines = ["| check | measured | expected | source of the expected value | tolerance | result |",
             "|---|---|---|---|---|---|"]
    for c in items:
        res = "PASS" if c["passed"] else "**FAIL**"
        cells = [c["name"], c["measured_str"], c["expected_str"], c["source"], c["tolerance"], res]
        lines.append("| " + " | ".join(str(x).replace("|", "\\|") for x in cells) + " |")
    return lines
