"""Sphinx configuration of the spinertia documentation.

Build (from the repository root)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

The tutorials in ``docs/tutorials`` are executed at build time (myst-nb); a tutorial that raises fails the
build.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
# Document the package of this checkout when it is not installed (e.g. PYTHONPATH unset).
try:
    import spinertia  # noqa: F401
except ImportError:  # pragma: no cover
    sys.path.insert(0, str(_ROOT / "src"))
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(_ROOT / "src"), os.environ.get("PYTHONPATH", "")) if p)

project = "spinertia"
author = "the spinertia developers"
copyright = "2026, the spinertia developers"
try:
    import spinertia as _si

    release = _si.__version__
except Exception:  # pragma: no cover
    release = "0.1.0"
version = release

extensions = [
    "myst_nb",  # includes myst_parser
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax shipped with the site: equations render without a network
    "numpydoc",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
exclude_patterns = ["_build", "_templates", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints", "jupyter_execute"]

# --- MyST -------------------------------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
# The pages link to sections as ``theory.md#correction-1-...`` (GitHub-style anchors).
myst_heading_anchors = 4

# --- notebooks (myst-nb) -----------------------------------------------------------------------------
nb_execution_mode = "cache"
nb_execution_cache_path = str(_ROOT / "docs" / "_build" / ".jupyter_cache")
nb_execution_raise_on_error = True
nb_execution_timeout = 300
nb_execution_show_tb = True
nb_merge_streams = True

# --- autodoc / autosummary / numpydoc ----------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": False}
autodoc_member_order = "bysource"
autodoc_typehints = "none"
autodoc_preserve_defaults = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks = set()
numpydoc_xref_param_type = False
# numpydoc parses module docstrings too and warns (a Python warning, not a Sphinx one) about their free-form
# headings such as "Keys and values" of spinertia.sweep; the headings render as written.
import warnings as _warnings

_warnings.filterwarnings("ignore", message="Unknown section", category=UserWarning, module="numpydoc")

# --- HTML ------------------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"spinertia {release}"
html_static_path: list[str] = []
templates_path = ["_templates"]


# --- docstrings: plain-text notation -> reStructuredText -----------------------------------------
# The docstrings write physics in plain text: |m|, |V0|^2, m_i, m_-, E_tot(0) ...  In reStructuredText
# "|x|" is a substitution and "word_" a hyperlink reference; escape both outside inline literals and roles
# so that the text renders as written.
import re as _re

_LITERAL = _re.compile(r"(``.+?``|:[\w:.+-]+:`[^`]*`|`[^`]+`_{0,2})")
_TRAILING_UNDERSCORE = _re.compile(r"(?<=\w)_(?=[^\w]|$)")


def _escape_plain_text(line: str) -> str:
    parts = _LITERAL.split(line)
    for i in range(0, len(parts), 2):  # even parts: outside literals and roles
        parts[i] = parts[i].replace("|", r"\|")
        parts[i] = _TRAILING_UNDERSCORE.sub(r"\\_", parts[i])
    return "".join(parts)


def _process_docstring(app, what, name, obj, options, lines):
    in_literal_block = False
    indent = 0
    for i, line in enumerate(lines):
        stripped = line.strip()
        cur = len(line) - len(line.lstrip())
        if in_literal_block:
            if stripped and cur <= indent:
                in_literal_block = False
            else:
                continue
        if stripped.startswith(">>>") or stripped.startswith("..."):
            continue
        lines[i] = _escape_plain_text(line)
        if stripped.endswith("::"):
            in_literal_block, indent = True, cur


def setup(app):
    app.connect("autodoc-process-docstring", _process_docstring, priority=400)
