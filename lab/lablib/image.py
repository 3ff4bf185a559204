"""The guests' shared disk image, one per Debian suite, and its local apt repository."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
from pathlib import Path

from . import debian
from .kernel import Kernel
from .topology import Paths, Topology
from .util import LabError, critical, log, run, safe_rmtree, step

# Bump when the way the image is built changes in a way the hashed inputs miss.
BUILD_VERSION = 4

# Guest side: per-guest identity comes from the kernel command line
# (lab.ip=, lab.ip6=, lab.gw=, lab.gw6=, lab.repo=, systemd.hostname=).
GUEST_SETUP = r"""#!/bin/sh
# Written by lvslab: turns the lab.* kernel parameters into network and apt config.
set -eu
ip= ip6= gw= gw6= repo=
for arg in $(cat /proc/cmdline); do
    case "$arg" in
        lab.ip=*) ip=${arg#lab.ip=} ;;
        lab.ip6=*) ip6=${arg#lab.ip6=} ;;
        lab.gw=*) gw=${arg#lab.gw=} ;;
        lab.gw6=*) gw6=${arg#lab.gw6=} ;;
        lab.repo=*) repo=${arg#lab.repo=} ;;
    esac
done
mkdir -p /run/systemd/network
{
    printf '[Match]\nName=vec0\n\n[Network]\nIPv6AcceptRA=no\nLinkLocalAddressing=ipv6\n'
    [ -z "$ip" ] || printf 'Address=%s\n' "$ip"
    [ -z "$ip6" ] || printf 'Address=%s\n' "$ip6"
    [ -z "$gw" ] || printf 'Gateway=%s\n' "$gw"
    [ -z "$gw6" ] || printf 'Gateway=%s\n' "$gw6"
} > /run/systemd/network/10-lab.network
host=$(cat /proc/sys/kernel/hostname)
printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' "$host" > /etc/hosts
if [ -n "$repo" ]; then
    printf 'deb [trusted=yes] %s ./\n' "$repo" > /etc/apt/sources.list
fi
"""

GUEST_SETUP_UNIT = """[Unit]
Description=lvslab guest identity from the kernel command line
DefaultDependencies=no
After=local-fs.target
Before=network-pre.target systemd-networkd.service
Wants=network-pre.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/lvslab-guest-setup

[Install]
WantedBy=sysinit.target
"""

IMAGE_FILES = {
    "etc/fstab": "/dev/ubda / ext4 defaults,noatime 0 0\n",
    "usr/local/sbin/lvslab-guest-setup": GUEST_SETUP,
    "etc/systemd/system/lvslab-guest-setup.service": GUEST_SETUP_UNIT,
    "etc/resolv.conf": "",
    "etc/hostname": "",
    "etc/apt/sources.list": "",
    "etc/apt/apt.conf.d/90lvslab": 'Acquire::Languages "none";\n',
}
# Units that only slow the boot of a lab guest or could not work in it.
MASKED_UNITS = [
    "apt-daily.timer", "apt-daily-upgrade.timer", "e2scrub_all.timer",
    "e2scrub_reap.service", "fstrim.timer", "man-db.timer", "getty.target",
    "console-getty.service", "getty@tty1.service", "serial-getty@ttyS0.service",
    "systemd-timesyncd.service",
]
ENABLED_UNITS = ["lvslab-guest-setup.service", "systemd-networkd.service", "ssh.service"]


def image_key(topo: Topology, suite: str, kernel: Kernel, public_key: str) -> str:
    """Hash of everything an image is built from: any change builds a new image."""
    inputs = {
        "build": BUILD_VERSION, "image": topo.image_spec(suite), "repo": topo.repo_packages,
        "kernel": [kernel.pin.key, kernel.release], "key": public_key,
        "files": IMAGE_FILES, "masked": MASKED_UNITS, "enabled": ENABLED_UNITS,
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:16]


def ensure_key(paths: Paths) -> str:
    """The lab's SSH key (made once per cache); returns the public half."""
    if not paths.key.exists():
        paths.key.parent.mkdir(parents=True, exist_ok=True)
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "lvslab", "-f", paths.key])
    return paths.key.with_suffix(".pub").read_text()


def image_codename(image: Path) -> str:
    """VERSION_CODENAME of an image directory's base.img, read without mounting it."""
    release = run(["debugfs", "-R", "cat /usr/lib/os-release", image / "base.img"],
                  check=False, capture=True).stdout
    return next((line.partition("=")[2].strip('"') for line in release.splitlines()
                 if line.startswith("VERSION_CODENAME=")), "")


def index_repository(repo: Path) -> None:
    controls = {deb.name: run(["dpkg-deb", "-f", deb], capture=True).stdout
                for deb in repo.glob("*.deb")}
    debian.write_flat_index(repo, controls)


def customise(root: Path, kernel: Kernel, public_key: str) -> None:
    release = kernel.release
    shutil.copytree(kernel.modules, root / "lib/modules" / release, symlinks=True)
    run(["chroot", root, "depmod", release])
    for rel, text in IMAGE_FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        path.write_text(text)
    (root / "usr/local/sbin/lvslab-guest-setup").chmod(0o755)
    (root / "etc/apt/sources.list.d").mkdir(exist_ok=True)
    for extra in (root / "etc/apt/sources.list.d").iterdir():
        extra.unlink()
    ssh_dir = root / "root/.ssh"
    ssh_dir.mkdir(mode=0o700, exist_ok=True)
    (ssh_dir / "authorized_keys").write_text(public_key)
    (ssh_dir / "authorized_keys").chmod(0o600)
    run(["systemctl", f"--root={root}", "mask", "--quiet", *MASKED_UNITS])
    run(["systemctl", f"--root={root}", "enable", "--quiet", *ENABLED_UNITS])


def build(topo: Topology, suite: str, kernel: Kernel, public_key: str, tmp: Path) -> None:
    spec = topo.image_spec(suite)
    root, tar, debs = tmp / "root", tmp / "rootfs.tar", tmp / "debs"
    with step("mmdebstrap root filesystem and download of the repo packages"):
        # Clean first: the archive still holds the .debs of the image itself.
        apt_dl = ("chroot \"$1\" apt-get clean && chroot \"$1\" apt-get install --download-only -y -qq "
                  "-o APT::Install-Recommends=true " + " ".join(topo.repo_packages))
        # Private mount and pid namespaces: if the build is stopped, every
        # process and mount of mmdebstrap goes with it.
        run(["unshare", "--mount", "--propagation", "private", "--pid", "--fork",
             "--kill-child", "mmdebstrap", "--quiet", "--variant=apt",
             "--include=" + ",".join(spec["packages"]),
             f"--customize-hook={apt_dl}",
             f"--customize-hook=sync-out /var/cache/apt/archives {debs}",
             suite, tar, *spec["mirrors"]],
            env={**os.environ, "TMPDIR": str(tmp)})
    with step("customise the root filesystem"):
        root.mkdir()
        run(["tar", "-C", root, "--numeric-owner", "--xattrs", "--xattrs-include=*", "-xpf", tar])
        tar.unlink()
        customise(root, kernel, public_key)
    with step("mkfs.ext4 the shared image"):
        run(["mkfs.ext4", "-q", "-L", "lvslab", "-d", root, tmp / "base.img", spec.get("size", "2G")],
            capture=True)
        safe_rmtree(root)
        (tmp / "base.img").chmod(0o444)
    with step("index the local apt repository"):
        repo = tmp / "repo"
        repo.mkdir()
        for deb in debs.glob("*.deb"):
            deb.rename(repo / deb.name)
        safe_rmtree(debs)
        if topo.repo_packages and not any(repo.glob("*.deb")):
            raise LabError("no .deb downloaded for the repository")
        index_repository(repo)


def ensure(topo: Topology, paths: Paths, kernel: Kernel, suite: str, rebuild: bool) -> Path:
    """The image directory of one suite, built if the cache has none for its key."""
    public_key = ensure_key(paths)
    key = image_key(topo, suite, kernel, public_key)
    dest = paths.cache / f"image-{key}"
    if rebuild and dest.exists():
        safe_rmtree(dest)
    if dest.exists():
        log(f"image cached: {dest} (key {key}, {suite})")
        return dest
    paths.cache.mkdir(parents=True, exist_ok=True)
    with open(paths.cache / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if dest.exists():
            return dest
        with step(f"build guest image {key} ({suite})"):
            tmp = paths.cache / f"build-{key}"
            safe_rmtree(tmp)
            tmp.mkdir(parents=True)
            try:
                build(topo, suite, kernel, public_key, tmp)
                # One image per suite: labs of different suites share the cache.
                codename = image_codename(tmp)
                for old in paths.cache.glob("image-*"):
                    if image_codename(old) == codename:
                        safe_rmtree(old)
                tmp.rename(dest)
            except BaseException:
                with critical():
                    safe_rmtree(tmp)
                raise
    return dest
