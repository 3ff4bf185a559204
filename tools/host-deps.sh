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
# locales: the en_US.UTF-8 locale ansible-test runs in (below); libreadline8
# and libssh-gcrypt-4: the libraries of bird2's bird and birdc, which
# tools/debian-tool runs unpacked, not installed (the lab's router, a unit test).
packages=(
  curl e2fsprogs ethtool git gpgv iproute2 ipvsadm keepalived libreadline8
  libssh-gcrypt-4 locales mmdebstrap netcat-openbsd nftables openssh-client
  patchelf python3 rsync shellcheck systemd
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

# A step that needs root: with --dry-run, say what it would do; without root, say
# what is missing and the command that fixes it, and fail; as root, do it.
# Usage: root_step DOING MISSING COMMAND_TEXT FUNCTION
root_step() {
  if $dry_run; then
    echo "host-deps: would $1 ($3)"
  elif ((EUID != 0)); then
    echo "host-deps: $2; as root, run: make host-deps (or: $3)" >&2
    exit 1
  else
    echo "host-deps: $1"
    "$4"
  fi
}

# One dpkg-query for every package; a package dpkg never saw prints nothing.
installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${packages[@]}" 2>/dev/null || true)
missing=()
for p in "${packages[@]}"; do
  grep -qx "$p ii *" <<<"$installed" || missing+=("$p")
done
install=(apt-get install -y -qq --no-install-recommends "${missing[@]}")
install_packages() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  "${install[@]}" >/dev/null
}
((${#missing[@]} == 0)) ||
  root_step "install Debian packages ${missing[*]}" "missing Debian packages ${missing[*]}" \
    "apt-get update && ${install[*]}" install_packages

# ansible-test runs in en_US.UTF-8, and so does the venv it delegates to, whose
# environment keeps only LC_ALL, PATH and HOME (no LOCPATH): the locale must be
# the system's, compiled from the locales package like locale-gen does.
compile_locale() {
  localedef -i en_US -f UTF-8 en_US.UTF-8
}
locale -a 2>/dev/null | grep -qix 'en_US.utf-\?8' ||
  root_step "compile the en_US.UTF-8 locale" "the en_US.UTF-8 locale is missing" \
    "localedef -i en_US -f UTF-8 en_US.UTF-8" compile_locale
