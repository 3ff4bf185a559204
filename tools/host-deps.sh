#!/usr/bin/env bash
# make host-deps: the Debian packages the lab and the test tiers need.
# Silent when all are installed; otherwise one line says what it installs (as
# root, with apt-get) or what is missing and the command that installs it.
# --dry-run: say what it would install, install nothing.
# PYTHON ...: the interpreters venvs will be built from. When one of them is
# Debian's own, `python3 -m venv` needs python3-venv: it is added to the list.
# Usage: tools/host-deps.sh [--dry-run] [PYTHON ...]
set -euo pipefail

# lab/lvslab: mmdebstrap e2fsprogs ethtool iproute2 openssh-client netcat-openbsd
# python3 systemd (systemctl --root), and patchelf and gpgv for its pinned kernel
# (lab/kernel.toml: the kernel comes from Debian testing, not from the host's
# user-mode-linux, which panics on CPUs with AMX); curl: the demo's and the
# tests' traffic; keepalived, ipvsadm, systemd-analyze: the render tier;
# rsync, git: the sanity tier's copy of the tree; shellcheck: its shellcheck
# test (ansible-test skips it with a warning without); nftables: the default
# scenario drops multicast VRRP on the lab bridge to prove unicast VRRP;
# locales: the en_US.UTF-8 locale ansible-test runs in (below).
packages=(
  curl e2fsprogs ethtool git gpgv iproute2 ipvsadm keepalived locales mmdebstrap
  netcat-openbsd nftables openssh-client patchelf python3 rsync shellcheck systemd
)

dry_run=false
if [ "${1-}" = --dry-run ]; then
  dry_run=true
  shift
fi
case "${1-}" in
  -*) echo "usage: $0 [--dry-run] [PYTHON ...]" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
  echo "host-deps: this is not a Debian machine (no dpkg-query or apt-get): the lab and the tests" \
    "need Debian 12 with these packages: ${packages[*]}" >&2
  exit 1
fi

for python in "$@"; do
  if dpkg -S "$(readlink -f "$(command -v "$python")")" >/dev/null 2>&1; then
    packages+=(python3-venv)
    break
  fi
done

# ansible-test runs in en_US.UTF-8, and so does the venv it delegates to, whose
# environment keeps only LC_ALL, PATH and HOME (no LOCPATH): the locale must be
# the system's, compiled from the locales package like locale-gen does.
add_locale() {
  locale -a 2>/dev/null | grep -qix 'en_US.utf-\?8' && return 0
  if $dry_run; then
    echo "host-deps: would compile the en_US.UTF-8 locale (localedef -i en_US -f UTF-8 en_US.UTF-8)"
  elif ((EUID != 0)); then
    echo "host-deps: the en_US.UTF-8 locale is missing; as root, run: make host-deps" \
      "(or: localedef -i en_US -f UTF-8 en_US.UTF-8)" >&2
    exit 1
  else
    echo "host-deps: compiling the en_US.UTF-8 locale (localedef)"
    localedef -i en_US -f UTF-8 en_US.UTF-8
  fi
}

# One dpkg-query for every package; a package dpkg never saw prints nothing.
installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${packages[@]}" 2>/dev/null || true)
missing=()
for p in "${packages[@]}"; do
  grep -qx "$p ii *" <<<"$installed" || missing+=("$p")
done
if ! ((${#missing[@]})); then
  add_locale
  exit 0
fi

install=(apt-get install -y -qq --no-install-recommends "${missing[@]}")
if $dry_run; then
  echo "host-deps: would install Debian packages ${missing[*]} (apt-get update; ${install[*]})"
elif ((EUID != 0)); then
  echo "host-deps: missing Debian packages ${missing[*]}; as root, run: make host-deps" \
    "(or: apt-get update && ${install[*]})" >&2
  exit 1
else
  echo "host-deps: installing Debian packages ${missing[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  "${install[@]}" >/dev/null
fi
add_locale
