"""OVF (OOMMF Vector Field) files: read and write spin configurations and other fields on a grid.

OVF 2.0 is the format of OOMMF, mumax3 and Spirit (reference: "OVF 2.0, OOMMF user guide", section
"Vector Field File Format (OVF)").  A file is::

    # OOMMF OVF 2.0
    # Segment count: 1
    # Begin: Segment
    # Begin: Header
    # Title: m
    # meshtype: rectangular
    # meshunit: m
    # xmin: 0 ... zmax: 3e-9            bounding box (meshunit)
    # valuedim: 3                       values per node
    # valuelabels: m_x m_y m_z          Tcl list, one label per value
    # valueunits: 1 1 1                 Tcl list (one entry = same unit for all)
    # xbase: 5e-10 ... zbase            position of the first node (cell centre)
    # xnodes: 4 ... znodes              grid size
    # xstepsize: 1e-9 ... zstepsize     node spacing (meshunit)
    # Desc: free text (any number of lines)
    # End: Header
    # Begin: Data Binary 8              Text | Binary 4 | Binary 8
    <data>
    # End: Data Binary 8
    # End: Segment

Conventions used here (all from the OOMMF user guide):

* **Node order**: x index fastest, then y, then z ("Fortran order").  Node ``i`` of the data block
  is ``(ix, iy, iz) = (i % nx, (i // nx) % ny, i // (nx ny))``; each node holds ``valuedim``
  consecutive values.  In memory this module uses ``data[ix, iy, iz, k]`` (shape
  ``(nx, ny, nz, valuedim)``) or the flat ``(N, valuedim)`` array in node order.
* **Binary** blocks start with a check value, 1234567.0 (4-byte) or 123456789012345.0 (8-byte),
  followed by the values as IEEE floats: little-endian in OVF 2.0, big-endian (network order) in
  OVF 1.0.  The check value is verified on reading; a file whose check value only matches in the
  opposite byte order is read in that order (some writers ignore the rule).
* **Header lines** are ``# key: value``.  Keys ignore case and blanks (``Segment count`` =
  ``segmentcount``); ``##`` starts a comment up to the end of the line.  :func:`read_ovf` reports
  keys lower-cased and without blanks; numeric keys (xnodes, xstepsize, ...) as numbers, all other
  keys (also unknown ones) as the text given.  Multiple ``Desc`` lines are joined with newlines.
* **Geometry**: ``origin`` = (xmin, ymin, zmin) is the corner of the bounding box, nodes sit at
  cell centres ``xbase = xmin + xstepsize / 2``, and ``xmax = xmin + xnodes * xstepsize``.
* **OVF 1.0** (``# OOMMF: rectangular mesh v1.0``) is read too: valuedim 3, one ``valueunit``,
  values multiplied by ``valuemultiplier`` when given, big-endian binary.
* Only rectangular meshes are supported (irregular meshes and Spirit's ``lattice`` extension are
  rejected with an :class:`~spinertia.errors.InputError`).  Files with several segments (Spirit
  chains, mode files) are read segment by segment; each segment has its own header.

Every malformed file or argument raises :class:`~spinertia.errors.InputError` naming what is wrong.
Files are written atomically (temporary file beside the target, then ``os.replace``).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..atomic import atomic_write_stream

__all__ = ["OVFData", "read_ovf", "write_ovf", "read_spins", "write_spins", "OVF_FORMATS"]

#: data formats accepted by :func:`write_ovf`
OVF_FORMATS = ("text", "binary4", "binary8")

_CHECK = {4: 1234567.0, 8: 123456789012345.0}
_DATA_LABEL = {"text": "Text", "binary4": "Binary 4", "binary8": "Binary 8"}
_INT_KEYS = {"xnodes", "ynodes", "znodes", "valuedim", "pointcount"}
_FLOAT_KEYS = {"xmin", "ymin", "zmin", "xmax", "ymax", "zmax", "xbase", "ybase", "zbase",
               "xstepsize", "ystepsize", "zstepsize", "valuemultiplier", "valuerangeminmag",
               "valuerangemaxmag"}
_OVF1_ID = re.compile(r"^#\s*OOMMF\s*:\s*(\w+)\s+mesh\s+v(1\.0|0\.99|0\.0a0)\s*$", re.IGNORECASE)
_OVF2_ID = re.compile(r"^#\s*OOMMF\s+OVF\s+2\.0\s*$", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# result type

@dataclass
class OVFData:
    """Content of an OVF file.

    data: first segment, float64 array of shape (nx, ny, nz, valuedim), indexed [ix, iy, iz, k].
    segments: all segments (``segments[0] is data``), each with its own header in ``headers``.
    header: header of the first segment (lower-cased keys without blanks -> number or text).
    shape, step, origin, title, value_labels, value_units: of the first segment
    (``origin`` = (xmin, ymin, zmin), NaN where the header gives no way to know it).
    version: "2.0" or "1.0"; data_format: "text", "binary4", "binary8" (or "csv", Spirit).
    """

    data: np.ndarray
    segments: list
    header: dict
    shape: tuple
    step: tuple
    title: str
    origin: tuple = (0.0, 0.0, 0.0)
    version: str = "2.0"
    data_format: str = "binary8"
    value_labels: list = field(default_factory=list)
    value_units: list = field(default_factory=list)
    headers: list = field(default_factory=list)

    @property
    def valuedim(self) -> int:
        return int(self.data.shape[3])

    @property
    def n_nodes(self) -> int:
        return int(np.prod(self.data.shape[:3]))

    def vectors(self, segment: int = 0) -> np.ndarray:
        """Values of ``segment`` as an (N, valuedim) array in OVF node order (x fastest, z slowest)."""
        return _to_node_order(self.segments[segment])


def _to_node_order(arr):
    """(nx, ny, nz, k) -> (nx*ny*nz, k) with x fastest."""
    k = arr.shape[3]
    return np.ascontiguousarray(arr.transpose(2, 1, 0, 3)).reshape(-1, k)


def _from_node_order(flat, shape):
    """(N, k) in node order -> (nx, ny, nz, k)."""
    nx, ny, nz = shape
    k = flat.shape[1]
    return np.ascontiguousarray(flat.reshape(nz, ny, nx, k).transpose(2, 1, 0, 3))


def _node_ijk(i, shape):
    nx, ny, _ = shape
    return (i % nx, (i // nx) % ny, i // (nx * ny))


# ---------------------------------------------------------------------------------------------
# writing

def write_ovf(path, data, *, shape=None, fmt="binary8", title="spinertia", step=(1.0, 1.0, 1.0),
              origin=(0, 0, 0), unit="m", value_label="m", value_unit="1", description=None) -> Path:
    """Write a field on a rectangular grid as an OVF 2.0 file (one segment); returns the path.

    data: (N, valuedim) or (N,) in OVF node order with ``shape=(nx, ny, nz)`` given (N = nx ny nz,
        x index fastest); or (nx, ny, nz, valuedim); or (nx, ny, valuedim) for nz = 1.

    fmt: "text" (one node per line, shortest round-trip repr: exact for float64), "binary4"
        (float32) or "binary8" (float64); little-endian with the OVF check value.

    step: node spacing (xstepsize, ystepsize, zstepsize) in ``unit``; origin: (xmin, ymin, zmin).

    value_label: one label (expanded to label_x, label_y, label_z for valuedim 3, label_0 ... for
        other valuedim > 1) or a sequence of valuedim labels; value_unit: one unit or valuedim units.

    description: text (each line becomes a ``# Desc:`` line) or a sequence of lines.
    """
    fmt_key = _normalize_fmt(fmt)
    arr = _as_grid(data, shape)
    grid = arr.shape[:3]
    k = arr.shape[3]
    flat = _to_node_order(arr)
    _check_finite(flat, grid, "data")
    if fmt_key == "binary4":
        with np.errstate(over="ignore"):
            flat32 = flat.astype("<f4")
        _check_finite(flat32, grid, "data converted to float32 (values beyond +-3.4e38)",
                      hint="write with fmt='binary8'")
    step = _triple(step, "step", positive=True)
    origin = _triple(origin, "origin")
    labels = _expand_labels(value_label, k, "value_label", suffix=True)
    units = _expand_labels(value_unit, k, "value_unit", suffix=False)
    head = _header_text(title=_label(title, "title"), unit=_label(unit, "unit"), grid=grid,
                        step=step, origin=origin, k=k, labels=labels, units=units,
                        desc=_desc_lines(description), fmt_label=_DATA_LABEL[fmt_key])

    def write(f):
        f.write(head.encode("utf-8"))
        if fmt_key == "text":
            rows = flat.tolist()
            f.write("".join(" ".join(map(repr, row)) + "\n" for row in rows).encode("ascii"))
        else:
            width = 4 if fmt_key == "binary4" else 8
            dtype = "<f4" if width == 4 else "<f8"
            f.write(np.array([_CHECK[width]], dtype=dtype).tobytes())
            f.write((flat32 if width == 4 else flat.astype(dtype)).tobytes())
            f.write(b"\n")
        f.write(f"# End: Data {_DATA_LABEL[fmt_key]}\n# End: Segment\n".encode("ascii"))

    return _atomic_write(path, write)


def _normalize_fmt(fmt):
    key = "".join(str(fmt).split()).lower()
    if key not in OVF_FORMATS:
        raise InputError(f"unknown OVF data format {fmt!r}; use one of {', '.join(OVF_FORMATS)}")
    return key


def _as_grid(data, shape):
    """Any accepted data layout -> float64 array (nx, ny, nz, valuedim)."""
    try:
        arr = np.asarray(data)
    except (ValueError, TypeError) as err:
        raise InputError(f"OVF data must be a rectangular numeric array: {err}") from None
    if arr.dtype.kind not in "biuf":
        raise InputError(f"OVF data must be real numbers, got dtype {arr.dtype}"
                         + ("; pass the real and imaginary parts as separate fields" if arr.dtype.kind == "c" else ""))
    arr = arr.astype(np.float64)
    if shape is None:
        if arr.ndim == 4:
            out = arr
        elif arr.ndim == 3:
            out = arr[:, :, None, :]
        else:
            raise InputError(f"OVF data of shape {arr.shape} needs shape=(nx, ny, nz); or pass an "
                             "array shaped (nx, ny, nz, valuedim) or (nx, ny, valuedim)")
    else:
        grid = _grid_shape(shape, "shape")
        n = grid[0] * grid[1] * grid[2]
        if arr.ndim == 1 and arr.shape[0] == n:
            out = _from_node_order(arr[:, None], grid)
        elif arr.ndim == 2 and arr.shape[0] == n:
            out = _from_node_order(arr, grid)
        elif arr.ndim == 4 and arr.shape[:3] == grid:
            out = arr
        elif arr.ndim == 3 and grid[2] == 1 and arr.shape[:2] == grid[:2]:
            out = arr[:, :, None, :]
        else:
            raise InputError(
                f"data of shape {arr.shape} does not match shape={grid} (N = nx*ny*nz = {n}); pass "
                f"({n}, valuedim) or ({n},) in OVF node order, or ({grid[0]}, {grid[1]}, {grid[2]}, valuedim)")
    if out.shape[3] < 1 or min(out.shape[:3]) < 1:
        raise InputError(f"OVF data must have at least one node and one value per node, got shape {out.shape}")
    return out


def _grid_shape(shape, what):
    try:
        vals = tuple(shape)
    except TypeError:
        raise InputError(f"{what} must be (nx, ny, nz), got {shape!r}") from None
    if len(vals) != 3:
        raise InputError(f"{what} must have 3 entries (nx, ny, nz); use 1 for unused directions, got {shape!r}")
    out = []
    for v in vals:
        try:
            ok = not isinstance(v, (bool, np.bool_, str)) and float(v).is_integer() and int(v) >= 1
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise InputError(f"{what} entries must be positive integers, got {shape!r}")
        out.append(int(v))
    return tuple(out)


def _check_finite(flat, grid, what, hint="replace NaN/inf values (e.g. empty cells by 0) before writing"):
    ok = np.isfinite(flat).all(axis=1)
    if not ok.all():
        i = int(np.argmin(ok))
        raise InputError(f"{what} contains non-finite values: first at node {i} (ix, iy, iz) = "
                         f"{_node_ijk(i, grid)}: {flat[i].tolist()}; {hint}")


def _triple(value, what, positive=False):
    try:
        vals = [float(v) for v in value]
    except (TypeError, ValueError):
        raise InputError(f"{what} must be three numbers (x, y, z), got {value!r}") from None
    if len(vals) != 3 or not all(math.isfinite(v) for v in vals):
        raise InputError(f"{what} must be three finite numbers (x, y, z), got {value!r}")
    if positive and min(vals) <= 0:
        raise InputError(f"{what} must be positive in every direction, got {value!r}")
    return tuple(vals)


def _label(text, what):
    text = str(text)
    if "\n" in text or "\r" in text or "##" in text:
        raise InputError(f"{what} {text!r} cannot hold a line break or '##' (the OVF comment marker)")
    return text.strip()


def _expand_labels(value, k, what, suffix):
    if isinstance(value, str):
        base = _label(value, what)
        if k == 1 or not suffix:
            items = [base] * k
        elif k == 3:
            items = [f"{base}_{c}" for c in "xyz"]
        else:
            items = [f"{base}_{i}" for i in range(k)]
    else:
        items = [_label(v, what) for v in value]
        if len(items) != k:
            raise InputError(f"{what} has {len(items)} entries but the data has valuedim {k}; give one per value")
    return [_tcl_item(s, what) for s in items]


def _tcl_item(s, what):
    """One element of a Tcl list (labels with blanks are wrapped in braces)."""
    if "{" in s or "}" in s:
        raise InputError(f"{what} {s!r} cannot contain braces")
    if s == "" or any(c.isspace() or c == '"' for c in s):
        return "{" + s + "}"
    return s


def _desc_lines(description):
    if description is None:
        return []
    lines = str(description).splitlines() if isinstance(description, str) else [str(d) for d in description]
    for line in lines:
        if "##" in line or "\n" in line:
            raise InputError(f"description line {line!r} cannot hold '##' or a line break")
    return [line.rstrip() for line in lines]


def _num(x):
    return repr(float(x))


def _header_text(*, title, unit, grid, step, origin, k, labels, units, desc, fmt_label):
    lo = origin
    hi = tuple(o + n * s for o, n, s in zip(origin, grid, step))
    base = tuple(o + 0.5 * s for o, s in zip(origin, step))
    lines = ["# OOMMF OVF 2.0", "# Segment count: 1", "# Begin: Segment", "# Begin: Header",
             f"# Title: {title}", "# meshtype: rectangular", f"# meshunit: {unit}"]
    lines += [f"# {c}min: {_num(v)}" for c, v in zip("xyz", lo)]
    lines += [f"# {c}max: {_num(v)}" for c, v in zip("xyz", hi)]
    lines += [f"# valuedim: {k}", f"# valuelabels: {' '.join(labels)}", f"# valueunits: {' '.join(units)}"]
    lines += [f"# {c}base: {_num(v)}" for c, v in zip("xyz", base)]
    lines += [f"# {c}nodes: {n}" for c, n in zip("xyz", grid)]
    lines += [f"# {c}stepsize: {_num(v)}" for c, v in zip("xyz", step)]
    lines += [f"# Desc: {d}" for d in desc]
    lines += ["# End: Header", f"# Begin: Data {fmt_label}"]
    return "\n".join(lines) + "\n"


def _atomic_write(path, write) -> Path:
    """Call ``write(f)`` on a temporary file beside ``path``, then move it into place."""
    return atomic_write_stream(path, write)


# ---------------------------------------------------------------------------------------------
# reading

def read_ovf(path) -> OVFData:
    """Read an OVF 2.0 or 1.0 file (text, binary 4/8, any number of segments); see the module doc."""
    path = Path(path)
    try:
        buf = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"OVF file {str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise InputError(f"{str(path)!r} is a directory, not an OVF file") from None
    return _Parser(buf, str(path)).parse()


class _Parser:
    def __init__(self, buf: bytes, name: str):
        self.buf = buf
        self.name = name
        self.pos = 0
        self.lineno = 0

    # -- low level
    def fail(self, msg, lineno=None):
        line = self.lineno if lineno is None else lineno
        raise InputError(f"OVF file {self.name!r}, line {line}: {msg}")

    def raw_line(self):
        """Next line as bytes (without the newline) or None at the end of the file."""
        if self.pos >= len(self.buf):
            return None
        j = self.buf.find(b"\n", self.pos)
        end = len(self.buf) if j < 0 else j
        line = self.buf[self.pos:end]
        self.pos = end + 1
        self.lineno += 1
        return line

    @staticmethod
    def split(raw):
        """None (blank or comment), ('!', text) for non-'#' lines, ('?', text) without colon, or (key, value)."""
        text = raw.decode("utf-8", errors="replace")
        cut = text.find("##")
        if cut >= 0:
            text = text[:cut]
        s = text.strip()
        if not s or s == "#":
            return None
        if not s.startswith("#"):
            return "!", s
        body = s[1:]
        colon = body.find(":")
        if colon < 0:
            return "?", body.strip()
        return "".join(body[:colon].split()).lower(), body[colon + 1:].strip()

    def item(self, expect):
        """Next (key, value) header item, skipping blanks and comments; ``expect`` names what was due."""
        while True:
            raw = self.raw_line()
            if raw is None:
                self.fail(f"file ends before {expect}: the file is truncated (interrupted write or copy?)")
            it = self.split(raw)
            if it is None:
                continue
            if it[0] == "!":
                self.fail(f"expected {expect}, found non-header text {it[1][:60]!r}")
            return it

    # -- structure
    def parse(self) -> OVFData:
        version, mesh = self.identify()
        declared = None
        segments = []
        while True:
            raw = self.raw_line()
            if raw is None:
                break
            it = self.split(raw)
            if it is None:
                continue
            key, value = it
            if key == "segmentcount":
                try:
                    declared = int(value)
                except ValueError:
                    self.fail(f"segment count {value!r} is not an integer")
            elif key == "begin" and _norm(value) == "segment":
                segments.append(self.segment(version, mesh, len(segments)))
            else:
                self.fail(f"unexpected {_show(key, value)} outside a segment; expected '# Begin: Segment'")
        if not segments:
            self.fail("no '# Begin: Segment' found: the file holds no data (truncated?)")
        if declared is not None and declared != len(segments):
            self.fail(f"header declares 'Segment count: {declared}' but the file holds {len(segments)} "
                      "segment(s); the file is truncated or the count is wrong")
        arrays = [s["array"] for s in segments]
        first = segments[0]
        return OVFData(data=arrays[0], segments=arrays, header=first["header"], shape=first["shape"],
                       step=first["step"], title=first["title"], origin=first["origin"], version=version,
                       data_format=first["format"], value_labels=first["labels"], value_units=first["units"],
                       headers=[s["header"] for s in segments])

    def identify(self):
        while True:
            raw = self.raw_line()
            if raw is None:
                self.fail("the file is empty; expected an OVF file starting with '# OOMMF OVF 2.0'")
            text = raw.decode("utf-8", errors="replace").split("##")[0].strip()
            if text:
                break
        if _OVF2_ID.match(text):
            return "2.0", None
        m = _OVF1_ID.match(text)
        if m:
            mesh = m.group(1).lower()
            if mesh != "rectangular":
                self.fail(f"meshtype {mesh!r}: only rectangular meshes are supported")
            return "1.0", mesh
        self.fail(f"not an OVF file: first line is {text[:60]!r}; expected '# OOMMF OVF 2.0' or "
                  "'# OOMMF: rectangular mesh v1.0'")

    def segment(self, version, mesh, index):
        where = f"segment {index + 1}"
        key, value = self.item(f"'# Begin: Header' of {where}")
        if key != "begin" or _norm(value) != "header":
            self.fail(f"expected '# Begin: Header' in {where}, found {_show(key, value)}")
        raw_header, desc, loose = {}, [], []
        start = self.lineno
        while True:
            key, value = self.item(f"'# End: Header' of {where}")
            if key == "end":
                if _norm(value) != "header":
                    self.fail(f"found '# End: {value}' inside the header of {where}; expected '# End: Header'")
                break
            if key == "begin":
                self.fail(f"found '# Begin: {value}' inside the header of {where}; '# End: Header' is missing")
            if key == "?":
                loose.append((self.lineno, value))
            elif key == "desc":
                desc.append(value)
            elif key in raw_header and raw_header[key] != value:
                self.fail(f"header key {key!r} given twice in {where} ({raw_header[key]!r} and {value!r}); keep one")
            else:
                raw_header[key] = value
        header = {k: _convert(k, v) for k, v in raw_header.items()}
        if desc:
            header["desc"] = "\n".join(desc)
        geo = self.geometry(header, version, mesh, where, start)
        if loose:
            line, text = loose[0]
            self.fail(f"header line '# {text}' of {where} is not 'key: value'; fix it or make it a "
                      "'##' comment", line)

        key, value = self.item(f"'# Begin: Data ...' of {where}")
        v = _norm(value)
        if key != "begin" or not v.startswith("data"):
            self.fail(f"expected '# Begin: Data <format>' in {where}, found {_show(key, value)}")
        fmt = v[4:].replace(" ", "")
        n_values = geo["n_nodes"] * geo["valuedim"]
        if fmt in ("binary4", "binary8"):
            flat = self.binary(int(fmt[-1]), n_values, version, where)
        elif fmt in ("text", "csv"):
            flat = self.text(n_values, where, csv=fmt == "csv")
        else:
            self.fail(f"unknown data format {value[4:].strip()!r} in {where}; OVF data is 'Text', "
                      "'Binary 4' or 'Binary 8'")
        if fmt not in ("text", "csv"):   # text() consumed its end line already
            key, end = self.item(f"'# End: Data {value[4:].strip()}' of {where}")
            if key != "end" or _norm(end).replace(" ", "") != "data" + fmt:
                self.fail(f"expected '# End: Data {value[4:].strip()}' after the data of {where}, found "
                          f"{_show(key, end)}: the data block holds more values than xnodes*ynodes*znodes"
                          f"*valuedim = {n_values}, or the file is damaged")
        key, value = self.item(f"'# End: Segment' of {where}")
        if key != "end" or _norm(value) != "segment":
            self.fail(f"expected '# End: Segment' in {where}, found {_show(key, value)}")

        mult = header.get("valuemultiplier") if version == "1.0" else None
        if isinstance(mult, float) and mult != 1.0:
            flat = flat * mult
        k = geo["valuedim"]
        arr = _from_node_order(flat.reshape(-1, k), geo["shape"])
        title = str(header.get("title", ""))
        if version == "1.0":
            unit = str(header.get("valueunit", ""))
            units = [unit] * 3 if unit else []
            labels = _tcl_list(str(header["valuelabels"])) if "valuelabels" in header else []
        else:
            labels = _tcl_list(str(header.get("valuelabels", "")))
            units = _tcl_list(str(header.get("valueunits", "")))
            if len(units) == 1 and k > 1:
                units = units * k
        return {"array": arr, "header": header, "shape": geo["shape"], "step": geo["step"],
                "origin": geo["origin"], "title": title, "format": fmt, "labels": labels, "units": units}

    def geometry(self, header, version, mesh, where, line):
        meshtype = header.get("meshtype", mesh)
        if meshtype is None:
            self.fail(f"header of {where} has no 'meshtype'; add '# meshtype: rectangular'", line)
        if str(meshtype).strip().lower() != "rectangular":
            self.fail(f"meshtype {meshtype!r} in {where}: only rectangular meshes are supported "
                      "(convert the file to a rectangular grid, e.g. with OOMMF avf2ovf)", line)

        def positive_int(key):
            if key not in header:
                self.fail(f"header of {where} lacks the required key '{key}'; add '# {key}: <integer>'", line)
            v = header[key]
            if not isinstance(v, int) or v < 1:
                self.fail(f"'{key}' in {where} must be a positive integer, got {v!r}", line)
            return v

        shape = tuple(positive_int(c + "nodes") for c in "xyz")
        if version == "1.0":
            k = header.get("valuedim", 3)
            if k != 3:
                self.fail(f"OVF 1.0 holds 3 values per node, but {where} says valuedim {k!r}", line)
        else:
            k = positive_int("valuedim")

        def number(key):
            v = header.get(key)
            return v if isinstance(v, float) and math.isfinite(v) else None

        step, origin = [], []
        for c, n in zip("xyz", shape):
            s = number(c + "stepsize")
            lo, hi = number(c + "min"), number(c + "max")
            if s is None and lo is not None and hi is not None:
                s = (hi - lo) / n    # writers without step sizes (older Spirit) give the bounding box
            if s is None:
                self.fail(f"header of {where} lacks '{c}stepsize' (and '{c}min'/'{c}max' to derive it); "
                          f"add '# {c}stepsize: <spacing>'", line)
            base = number(c + "base")
            origin.append(lo if lo is not None else (base - 0.5 * s if base is not None else math.nan))
            step.append(s)
        return {"shape": shape, "valuedim": k, "n_nodes": shape[0] * shape[1] * shape[2],
                "step": tuple(step), "origin": tuple(origin)}

    def binary(self, width, n_values, version, where):
        order = "<" if version == "2.0" else ">"
        need = width * (n_values + 1)
        have = len(self.buf) - self.pos
        if have < need:
            self.count_mismatch(self.pos, width, n_values, where)
            self.fail(f"binary data block of {where} is truncated: it needs {need} bytes (check value + "
                      f"{n_values} values of {width} bytes) but only {have} bytes remain; the file was cut "
                      "short (interrupted write or copy?)")
        dt = np.dtype(f"{order}f{width}")
        check = float(np.frombuffer(self.buf, dtype=dt, count=1, offset=self.pos)[0])
        if check != _CHECK[width]:
            other = dt.newbyteorder()
            if float(np.frombuffer(self.buf, dtype=other, count=1, offset=self.pos)[0]) == _CHECK[width]:
                dt = other   # the writer used the other byte order; the check value proves which
            else:
                raw = self.buf[self.pos:self.pos + width].hex(" ")
                self.fail(f"wrong check value in the Binary {width} block of {where}: expected "
                          f"{_CHECK[width]!r}, found {check!r} (bytes {raw}); the file is damaged "
                          "(e.g. transferred in text mode) or not an OVF binary block")
        data_start = self.pos
        flat = np.frombuffer(self.buf, dtype=dt, count=n_values, offset=self.pos + width).astype(np.float64)
        self.pos += need
        # rest of the line after the data: the spec wants a newline here; tolerate the end marker on it
        rest_start = self.pos
        raw = self.raw_line()
        if raw is not None and raw.strip():
            if raw.lstrip().startswith(b"#"):
                self.pos, self.lineno = rest_start, self.lineno - 1   # re-read it as the end marker
            else:
                self.lineno -= 1
                self.count_mismatch(data_start, width, n_values, where)
                self.fail(f"unexpected bytes after the {n_values} binary values of {where}: the data block "
                          f"is longer than xnodes*ynodes*znodes*valuedim = {n_values} values, or damaged")
        return flat

    def count_mismatch(self, data_start, width, n_values, where):
        """Fail naming both counts if an end marker shows the block holds a different number of values."""
        start = data_start + width
        end = self.buf.find(b"# End: Data", start)
        if end < 0:
            return
        stop = end
        while stop > start and self.buf[stop - 1:stop] in (b"\n", b"\r"):
            stop -= 1
        if (stop - start) % width == 0 and (stop - start) // width != n_values:
            self.fail(f"binary data block of {where} holds {(stop - start) // width} values but "
                      f"xnodes*ynodes*znodes*valuedim = {n_values}; the header does not match the data")

    def text(self, n_values, where, csv=False):
        start = self.lineno + 1
        chunks = []
        while True:
            raw = self.raw_line()
            if raw is None:
                self.fail(f"file ends inside the text data block of {where} (no '# End: Data'): the file "
                          "is truncated")
            cut = raw.find(b"##")
            if cut >= 0:
                raw = raw[:cut]
            s = raw.strip()
            if not s:
                continue
            if s.startswith(b"#"):
                it = self.split(s)
                if it is None:
                    continue
                key, value = it
                if key == "end" and _norm(value).replace(" ", "") in ("datatext", "datacsv"):
                    break
                self.fail(f"unexpected {_show(key, value)} inside the text data block of {where}")
            chunks.append(s)
        blob = b" ".join(chunks)
        if csv:
            blob = blob.replace(b",", b" ")
        tokens = blob.split()
        if len(tokens) != n_values:
            self.fail(f"text data block of {where} (from line {start}) holds {len(tokens)} numbers but "
                      f"xnodes*ynodes*znodes*valuedim = {n_values}; the header does not match the data "
                      "or the file is damaged")
        try:
            return np.array([float(t) for t in tokens], dtype=np.float64)
        except ValueError:
            bad = next(t for t in tokens if not _is_float(t))
            self.fail(f"text data block of {where} (from line {start}) holds a non-number "
                      f"{bad.decode('utf-8', 'replace')[:40]!r}")


def _is_float(t):
    try:
        float(t)
        return True
    except ValueError:
        return False


def _norm(value):
    return " ".join(str(value).split()).lower()


def _show(key, value):
    if key == "!":
        return f"text {value[:60]!r}"
    if key == "?":
        return f"'# {value[:60]}'"
    return f"'# {key}: {value[:60]}'"


def _convert(key, value):
    """Header value: int for node counts and valuedim, float for geometry, else the text."""
    if key in _INT_KEYS:
        try:
            return int(value)
        except ValueError:
            try:
                f = float(value)
                return int(f) if f.is_integer() else value
            except ValueError:
                return value
    if key in _FLOAT_KEYS:
        try:
            return float(value)
        except ValueError:
            return value   # e.g. Spirit writes xbase as a lattice vector "1 0 0"
    return value


def _tcl_list(s):
    """Split a (simple) Tcl list: blank-separated words, {braced} or "quoted" elements."""
    items, i, n = [], 0, len(s)
    while i < n:
        c = s[i]
        if c.isspace():
            i += 1
        elif c == "{":
            depth, j = 1, i + 1
            while j < n and depth:
                depth += {"{": 1, "}": -1}.get(s[j], 0)
                j += 1
            if depth:
                return s.split()
            items.append(s[i + 1:j - 1])
            i = j
        elif c == '"':
            j = s.find('"', i + 1)
            if j < 0:
                return s.split()
            items.append(s[i + 1:j])
            i = j + 1
        else:
            j = i
            while j < n and not s[j].isspace():
                j += 1
            items.append(s[i:j])
            i = j
    return items


# ---------------------------------------------------------------------------------------------
# spin fields

def write_spins(path, spins, lattice_shape, fmt="binary8", *, allow_empty=False, tol=1e-6, **kwargs) -> Path:
    """Write unit-vector spins, (N, 3) in OVF node order or (nx, ny, nz, 3), on ``lattice_shape``.

    Checks |m| = 1 within ``tol`` (all-zero vectors for empty cells only with ``allow_empty``);
    ``kwargs`` go to :func:`write_ovf` (title, step, origin, unit, description, ...).
    """
    arr = _as_grid(spins, lattice_shape)
    if arr.shape[3] != 3:
        raise InputError(f"spins must have 3 components per site, got {arr.shape[3]}")
    flat = _to_node_order(arr)
    _check_finite(flat, arr.shape[:3], "spins")
    _check_unit(flat, arr.shape[:3], allow_empty, tol, "spins")
    return write_ovf(path, flat, shape=arr.shape[:3], fmt=fmt, **kwargs)


def read_spins(path, *, allow_empty=False, segment=0, tol=1e-6) -> np.ndarray:
    """Unit-vector spins of an OVF file as (N, 3) in OVF node order (x fastest).

    Raises InputError unless valuedim is 3 and every |m| is within ``tol`` of 1 (all-zero vectors,
    e.g. empty cells of mumax3, are accepted only with ``allow_empty=True``).
    """
    ovf = read_ovf(path)
    if not -len(ovf.segments) <= segment < len(ovf.segments):
        raise InputError(f"{str(path)!r} has {len(ovf.segments)} segment(s); segment {segment} does not exist")
    arr = ovf.segments[segment]
    if arr.shape[3] != 3:
        raise InputError(f"{str(path)!r} holds valuedim {arr.shape[3]}, not 3-component spins; use read_ovf")
    flat = ovf.vectors(segment)
    _check_unit(flat, arr.shape[:3], allow_empty, tol, f"spins in {str(path)!r}")
    return flat


def _check_unit(flat, grid, allow_empty, tol, what):
    with np.errstate(invalid="ignore", over="ignore"):
        norm = np.linalg.norm(flat, axis=1)
        ok = np.abs(norm - 1.0) <= tol
        if allow_empty:
            ok |= np.all(flat == 0.0, axis=1)
    if not ok.all():
        i = int(np.argmin(ok))
        hint = ("normalize the spins" if allow_empty or norm[i] != 0.0 else
                "pass allow_empty=True to accept zero vectors for empty cells, or normalize the spins")
        raise InputError(f"{what} are not unit vectors: first at node {i} (ix, iy, iz) = {_node_ijk(i, grid)}, "
                         f"m = {flat[i].tolist()}, |m| = {float(norm[i])!r} (tolerance {tol:g}); {hint}")
