# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark (not a test): parse_list() over the captured 1,000-service x 20-real-server `ipvsadm -Ln`.

Prints the best-of-N parse time and its ratio to the floor every parser pays,
`str.split()` of the same lines (text.splitlines() included in both), measured
interleaved in the same run.  Target: ratio under 5.  The ratio to a split
that keeps its token lists is printed for reference only.
Usage: .venv/bin/python tools/bench/ipvsadm_parse.py [ROUNDS] (make bench)
"""

from __future__ import annotations

import gzip
import os
import pathlib
import sys
import tempfile
import timeit

ROOT = pathlib.Path(__file__).resolve().parents[2]
TABLE = ROOT / "tests" / "unit" / "fixtures" / "ipvsadm" / "bench_1000x20.stdout.gz"
TARGET = 5.0


def import_parser():
    """Import module_utils the way Ansible does, through ansible_collections.lvs.cluster (a symlink to this checkout)."""
    tree = pathlib.Path(tempfile.mkdtemp(prefix="lvs-cluster-bench-"))
    (tree / "ansible_collections" / "lvs").mkdir(parents=True)
    (tree / "ansible_collections" / "lvs" / "cluster").symlink_to(ROOT)
    sys.path.insert(0, str(tree))
    from ansible_collections.lvs.cluster.plugins.module_utils.ipvsadm import parse_list  # pylint: disable=import-outside-toplevel
    (tree / "ansible_collections" / "lvs" / "cluster").unlink()
    os.removedirs(tree / "ansible_collections" / "lvs")
    return parse_list


def split_lines(text):
    for line in text.splitlines():
        line.split()


def split_lines_kept(text):
    return [line.split() for line in text.splitlines()]


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    parse_list = import_parser()
    text = gzip.decompress(TABLE.read_bytes()).decode()
    info = parse_list(text)
    lines = text.count("\n")
    servers = sum(len(service["real_servers"]) for service in info["services"])
    # Interleaved, so that load from other processes hits both alike; timeit turns GC off for both.
    parse = split = kept = float("inf")
    for _round in range(rounds):
        parse = min(parse, timeit.timeit(lambda: parse_list(text), number=1))
        split = min(split, timeit.timeit(lambda: split_lines(text), number=1))
        kept = min(kept, timeit.timeit(lambda: split_lines_kept(text), number=1))
    ratio = parse / split
    print("table: %d lines, %d services, %d real servers (%s)" % (lines, len(info["services"]), servers, TABLE.name))
    print("python %s, best of %d" % (sys.version.split()[0], rounds))
    print("parse_list:  %8.2f ms  (%.2f us/line)" % (parse * 1e3, parse * 1e6 / lines))
    print("str.split(): %8.2f ms  (%.2f us/line; token lists dropped at once)" % (split * 1e3, split * 1e6 / lines))
    print("  and kept:  %8.2f ms  (ratio to it %.2fx, for reference)" % (kept * 1e3, parse / kept))
    print("ratio:       %8.2fx  parse_list / str.split() (target < %.0fx: %s)" % (
        ratio, TARGET, "met" if ratio < TARGET else "NOT met"))
    return 0 if ratio < TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
