"""The lab's topology file (lab/topology.toml) and where the lab keeps its files."""

from __future__ import annotations

import ipaddress
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .router import Router
from .util import LabError

NAME_RE = re.compile(r"^[a-z][a-z0-9]{0,9}$")


@dataclass(frozen=True)
class Paths:
    """The state directory (one per lab) and the cache (images and kernel, shared)."""

    state: Path
    cache: Path

    @classmethod
    def from_env(cls, env) -> "Paths":
        return cls(Path(env.get("LVSLAB_STATE", "/var/tmp/lvs-lab")),
                   Path(env.get("LVSLAB_CACHE", "/var/cache/lvs-lab")))

    @property
    def key(self) -> Path:
        return self.cache / "ssh" / "id_ed25519"

    def console(self, name: str) -> Path:
        return self.state / f"{name}.console.log"


@dataclass(frozen=True)
class Guest:
    name: str
    ipv4: ipaddress.IPv4Interface
    ipv6: ipaddress.IPv6Interface | None
    groups: tuple[str, ...]
    suite: str
    mac: str

    @property
    def tap(self) -> str:
        return f"tap-{self.name}"

    @property
    def address(self) -> str:
        return str(self.ipv4.ip)


def parse(text: str, source: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LabError(f"cannot read topology {source}: {exc}") from exc


def merged(base: dict, data: dict) -> dict:
    """A topology over the one it extends: [lab] key by key, any other table whole."""
    result = {**base, **{key: value for key, value in data.items() if key != "extends"}}
    result["lab"] = {**base.get("lab", {}), **data.get("lab", {})}
    return result


def read(path: Path) -> dict:
    """A topology file's tables; `extends = "FILE"` (next to it) starts from that topology.
    Topologies that extend one share its [image] and [repo], so their guests share its images."""
    try:
        data = parse(path.read_text(), str(path))
    except OSError as exc:
        raise LabError(f"cannot read topology {path}: {exc}") from exc
    if "extends" in data:
        return merged(read(path.parent / data["extends"]), data)
    return data


class Topology:
    """A parsed topology. `netns` and `suite` override the file (LVSLAB_NETNS, LVSLAB_SUITE)."""

    def __init__(self, data: dict, source: str = "topology", netns: str | None = None,
                 suite: str | None = None):
        lab = data.get("lab", {})
        self.netns = netns or lab.get("netns", "lvslab")
        self.bridge = lab.get("bridge", "br0")
        self.ipv4 = ipaddress.ip_interface(lab.get("ipv4", "192.0.2.1/24"))
        self.ipv6 = ipaddress.ip_interface(lab.get("ipv6", "2001:db8::1/64"))
        self.repo_port = int(lab.get("repo_port", 8000))
        self.memory = lab.get("memory", "512M")
        self.ssh_timeout = int(lab.get("ssh_timeout", 120))
        self.image = data.get("image", {})
        self.repo_packages = sorted(data.get("repo", {}).get("packages", []))
        self.guests: dict[str, Guest] = {}
        for index, (name, g) in enumerate(data.get("guests", {}).items(), start=1):
            if not NAME_RE.match(name):
                raise LabError(f"{source}: guest name {name!r} must match {NAME_RE.pattern}")
            try:
                self.guests[name] = Guest(
                    name=name, ipv4=ipaddress.ip_interface(g["ipv4"]),
                    ipv6=ipaddress.ip_interface(g["ipv6"]) if "ipv6" in g else None,
                    groups=tuple(g.get("groups", [])),
                    suite=suite or g.get("suite", self.image.get("suite", "bookworm")),
                    mac=g.get("mac", f"02:4c:56:00:00:{index:02x}"))
            except (KeyError, ValueError) as exc:
                raise LabError(f"{source}: guests.{name}: {exc}") from exc
        if not self.guests:
            raise LabError(f"no [guests.*] in {source}")
        # The lab namespace as the upstream BGP router of ECMP directors (router.py).
        self.router = Router.from_table(data["router"], self.guests) if "router" in data else None

    @classmethod
    def load(cls, path: Path, netns: str | None = None, suite: str | None = None) -> "Topology":
        return cls(read(path), str(path), netns, suite)

    @property
    def suites(self) -> list[str]:
        return sorted({g.suite for g in self.guests.values()})

    def guest(self, name: str) -> Guest:
        if name not in self.guests:
            raise LabError(f"unknown guest {name!r}; known: {', '.join(self.guests)}")
        return self.guests[name]

    def image_spec(self, suite: str) -> dict:
        """The [image] table for one suite: "{suite}" in a mirror line becomes its name."""
        return {**self.image, "suite": suite,
                "mirrors": [line.replace("{suite}", suite) for line in self.image["mirrors"]]}

    @property
    def repo_url(self) -> str:
        return f"http://{self.ipv4.ip}:{self.repo_port}/"

    def guest_repo_url(self, name: str) -> str:
        """Each suite's packages are served from a directory of its own."""
        return f"{self.repo_url}{self.guests[name].suite}/"

    def ns(self, *cmd) -> list[str]:
        return ["ip", "netns", "exec", self.netns, *map(str, cmd)]
