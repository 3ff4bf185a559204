"""The topology file, the image cache key and the inventory: what `lvslab up` derives from them."""

import dataclasses
import ipaddress
import subprocess
from pathlib import Path

import pytest
import yaml

from lablib import image, inventory, kernel, router
from lablib.topology import Paths, Topology, parse
from lablib.util import LabError

LAB = Path(__file__).resolve().parents[2] / "lab"
MINIMAL = """
[image]
mirrors = ["deb http://deb.debian.org/debian {suite} main"]
packages = ["python3"]
[guests.dir1]
ipv4 = "192.0.2.11/24"
groups = ["lvs_directors"]
[guests.rs1]
ipv4 = "192.0.2.21/24"
ipv6 = "2001:db8::21/64"
suite = "trixie"
"""


def topology(text, **overrides):
    return Topology(parse(text, "topology"), "topology", **overrides)


PATHS = Paths(Path("/var/tmp/lvs-test"), Path("/var/cache/lvs-test"))


class FakeKernel:
    """A fetched kernel as image_key sees it: its pin and its release."""

    def __init__(self, pin, release="7.2.7"):
        self.pin, self.release = pin, release


def test_the_lab_topology_parses():
    topo = Topology.load(LAB / "topology.toml")
    assert list(topo.guests) == ["dir1", "dir2", "rs1", "rs2"]
    assert topo.suites == ["bookworm", "trixie"]
    assert topo.guests["dir2"].tap == "tap-dir2"
    for g in topo.guests.values():
        assert g.ipv4.ip in ipaddress.ip_network("192.0.2.0/24")
        assert g.ipv6.ip in ipaddress.ip_network("2001:db8::/32")


def test_defaults_and_overrides():
    topo = topology(MINIMAL)
    assert (topo.netns, topo.bridge, str(topo.ipv4), topo.repo_port) == ("lvslab", "br0", "192.0.2.1/24", 8000)
    assert topo.guests["dir1"].suite == "bookworm" and topo.guests["rs1"].suite == "trixie"
    assert topo.guests["rs1"].mac == "02:4c:56:00:00:02"
    assert topo.guest_repo_url("rs1") == "http://192.0.2.1:8000/trixie/"
    assert topo.image_spec("trixie")["mirrors"] == ["deb http://deb.debian.org/debian trixie main"]
    one = topology(MINIMAL, netns="lvsother", suite="bookworm")
    assert one.netns == "lvsother" and one.suites == ["bookworm"]
    assert one.ns("ip", "link") == ["ip", "netns", "exec", "lvsother", "ip", "link"]


@pytest.mark.parametrize("text, message", [
    ("[guests.Dir1]\nipv4 = '192.0.2.11/24'\n", "guest name 'Dir1' must match"),
    ("[guests.dir1]\nipv4 = '192.0.2.300/24'\n", "guests.dir1:"),
    ("[guests.dir1]\n", "guests.dir1: 'ipv4'"),
    ("[lab]\n", "no \\[guests"),
    ("[guests.dir1\n", "cannot read topology"),
])
def test_a_wrong_topology_is_refused(text, message):
    with pytest.raises(LabError, match=message):
        topology(text)


def test_unknown_guest_names_the_known_ones():
    with pytest.raises(LabError, match="unknown guest 'dir9'; known: dir1, rs1"):
        topology(MINIMAL).guest("dir9")


def test_paths_from_the_environment():
    assert Paths.from_env({}) == Paths(Path("/var/tmp/lvs-lab"), Path("/var/cache/lvs-lab"))
    paths = Paths.from_env({"LVSLAB_STATE": "/var/tmp/x", "LVSLAB_CACHE": "/var/cache/y"})
    assert paths.key == Path("/var/cache/y/ssh/id_ed25519")
    assert paths.console("dir1") == Path("/var/tmp/x/dir1.console.log")


def test_image_key_follows_every_input():
    topo, pin = topology(MINIMAL), kernel.Pin.load()
    base = image.image_key(topo, "bookworm", FakeKernel(pin), "ssh-ed25519 AAAA lvslab")
    assert base == image.image_key(topo, "bookworm", FakeKernel(pin), "ssh-ed25519 AAAA lvslab")
    other_pin = dataclasses.replace(pin, libc=dataclasses.replace(pin.libc, version="2.44-1"))
    changed = {
        "suite": image.image_key(topo, "trixie", FakeKernel(pin), "ssh-ed25519 AAAA lvslab"),
        "kernel pin": image.image_key(topo, "bookworm", FakeKernel(other_pin), "ssh-ed25519 AAAA lvslab"),
        "kernel release": image.image_key(topo, "bookworm", FakeKernel(pin, "7.2.8"), "ssh-ed25519 AAAA lvslab"),
        "ssh key": image.image_key(topo, "bookworm", FakeKernel(pin), "ssh-ed25519 BBBB lvslab"),
        "packages": image.image_key(topology(MINIMAL.replace('["python3"]', '["python3", "curl"]')),
                                    "bookworm", FakeKernel(pin), "ssh-ed25519 AAAA lvslab"),
    }
    assert base not in changed.values() and len(set(changed.values())) == len(changed)


def test_inventory_is_yaml_with_hosts_groups_and_the_proxy():
    topo = topology(MINIMAL, netns="lvsother")
    data = yaml.safe_load(inventory.render(topo, PATHS))
    lab_vars = data["all"]["vars"]
    assert lab_vars["ansible_ssh_private_key_file"] == "/var/cache/lvs-test/ssh/id_ed25519"
    assert '-o ProxyCommand="ip netns exec lvsother nc %h %p"' in lab_vars["ansible_ssh_common_args"]
    assert lab_vars["lvslab_netns"] == "lvsother"
    assert data["all"]["hosts"]["rs1"] == {
        "ansible_host": "192.0.2.21", "lvslab_ipv4": "192.0.2.21", "lvslab_mac": "02:4c:56:00:00:02",
        "lvslab_suite": "trixie", "lvslab_ipv6": "2001:db8::21"}
    assert "lvslab_ipv6" not in data["all"]["hosts"]["dir1"]
    assert data["all"]["children"] == {"lvs_directors": {"hosts": {"dir1": {}}}}


def test_the_ecmp_topology_extends_the_lab_one_and_shares_its_images():
    base, ecmp = Topology.load(LAB / "topology.toml"), Topology.load(LAB / "topology-ecmp.toml")
    assert (ecmp.netns, ecmp.bridge, str(ecmp.ipv4)) == ("lvsecmp", "br0", "192.0.2.1/24")
    assert list(ecmp.guests) == ["dir1", "dir2", "dir3", "rs1", "rs2"]
    assert (ecmp.image, ecmp.repo_packages) == (base.image, base.repo_packages)
    assert ecmp.router.peers == ("dir1", "dir2", "dir3") and base.router is None


def test_the_bench_topology_extends_the_lab_one_and_shares_its_images():
    base = Topology.load(LAB / "topology.toml")
    bench = Topology.load(LAB.parent / "tools" / "bench" / "topology.toml")
    assert (bench.netns, list(bench.guests)) == ("lvsbench", ["dir1", "dir2", "rs1", "rs2", "rs3", "rs4"])
    assert (bench.image, bench.repo_packages) == (base.image, base.repo_packages)


def test_extends_replaces_tables_and_merges_lab(tmp_path):
    (tmp_path / "base.toml").write_text(MINIMAL + "[lab]\nnetns = 'a'\nmemory = '256M'\n")
    (tmp_path / "child.toml").write_text('extends = "base.toml"\n[lab]\nnetns = "b"\n'
                                         '[guests.rs9]\nipv4 = "192.0.2.29/24"\n')
    child = Topology.load(tmp_path / "child.toml")
    assert (child.netns, child.memory, list(child.guests)) == ("b", "256M", ["rs9"])
    assert child.image["packages"] == ["python3"]


ROUTER = MINIMAL + """
[router]
asn = 64500
peer_asn = 64501
peers = ["dir1"]
prefixes = ["198.51.100.0/24"]
"""


def test_router_config_peers_each_director_with_bfd_and_takes_only_host_routes():
    topo = topology(ROUTER)
    conf = router.config(topo, topo.router)
    assert "local 192.0.2.1 as 64500;" in conf and "bfd on;" in conf and "merge paths on;" in conf
    assert "import where net ~ [ 198.51.100.0/24{32,32} ]; export none;" in conf
    assert "protocol bgp dir1 from director {\n    neighbor 192.0.2.11 as 64501;\n}" in conf
    assert "min rx interval 100 ms;" in conf and "multiplier 3;" in conf


@pytest.mark.parametrize("change, message", [
    (("peers = [\"dir1\"]", "peers = [\"dir7\"]"), r"peers \['dir7'\]: name guests"),
    (("asn = 64500", "asn = 0"), "AS number 0 is outside"),
    (("198.51.100.0/24", "2001:db8:1::/48"), "IPv4 prefixes only"),
    (("peer_asn = 64501\n", ""), "needs asn, peer_asn, peers and prefixes"),
])
def test_a_wrong_router_table_is_refused(change, message):
    with pytest.raises(LabError, match=message):
        topology(ROUTER.replace(*change))


def test_router_config_is_accepted_by_bird(tmp_path):
    """By the BIRD the lab runs (tools/debian-tool unpacks Debian's bird2 on first use)."""
    topo = Topology.load(LAB / "topology-ecmp.toml")
    conf = tmp_path / "bird.conf"
    conf.write_text(router.config(topo, topo.router))
    result = subprocess.run(router.bird("bird", "-p", "-c", conf), capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
