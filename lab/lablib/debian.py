"""Debian archive formats: control stanzas, and the index of a flat apt repository."""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import re
from pathlib import Path


def stanzas(text: str) -> list[dict[str, str]]:
    """Paragraphs of a deb822 file (Packages, Release) as dicts; continuation lines joined by newlines."""
    result, current, last = [], {}, None
    for line in text.splitlines():
        if not line.strip():
            if current:
                result.append(current)
            current, last = {}, None
        elif line[0] in " \t" and last:
            current[last] += "\n" + line.strip()
        elif ":" in line:
            last, _, value = line.partition(":")
            current[last] = value.strip()
    if current:
        result.append(current)
    return result


def depends(field: str) -> list[str]:
    """Package names in a Depends field ("libc6 (>= 2.38), libx | liby" -> libc6, libx, liby)."""
    return [re.split(r"[\s(:]", alt.strip(), maxsplit=1)[0]
            for group in field.split(",") for alt in group.split("|") if alt.strip()]


def release_hashes(release: str) -> dict[str, tuple[str, int]]:
    """{path: (sha256, size)} of a Release file's SHA256 list."""
    fields = stanzas(release)[0] if release.strip() else {}
    result = {}
    for line in fields.get("SHA256", "").splitlines():
        parts = line.split()
        if len(parts) == 3:
            result[parts[2]] = (parts[0], int(parts[1]))
    return result


def write_flat_index(repo: Path, controls: dict[str, str]) -> None:
    """Packages, Packages.gz and Release of a flat repository: {deb file name: its control text}."""
    entries = []
    for name in sorted(controls):
        blob = (repo / name).read_bytes()
        entries.append(f"{controls[name].rstrip()}\nFilename: ./{name}\nSize: {len(blob)}\n"
                       f"MD5sum: {hashlib.md5(blob).hexdigest()}\n"
                       f"SHA256: {hashlib.sha256(blob).hexdigest()}\n")
    packages = "\n".join(entries).encode()
    (repo / "Packages").write_bytes(packages)
    (repo / "Packages.gz").write_bytes(gzip.compress(packages, mtime=0))
    release = ["Origin: lvslab", "Label: lvslab", "Suite: lvslab", "Codename: lvslab",
               f"Date: {email.utils.formatdate(usegmt=True)}", "Architectures: amd64 all"]
    for field, algo in (("MD5Sum", hashlib.md5), ("SHA256", hashlib.sha256)):
        release.append(f"{field}:")
        for index in ("Packages", "Packages.gz"):
            blob = (repo / index).read_bytes()
            release.append(f" {algo(blob).hexdigest()} {len(blob)} {index}")
    (repo / "Release").write_text("\n".join(release) + "\n")
