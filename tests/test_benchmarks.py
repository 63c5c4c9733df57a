"""Every benchmark runs in its --smoke mode and prints its final result lines (so no refactor can break one
unseen).  The numbers themselves are reported by the full runs (README, closing notes), not asserted here."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"

FINAL_LINES = {
    "memory_kernel.py": [r"^speedup_at_\S+_steps: [0-9.]+$"],
    "spinwaves.py": [r"^kpoints_per_second_2sublattice: [0-9]+$", r"^speedup_vs_per_k_eig: [0-9.]+$"],
    "negf.py": [r"^rgf_ms_per_energy_40x40: [0-9.]+$", r"^rgf_speedup_40x40: [0-9.]+$"],
    "sweep.py": [r"^sweep_parallel_efficiency: [0-9.]+$"],
    "atomistic.py": [r"^llg_contended_over_serial_\d+: [0-9.]+$", r"^llg_speedup_vs_spirit_\d+: (nan|[0-9.]+)$",
                     r"^illg_over_llg_cost_\d+: [0-9.]+$"],
    "pumping.py": [r"^dense_seconds_per_pump_period: [0-9.]+$", r"^seconds_per_pump_period: [0-9.]+$"],
}


#: modules of benchmarks/ that are helpers or references, not benchmarks
HELPERS = {"bench_model.py", "timing.py", "reference_numpy.py", "reference_spirit.py"}


def test_every_benchmark_is_covered():
    scripts = {p.name for p in BENCH.glob("*.py")} - HELPERS
    assert scripts == set(FINAL_LINES)


@pytest.mark.parametrize("script", sorted(FINAL_LINES))
def test_benchmark_smoke_prints_its_final_lines(script):
    proc = subprocess.run([sys.executable, str(BENCH / script), "--smoke"], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.strip().splitlines()
    patterns = FINAL_LINES[script]
    tail = lines[-len(patterns):]
    for pattern, line in zip(patterns, tail):
        assert re.match(pattern, line), (pattern, line)
