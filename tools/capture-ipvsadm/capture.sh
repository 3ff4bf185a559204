#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# One-shot capture of real ipvsadm output.  Boots the Debian user-mode-linux
# kernel with the host's filesystem as a read-only hostfs root, runs
# guest-init.sh as PID 1 and collects NAME.stdout/.stderr/.rc into OUTDIR.
# The "no IPVS in the kernel" case is captured from the host itself.
# Usage (as root): tools/capture-ipvsadm/capture.sh [OUTDIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../tests/unit/fixtures/ipvsadm}
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/*.stdout "$out"/*.stdout.gz "$out"/*.stderr "$out"/*.rc "$out"/.complete "$out"/capture.log

if [[ -e /proc/net/ip_vs ]]; then
    echo "capture: this host has IPVS; skipping no_ipvs_host" >&2
else
    set +e
    /usr/sbin/ipvsadm -Ln >"$out/no_ipvs_host.stdout" 2>"$out/no_ipvs_host.stderr"
    echo $? >"$out/no_ipvs_host.rc"
    set -e
fi

console=$(mktemp /tmp/capture-ipvsadm-console.XXXXXX)
timeout --kill-after=10 600 /usr/bin/linux.uml mem=512M root=/dev/root rootfstype=hostfs rootflags=/ ro \
    init="$here/guest-init.sh" capture_out="$out" con=null con0=null,fd:1 >"$console" 2>&1 </dev/null || true
if [[ ! -e "$out/.complete" ]]; then
    echo "capture: guest did not finish; console log: $console" >&2
    exit 1
fi
gzip -9n -f "$out/bench_1000x20.stdout"
rm -f "$out/.complete" "$console"
echo "capture: done, $(uname -r) host, guest log in $out/capture.log"
