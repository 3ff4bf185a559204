"""Debian archive formats: deb822 stanzas, Depends, Release hashes and a flat repository index."""

import gzip
import hashlib
from pathlib import Path

from lablib import debian

FIXTURES = Path(__file__).parent / "fixtures"


def test_stanzas_of_a_real_packages_index():
    packages = debian.stanzas((FIXTURES / "packages-testing-excerpt").read_text())
    assert [s["Package"] for s in packages] == ["libc6", "ipvsadm", "user-mode-linux"]
    uml = packages[2]
    assert uml["Depends"] == "libc6 (>= 2.38)"
    # A folded field keeps its continuation lines.
    assert uml["Tag"].count("\n") >= 3


def test_depends_names():
    assert debian.depends("libc6 (>= 2.38), libgcc-s1, foo:any | bar (<< 2)") == ["libc6", "libgcc-s1", "foo", "bar"]
    assert debian.depends("") == []


def test_release_hashes_of_a_real_release():
    hashes = debian.release_hashes((FIXTURES / "release-testing-excerpt").read_text())
    assert hashes["main/binary-amd64/Packages.xz"] == (
        "3ee7e248a1323f66e6bbac87d686442bdc650d66f6a4ffc087a485d49d4c1493", 10093888)
    assert len(hashes) == 3


def test_flat_index_lists_every_deb_with_its_hashes(tmp_path):
    (tmp_path / "a_1_all.deb").write_bytes(b"first")
    (tmp_path / "b_2_all.deb").write_bytes(b"second")
    debian.write_flat_index(tmp_path, {"a_1_all.deb": "Package: a\nVersion: 1\n",
                                       "b_2_all.deb": "Package: b\nVersion: 2"})
    packages = debian.stanzas((tmp_path / "Packages").read_text())
    assert [(s["Package"], s["Filename"], s["Size"]) for s in packages] == [
        ("a", "./a_1_all.deb", "5"), ("b", "./b_2_all.deb", "6")]
    assert packages[1]["SHA256"] == hashlib.sha256(b"second").hexdigest()
    assert gzip.decompress((tmp_path / "Packages.gz").read_bytes()) == (tmp_path / "Packages").read_bytes()
    release = debian.release_hashes((tmp_path / "Release").read_text())
    assert release["Packages"][0] == hashlib.sha256((tmp_path / "Packages").read_bytes()).hexdigest()
