"""Is the machine quiet? Other processes' CPU use during a measurement, from ``/proc/stat``.

These machines are shared: a 2-thread benchmark beside a busy process measures the noise, not
the code, so the comparison scripts report how many cores others kept busy and warn.
"""
from __future__ import annotations

import os

BUSY_WARNING_CORES = 0.25  # other processes' average load above which timings are suspect


def cpu_jiffies() -> tuple[int, int] | None:
    """(busy, total) jiffies of all CPUs since boot, or None where /proc/stat is absent."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except OSError:
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields[:8]) - idle, sum(fields[:8])


def others_load(before, after, own_cpu_seconds: float, wall_seconds: float) -> float | None:
    """Average number of cores that other processes kept busy."""
    if before is None or after is None:
        return None
    hz = os.sysconf("SC_CLK_TCK")
    busy_seconds = (after[0] - before[0]) / hz
    return max(0.0, busy_seconds - own_cpu_seconds) / wall_seconds


def own_cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system
