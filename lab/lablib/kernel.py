"""The UML kernel every guest runs: pinned in lab/kernel.toml, fetched from the Debian archive.

Debian 12's and 13's user-mode-linux panic at the first process on Intel CPUs
with AMX; Debian testing's boots on every host we have, but needs a newer libc
than Debian 12 has. So the lab fetches the pinned user-mode-linux and libc6
.debs, checks them against the pin's SHA256, unpacks both into its cache and
points a copy of the kernel's ELF interpreter and library path at the unpacked
libc: the same kernel then runs on a Debian 12 or 13 host, whatever the host's
own packages are. A change in the archive cannot change the kernel: the pin
moves only with `lvslab kernel --update`.
"""

from __future__ import annotations

import hashlib
import lzma
import re
import shutil
import tempfile
import tomllib
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from . import debian
from .util import LabError, log, run, safe_rmtree, step

PIN_FILE = Path(__file__).resolve().parents[1] / "kernel.toml"
KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")
DOWNLOAD_TIMEOUT = 120


@dataclass(frozen=True)
class Deb:
    package: str
    version: str
    filename: str
    sha256: str
    size: int

    @classmethod
    def from_stanza(cls, stanza: dict[str, str]) -> "Deb":
        return cls(stanza["Package"], stanza["Version"], stanza["Filename"],
                   stanza["SHA256"], int(stanza["Size"]))

    def render(self, table: str) -> str:
        return (f"[{table}]\npackage = \"{self.package}\"\nversion = \"{self.version}\"\n"
                f"filename = \"{self.filename}\"\nsha256 = \"{self.sha256}\"\nsize = {self.size}\n")


@dataclass(frozen=True)
class Pin:
    """The pinned kernel and the libc it runs on, and where `--update` looks for newer ones."""

    archive: str
    suite: str
    kernel: Deb
    libc: Deb

    @classmethod
    def parse(cls, data: dict, source: str = str(PIN_FILE)) -> "Pin":
        try:
            return cls(data["archive"]["url"], data["archive"]["suite"],
                       Deb(**data["kernel"]), Deb(**data["libc"]))
        except (KeyError, TypeError) as exc:
            raise LabError(f"{source}: not a kernel pin ({exc}); restore it from git") from exc

    @classmethod
    def load(cls, path: Path = PIN_FILE) -> "Pin":
        try:
            return cls.parse(tomllib.loads(path.read_text()), str(path))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise LabError(f"cannot read the kernel pin {path}: {exc}") from exc

    def render(self) -> str:
        return ("# The UML kernel of every lab guest, and the libc it runs on (docs/lab.md).\n"
                "# Written by `lab/lvslab kernel --update`; part of the image cache key.\n\n"
                f"[archive]\nurl = \"{self.archive}\"\nsuite = \"{self.suite}\"\n\n"
                + self.kernel.render("kernel") + "\n" + self.libc.render("libc"))

    @property
    def key(self) -> str:
        return hashlib.sha256(self.render().encode()).hexdigest()[:12]

    def describe(self) -> str:
        return (f"{self.kernel.package} {self.kernel.version} (Debian {self.suite}, "
                f"on {self.libc.package} {self.libc.version})")

    def url(self, deb: Deb) -> str:
        return f"{self.archive}/{deb.filename}"


class Kernel:
    """A pin unpacked in the cache: the runnable kernel and its modules."""

    def __init__(self, pin: Pin, cache: Path):
        self.pin = pin
        self.dir = cache / "kernel" / f"{pin.kernel.version}-{pin.key}"
        self.root = self.dir / "root"
        self.binary = self.dir / "linux.uml"

    @property
    def ready(self) -> bool:
        return (self.dir / ".ready").exists()

    @property
    def release(self) -> str:
        """The kernel release, the one directory under usr/lib/uml/modules."""
        base = self.root / "usr/lib/uml/modules"
        found = sorted(p.name for p in base.iterdir()) if base.is_dir() else []
        if len(found) != 1:
            raise LabError(f"expected one kernel release under {base}, found {found}")
        return found[0]

    @property
    def modules(self) -> Path:
        return self.root / "usr/lib/uml/modules" / self.release


def gone_message(pin: Pin, deb: Deb) -> str:
    return (f"{deb.package} {deb.version}, pinned in lab/kernel.toml, is gone from {pin.archive} "
            f"(Debian {pin.suite} keeps only its current version): move the pin with "
            f"`lab/lvslab kernel --update` (make lab-kernel-pin)")


def download(url: str, dest: Path, sha256: str | None = None, size: int | None = None,
             gone: str | None = None) -> bytes | None:
    """Fetch url into dest (or return the bytes when dest is None), checking size and SHA256."""
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:
            blob = response.read()
    except urllib.error.HTTPError as exc:
        if exc.code == 404 and gone:
            raise LabError(gone) from exc
        raise LabError(f"cannot fetch {url}: HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise LabError(f"cannot fetch {url}: {exc}") from exc
    if size is not None and len(blob) != size:
        raise LabError(f"{url}: {len(blob)} bytes, the pin says {size}")
    if sha256 is not None and hashlib.sha256(blob).hexdigest() != sha256:
        raise LabError(f"{url}: SHA256 differs from the pin's; refusing it")
    if dest is None:
        return blob
    dest.write_bytes(blob)
    return None


def loader_of(root: Path) -> Path:
    """The dynamic loader an unpacked libc6 ships (merged-/usr layout or not)."""
    for libdir in ("usr/lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu"):
        if (root / libdir / "ld-linux-x86-64.so.2").exists():
            return root / libdir / "ld-linux-x86-64.so.2"
    raise LabError(f"no ld-linux-x86-64.so.2 in the unpacked libc6 under {root}")


def ensure(pin: Pin, cache: Path) -> Kernel:
    """The pinned kernel, fetched and unpacked into the cache once."""
    kernel = Kernel(pin, cache)
    if kernel.ready:
        return kernel
    with step(f"fetch the lab kernel: {pin.describe()}"):
        safe_rmtree(kernel.dir)
        kernel.root.mkdir(parents=True)
        try:
            for deb in (pin.kernel, pin.libc):
                path = kernel.dir / Path(deb.filename).name
                download(pin.url(deb), path, deb.sha256, deb.size, gone_message(pin, deb))
                run(["dpkg-deb", "-x", path, kernel.root])
                path.unlink()
            shutil.copy2(kernel.root / "usr/bin/linux.uml", kernel.binary)
            loader = loader_of(kernel.root)
            # The interpreter path is absolute: the copy runs from this directory only.
            run(["patchelf", "--set-interpreter", loader, "--set-rpath", loader.parent, kernel.binary])
            version = run([kernel.binary, "--version"], capture=True).stdout.strip()
            if version != kernel.release:
                raise LabError(f"{kernel.binary} says {version!r}, its modules are {kernel.release}")
            (kernel.dir / ".ready").write_text(pin.render())
        except BaseException:
            safe_rmtree(kernel.dir)
            raise
    return kernel


def newest(packages: list[dict[str, str]], name: str) -> dict[str, str]:
    found = [s for s in packages if s.get("Package") == name and s.get("Architecture") in ("amd64", "all")]
    if len(found) != 1:
        raise LabError(f"expected one {name} for amd64 in the index, found {len(found)}")
    return found[0]


def pin_from_index(packages: list[dict[str, str]], archive: str, suite: str) -> Pin:
    """The pin for the user-mode-linux of a Packages index, on that index's libc6."""
    uml = newest(packages, "user-mode-linux")
    needs = set(debian.depends(uml.get("Depends", "")) + debian.depends(uml.get("Pre-Depends", "")))
    if needs - {"libc6"}:
        raise LabError(f"user-mode-linux {uml['Version']} needs {sorted(needs - {'libc6'})}"
                       " besides libc6; the lab unpacks only libc6 for it")
    return Pin(archive, suite, Deb.from_stanza(uml), Deb.from_stanza(newest(packages, "libc6")))


def update(pin: Pin, path: Path = PIN_FILE) -> Pin:
    """Pin the archive suite's current user-mode-linux, read from its signed index."""
    base = f"{pin.archive}/dists/{pin.suite}"
    with tempfile.TemporaryDirectory(prefix="lvslab-pin-") as tmp:
        signed = Path(tmp) / "InRelease"
        download(f"{base}/InRelease", signed)
        release = run(["gpgv", "--quiet", "--keyring", KEYRING, "--output", "-", signed],
                      capture=True).stdout
    index = "main/binary-amd64/Packages.xz"
    if index not in debian.release_hashes(release):
        raise LabError(f"{base}/InRelease lists no {index}")
    sha256, size = debian.release_hashes(release)[index]
    blob = download(f"{base}/{index}", None, sha256, size)
    new = pin_from_index(debian.stanzas(lzma.decompress(blob).decode()), pin.archive, pin.suite)
    if new == pin:
        log(f"the pin is current: {pin.describe()}")
    else:
        path.write_text(new.render())
        log(f"pinned {new.describe()} (was {pin.kernel.version} on {pin.libc.package} {pin.libc.version})"
            f" in {path}; the next `lvslab up` fetches it and rebuilds the images")
    return new


# Panics the lab knows, by a line of the console: (pattern, cause and fix).
KNOWN_PANICS = [
    (re.compile(r"ptrace set fp regs failed, errno = 14"),
     "this UML kernel cannot restore a process's FPU state on this CPU: the host's "
     "PTRACE_SETREGSET wants the whole XSAVE area (AMX tile data included, on Intel CPUs "
     "with AMX) and this kernel passes a smaller one (EFAULT); user-mode-linux 7.2um1 and "
     "later boot here: pin one with `lab/lvslab kernel --update`"),
]


def diagnose(console: str) -> str | None:
    """The cause and fix of a known boot failure in a console log, or None."""
    for pattern, explanation in KNOWN_PANICS:
        if pattern.search(console):
            return explanation
    return None


def tail(console: str, lines: int = 12) -> list[str]:
    """The console's last lines, the kernel's stack dump left out."""
    kept = [line for line in console.splitlines()
            if line.strip() and not re.match(r"^(<\d>)?\s*(\[<[0-9a-f]+>\]|[0-9a-f]{8}( [0-9a-f]{8})+$)", line)]
    return kept[-lines:]
