"""OVF 2.0 / 1.0 read and write (spinertia.io.ovf): round trips, node order, files written by hand
following the OOMMF user guide (mumax3-style text, Spirit-style multi-segment, OVF 1.0 big-endian
binary), and the errors raised for malformed files and arguments."""
import struct

import numpy as np
import pytest

from spinertia.errors import InputError
from spinertia.io.ovf import OVFData, read_ovf, read_spins, write_ovf, write_spins

SHAPE = (2, 3, 5)   # nx != ny != nz: catches swapped axes


def _field(shape=SHAPE, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=shape + (k,))


def _unit_spins(n, seed=1):
    v = np.random.default_rng(seed).normal(size=(n, 3))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _coded(shape=SHAPE):
    """data[ix, iy, iz] = (ix, 10 iy, 100 iz): every node value tells where it belongs."""
    ix, iy, iz = np.meshgrid(*(np.arange(n) for n in shape), indexing="ij")
    return np.stack([ix, 10 * iy, 100 * iz], axis=-1).astype(float)


def _header(nodes, valuedim=3, extra=""):
    nx, ny, nz = nodes
    return (f"# Begin: Segment\n# Begin: Header\n# Title: seg\n# meshtype: rectangular\n# meshunit: m\n"
            f"# valuedim: {valuedim}\n# valuelabels: a b c\n# valueunits: 1\n"
            f"# xnodes: {nx}\n# ynodes: {ny}\n# znodes: {nz}\n"
            f"# xstepsize: 1e-9\n# ystepsize: 2e-9\n# zstepsize: 3e-9\n{extra}# End: Header\n")


# --- round trips -------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["binary8", "text"])
def test_round_trip_exact(tmp_path, fmt):
    data = _field()
    data[0, 0, 0] = [0.1, 1 / 3, -0.0]
    data[1, 2, 4] = [1e-300, -1.7976931348623157e308, 5e-324]
    path = write_ovf(tmp_path / f"f.{fmt}.ovf", data, fmt=fmt, title="my field", step=(1e-9, 2e-9, 3e-9),
                     origin=(-1e-9, 0.0, 4e-9), unit="m", value_label="B", value_unit="T",
                     description="line one\nline two")
    r = read_ovf(path)
    assert isinstance(r, OVFData)
    np.testing.assert_array_equal(r.data, data)
    assert r.data.dtype == np.float64 and r.shape == SHAPE and r.valuedim == 3
    assert r.step == (1e-9, 2e-9, 3e-9) and r.origin == (-1e-9, 0.0, 4e-9)
    assert r.title == "my field" and r.version == "2.0" and r.data_format == fmt
    assert r.value_labels == ["B_x", "B_y", "B_z"] and r.value_units == ["T", "T", "T"]
    assert r.header["desc"] == "line one\nline two" and r.header["meshunit"] == "m"
    assert r.header["xnodes"] == 2 and r.header["xbase"] == pytest.approx(-0.5e-9)
    assert len(r.segments) == 1 and r.segments[0] is r.data
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_round_trip_binary4_float32_precision(tmp_path):
    data = _field()
    r = read_ovf(write_ovf(tmp_path / "f4.ovf", data, fmt="binary4"))
    np.testing.assert_array_equal(r.data, data.astype(np.float32).astype(np.float64))
    np.testing.assert_allclose(r.data, data, rtol=1e-7, atol=0)
    raw = (tmp_path / "f4.ovf").read_bytes()
    start = raw.index(b"# Begin: Data Binary 4\n") + len(b"# Begin: Data Binary 4\n")
    assert struct.unpack("<f", raw[start:start + 4])[0] == 1234567.0   # little-endian check value


def test_text_is_one_node_per_line(tmp_path):
    flat = np.arange(2 * 3 * 1 * 3, dtype=float).reshape(6, 3) / 7
    text = write_ovf(tmp_path / "t.ovf", flat, shape=(2, 3, 1), fmt="text").read_text()
    body = text.split("# Begin: Data Text\n")[1].split("# End: Data Text\n")[0].splitlines()
    assert len(body) == 6
    assert [float(x) for x in body[4].split()] == flat[4].tolist()


@pytest.mark.parametrize("fmt", ["binary8", "text", "binary4"])
def test_node_order_non_cubic(tmp_path, fmt):
    data = _coded()
    nx, ny, nz = SHAPE
    r = read_ovf(write_ovf(tmp_path / "o.ovf", data, fmt=fmt))
    # a specific node lands at the right (ix, iy, iz)
    np.testing.assert_array_equal(r.data[1, 2, 4], [1, 20, 400])
    np.testing.assert_array_equal(r.data[0, 1, 3], [0, 10, 300])
    # vectors(): x fastest, then y, then z; node i = ix + nx (iy + ny iz)
    v = r.vectors()
    assert v.shape == (nx * ny * nz, 3)
    i = 1 + nx * (2 + ny * 4)
    np.testing.assert_array_equal(v[i], [1, 20, 400])
    np.testing.assert_array_equal(v[1], [1, 0, 0])
    np.testing.assert_array_equal(v[nx], [0, 10, 0])
    np.testing.assert_array_equal(v[nx * ny], [0, 0, 100])


def test_node_order_in_file_and_flat_input(tmp_path):
    nx, ny, nz = SHAPE
    data = _coded()
    raw = write_ovf(tmp_path / "o.ovf", data, fmt="binary8").read_bytes()
    start = raw.index(b"Binary 8\n") + len(b"Binary 8\n")
    vals = np.frombuffer(raw, "<f8", count=1 + nx * ny * nz * 3, offset=start)
    assert vals[0] == 123456789012345.0
    nodes = vals[1:].reshape(-1, 3)
    np.testing.assert_array_equal(nodes[1 + nx * 2 + nx * ny * 3], [1, 20, 300])
    # the same field given flat in node order with shape=...
    r = read_ovf(write_ovf(tmp_path / "flat.ovf", nodes.copy(), shape=SHAPE))
    np.testing.assert_array_equal(r.data, data)
    # a 2D (nx, ny, 3) array is nz = 1
    r2 = read_ovf(write_ovf(tmp_path / "2d.ovf", data[:, :, 0, :]))
    assert r2.shape == (nx, ny, 1)
    np.testing.assert_array_equal(r2.data[:, :, 0], data[:, :, 0])


@pytest.mark.parametrize("k", [1, 2, 6])
def test_other_valuedim(tmp_path, k):
    n = int(np.prod(SHAPE))
    flat = np.random.default_rng(k).normal(size=(n,) if k == 1 else (n, k))
    r = read_ovf(write_ovf(tmp_path / "s.ovf", flat, shape=SHAPE, value_label="E", value_unit="J/m3"))
    assert r.valuedim == k and r.data.shape == SHAPE + (k,)
    np.testing.assert_array_equal(r.vectors(), flat.reshape(n, k))
    assert len(r.value_labels) == k and r.value_units == ["J/m3"] * k


def test_labels_with_blanks(tmp_path):
    r = read_ovf(write_ovf(tmp_path / "l.ovf", np.ones((2, 1, 1, 1)), value_label=["Exchange energy density"]))
    assert r.header["valuelabels"] == "{Exchange energy density}"
    assert r.value_labels == ["Exchange energy density"]


# --- files written by hand ----------------------------------------------------------------------

MUMAX_TEXT = """\
# OOMMF OVF 2.0
#
# Segment count: 1
#
# Begin: Segment
# Begin: Header
#
# Title: m
# meshtype: rectangular
# MeshUnit: m           ## key case does not matter
#
# xmin: 0
# ymin: 0
# zmin: 0
#
# xmax: 1.2e-08
# ymax: 1e-08
# zmax: 2e-09
#
# valuedim: 3
# valuelabels: m_x m_y m_z
# valueunits: 1 1 1
#
# Desc: Total simulation time:  1e-09  s
#
# xbase: 2e-09
# ybase: 2.5e-09
# zbase: 1e-09
#
# XNodes: 3
# y nodes: 2
# znodes: 1
#
# xstepsize: 4e-09
# ystepsize: 5e-09
# zstepsize: 2e-09
#
# Custom Key: kept as text
#
# End: Header
#
# Begin: Data Text
1 0 0
0 1 0
0 0 1
## a comment inside a text block
0.6 0.8 0
0 0.6 0.8
   -1 0 0
# End: Data Text
# End: Segment
"""


def test_hand_written_mumax_text(tmp_path):
    p = tmp_path / "m000000.ovf"
    p.write_text(MUMAX_TEXT)
    r = read_ovf(p)
    assert r.shape == (3, 2, 1) and r.step == (4e-9, 5e-9, 2e-9) and r.origin == (0.0, 0.0, 0.0)
    assert r.title == "m" and r.data_format == "text"
    assert r.header["meshunit"] == "m" and r.header["xnodes"] == 3 and r.header["ynodes"] == 2
    assert r.header["desc"] == "Total simulation time:  1e-09  s"
    assert r.header["customkey"] == "kept as text"        # unknown keys: kept, lower-cased, no blanks
    assert r.header["xmax"] == 1.2e-08 and isinstance(r.header["xmax"], float)
    np.testing.assert_array_equal(r.data[0, 0, 0], [1, 0, 0])
    np.testing.assert_array_equal(r.data[2, 0, 0], [0, 0, 1])
    np.testing.assert_array_equal(r.data[0, 1, 0], [0.6, 0.8, 0])
    np.testing.assert_array_equal(r.data[2, 1, 0], [-1, 0, 0])
    s = read_spins(p)
    assert s.shape == (6, 3)
    np.testing.assert_array_equal(s[4], [0, 0.6, 0.8])


def _spirit_segment(title, nodes, values):
    head = _header(nodes, extra=f"# Desc: image {title}\n").replace("# Title: seg", f"# Title: {title}")
    body = struct.pack("<d", 123456789012345.0) + struct.pack(f"<{len(values)}d", *values)
    return (head + "# Begin: Data Binary 8\n").encode() + body + b"\n# End: Data Binary 8\n# End: Segment\n"


def test_multi_segment(tmp_path):
    nodes = (3, 2, 1)
    a = np.arange(18, dtype=float)
    b = -np.arange(18, dtype=float) / 3
    text_seg = (_header((1, 1, 2), valuedim=1) + "# Begin: Data Text\n 0.5\n 0.25\n# End: Data Text\n"
                "# End: Segment\n").encode()
    raw = (b"# OOMMF OVF 2.0\n#\n# Segment count: 000003\n#\n" + _spirit_segment("img0", nodes, a)
           + _spirit_segment("img1", nodes, b) + text_seg)
    p = tmp_path / "chain.ovf"
    p.write_bytes(raw)
    r = read_ovf(p)
    assert len(r.segments) == 3 and len(r.headers) == 3 and r.segments[0] is r.data
    np.testing.assert_array_equal(r.vectors(0), a.reshape(6, 3))
    np.testing.assert_array_equal(r.vectors(1), b.reshape(6, 3))
    np.testing.assert_array_equal(r.segments[1][2, 1, 0], b[15:18])
    assert r.segments[2].shape == (1, 1, 2, 1) and r.segments[2][0, 0, 1, 0] == 0.25
    assert r.headers[1]["title"] == "img1" and r.headers[1]["desc"] == "image img1"
    assert r.value_units == ["1", "1", "1"]   # one unit for all components
    # the declared count must match
    p.write_bytes(raw.replace(b"000003", b"000004"))
    with pytest.raises(InputError, match="Segment count: 4.*3 segment"):
        read_ovf(p)


@pytest.mark.parametrize("width", [4, 8])
def test_ovf1_big_endian_binary(tmp_path, width):
    nx, ny, nz = 3, 2, 2
    code = "f" if width == 4 else "d"
    flat = _coded((nx, ny, nz)).transpose(2, 1, 0, 3).reshape(-1) / 1000   # node order, x fastest
    head = ("# OOMMF: rectangular mesh v1.0\n# Segment count: 1\n# Begin: Segment\n# Begin: Header\n"
            "# Title: ovf1\n# meshtype: rectangular\n# meshunit: nm\n"
            "# xbase: 0.5\n# ybase: 0.5\n# zbase: 0.5\n# xstepsize: 1\n# ystepsize: 1\n# zstepsize: 1\n"
            f"# xnodes: {nx}\n# ynodes: {ny}\n# znodes: {nz}\n"
            "# xmin: 0\n# ymin: 0\n# zmin: 0\n# xmax: 3\n# ymax: 2\n# zmax: 2\n"
            "# valueunit: A/m\n# valuemultiplier: 1000\n# ValueRangeMinMag: 0\n# ValueRangeMaxMag: 1\n"
            f"# End: Header\n# Begin: Data Binary {width}\n")
    body = struct.pack(f">{code}", {4: 1234567.0, 8: 123456789012345.0}[width])
    body += struct.pack(f">{flat.size}{code}", *flat)
    p = tmp_path / "v1.omf"
    p.write_bytes(head.encode() + body + f"\n# End: Data Binary {width}\n# End: Segment\n".encode())
    r = read_ovf(p)
    assert r.version == "1.0" and r.shape == (nx, ny, nz) and r.valuedim == 3
    assert r.value_units == ["A/m"] * 3 and r.header["valuemultiplier"] == 1000.0
    expect = _coded((nx, ny, nz))   # valuemultiplier applied
    np.testing.assert_allclose(r.data, expect, rtol=1e-6 if width == 4 else 1e-15)
    np.testing.assert_allclose(r.data[2, 1, 1], [2, 10, 100], rtol=1e-6)


# --- malformed files ----------------------------------------------------------------------------

def test_wrong_check_value(tmp_path):
    p = write_ovf(tmp_path / "c.ovf", _field(), fmt="binary4")
    raw = p.read_bytes()
    start = raw.index(b"Binary 4\n") + len(b"Binary 4\n")
    p.write_bytes(raw[:start] + struct.pack("<f", 1234000.0) + raw[start + 4:])
    with pytest.raises(InputError, match=r"check value.*expected 1234567\.0, found 1234000\.0"):
        read_ovf(p)
    p8 = write_ovf(tmp_path / "c8.ovf", _field(), fmt="binary8")
    raw = p8.read_bytes()
    start = raw.index(b"Binary 8\n") + len(b"Binary 8\n")
    p8.write_bytes(raw[:start] + struct.pack("<d", 2.0) + raw[start + 8:])
    with pytest.raises(InputError, match=r"expected 123456789012345\.0, found 2\.0"):
        read_ovf(p8)


@pytest.mark.parametrize("fmt", ["binary8", "binary4", "text"])
def test_truncated_file(tmp_path, fmt):
    p = write_ovf(tmp_path / "t.ovf", _field(), fmt=fmt)
    raw = p.read_bytes()
    cut = raw.index(b"# Begin: Data") + 200
    p.write_bytes(raw[:cut])
    with pytest.raises(InputError, match="truncated"):
        read_ovf(p)
    p.write_bytes(raw[:raw.index(b"# End: Header")])
    with pytest.raises(InputError, match="truncated"):
        read_ovf(p)
    p.write_bytes(raw[:raw.rindex(b"# End: Segment")])
    with pytest.raises(InputError, match="End: Segment"):
        read_ovf(p)


def _file(tmp_path, header, data="1 0 0\n0 1 0\n", fmt="Text", name="h.ovf"):
    p = tmp_path / name
    p.write_text(f"# OOMMF OVF 2.0\n# Segment count: 1\n{header}# Begin: Data {fmt}\n{data}"
                 f"# End: Data {fmt}\n# End: Segment\n")
    return p


def test_unknown_and_missing_keys(tmp_path):
    good = _header((2, 1, 1), extra="# Frobnication: 42 units\n# XSTEPSIZE: 1e-9\n")
    r = read_ovf(_file(tmp_path, good))
    assert r.header["frobnication"] == "42 units"
    np.testing.assert_array_equal(r.vectors(), [[1, 0, 0], [0, 1, 0]])
    with pytest.raises(InputError, match="'ynodes'"):
        read_ovf(_file(tmp_path, _header((2, 1, 1)).replace("# ynodes: 1\n", "")))
    with pytest.raises(InputError, match="'valuedim'"):
        read_ovf(_file(tmp_path, _header((2, 1, 1)).replace("# valuedim: 3\n", "")))
    with pytest.raises(InputError, match="xstepsize"):
        read_ovf(_file(tmp_path, _header((2, 1, 1)).replace("# xstepsize: 1e-9\n", "")))
    with pytest.raises(InputError, match="given twice"):
        read_ovf(_file(tmp_path, _header((2, 1, 1), extra="# xnodes: 3\n")))
    with pytest.raises(InputError, match="not 'key: value'"):
        read_ovf(_file(tmp_path, _header((2, 1, 1), extra="# no colon here\n")))


def test_count_mismatch_and_bad_format(tmp_path):
    with pytest.raises(InputError, match="holds 6 numbers but .* = 9"):
        read_ovf(_file(tmp_path, _header((3, 1, 1))))
    with pytest.raises(InputError, match="holds 6 numbers but .* = 3"):
        read_ovf(_file(tmp_path, _header((1, 1, 1))))
    with pytest.raises(InputError, match="non-number 'abc'"):
        read_ovf(_file(tmp_path, _header((2, 1, 1)), data="1 0 0\n0 abc 0\n"))
    with pytest.raises(InputError, match="unknown data format 'Binary 2'"):
        read_ovf(_file(tmp_path, _header((2, 1, 1)), fmt="Binary 2"))
    # binary block longer than the header says
    p = write_ovf(tmp_path / "b.ovf", np.zeros((4, 1, 1, 3)))
    p.write_bytes(p.read_bytes().replace(b"# xnodes: 4", b"# xnodes: 3"))
    with pytest.raises(InputError, match="longer than|does not match"):
        read_ovf(p)
    # shorter than the header says
    p = write_ovf(tmp_path / "b.ovf", np.zeros((4, 1, 1, 3)))
    p.write_bytes(p.read_bytes().replace(b"# xnodes: 4", b"# xnodes: 5"))
    with pytest.raises(InputError):
        read_ovf(p)


def test_not_ovf_and_irregular(tmp_path):
    p = tmp_path / "x.ovf"
    p.write_text("hello\n")
    with pytest.raises(InputError, match="not an OVF file"):
        read_ovf(p)
    p.write_text("")
    with pytest.raises(InputError, match="empty"):
        read_ovf(p)
    with pytest.raises(InputError, match="does not exist"):
        read_ovf(tmp_path / "missing.ovf")
    irregular = _header((2, 1, 1)).replace("rectangular", "irregular") + "# pointcount: 2\n"
    with pytest.raises(InputError, match="only rectangular meshes are supported"):
        read_ovf(_file(tmp_path, irregular))
    p.write_text("# OOMMF: irregular mesh v1.0\n")
    with pytest.raises(InputError, match="only rectangular meshes are supported"):
        read_ovf(p)


# --- writing errors and atomicity ---------------------------------------------------------------

def test_write_errors(tmp_path):
    data = _field()
    bad = data.copy()
    bad[1, 2, 3, 0] = np.nan
    with pytest.raises(InputError, match=r"non-finite.*\(ix, iy, iz\) = \(1, 2, 3\)"):
        write_ovf(tmp_path / "e.ovf", bad)
    with pytest.raises(InputError, match="does not match shape"):
        write_ovf(tmp_path / "e.ovf", np.zeros((29, 3)), shape=SHAPE)
    with pytest.raises(InputError, match="does not match shape"):
        write_ovf(tmp_path / "e.ovf", data, shape=(5, 3, 2))
    with pytest.raises(InputError, match="needs shape"):
        write_ovf(tmp_path / "e.ovf", np.zeros((30, 3)))
    with pytest.raises(InputError, match="positive integers"):
        write_ovf(tmp_path / "e.ovf", np.zeros((30, 3)), shape=(2, 3, 5.5))
    with pytest.raises(InputError, match="unknown OVF data format"):
        write_ovf(tmp_path / "e.ovf", data, fmt="binary2")
    with pytest.raises(InputError, match="float32"):
        write_ovf(tmp_path / "e.ovf", data * 1e300, fmt="binary4")
    with pytest.raises(InputError, match="step"):
        write_ovf(tmp_path / "e.ovf", data, step=(1, 0, 1))
    with pytest.raises(InputError, match="real numbers"):
        write_ovf(tmp_path / "e.ovf", data + 1j)
    with pytest.raises(InputError, match="'##'"):
        write_ovf(tmp_path / "e.ovf", data, title="a ## b")
    assert not list(tmp_path.iterdir())
    # format names are forgiving about case and blanks
    r = read_ovf(write_ovf(tmp_path / "ok.ovf", data, fmt="Binary 8"))
    np.testing.assert_array_equal(r.data, data)


def test_atomic_write_keeps_old_file(tmp_path, monkeypatch):
    p = write_ovf(tmp_path / "a.ovf", _field(seed=1))
    before = p.read_bytes()

    def boom(fd):
        raise KeyboardInterrupt   # interrupted after the data went to the temporary file

    from spinertia import atomic

    monkeypatch.setattr(atomic.os, "fsync", boom)
    with pytest.raises(KeyboardInterrupt):
        write_ovf(p, _field(seed=2))
    assert p.read_bytes() == before
    assert [q.name for q in tmp_path.iterdir()] == ["a.ovf"]


# --- spins --------------------------------------------------------------------------------------

def test_spins_round_trip_and_unit_check(tmp_path):
    n = int(np.prod(SHAPE))
    spins = _unit_spins(n)
    for fmt in ("binary8", "binary4", "text"):
        p = write_spins(tmp_path / f"s_{fmt}.ovf", spins, SHAPE, fmt=fmt, step=(3e-10, 3e-10, 3e-10))
        back = read_spins(p)
        assert back.shape == (n, 3)
        np.testing.assert_allclose(back, spins, rtol=0, atol=1e-7 if fmt == "binary4" else 0)
    # not unit: the first offending node is named
    raw = spins.copy()
    raw[7] *= 1.01
    raw[9] *= 2
    p = write_ovf(tmp_path / "bad.ovf", raw, shape=SHAPE)
    with pytest.raises(InputError, match=r"node 7 \(ix, iy, iz\) = \(1, 0, 1\)"):
        read_spins(p)
    with pytest.raises(InputError, match="node 7"):
        write_spins(tmp_path / "bad2.ovf", raw, SHAPE)
    # empty cells: all-zero vectors only with allow_empty
    holes = spins.copy()
    holes[[3, 11]] = 0.0
    p = write_ovf(tmp_path / "holes.ovf", holes, shape=SHAPE)
    with pytest.raises(InputError, match="node 3.*allow_empty=True"):
        read_spins(p)
    np.testing.assert_array_equal(read_spins(p, allow_empty=True), holes)
    write_spins(tmp_path / "holes2.ovf", holes, SHAPE, allow_empty=True)
    # a near-zero but not zero vector is still rejected
    holes[3] = [1e-9, 0, 0]
    p = write_ovf(tmp_path / "holes3.ovf", holes, shape=SHAPE)
    with pytest.raises(InputError, match="node 3"):
        read_spins(p, allow_empty=True)
    # scalar fields are not spins
    p = write_ovf(tmp_path / "scalar.ovf", np.ones(n), shape=SHAPE)
    with pytest.raises(InputError, match="valuedim 1"):
        read_spins(p)
