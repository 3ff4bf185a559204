"""The kernel pin (lab/kernel.toml), reading an archive index into a pin, and boot diagnosis."""

import dataclasses
from pathlib import Path

import pytest

from lablib import debian, kernel
from lablib.util import LabError

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name):
    return (FIXTURES / name).read_text()


def test_the_committed_pin_is_what_update_writes():
    pin = kernel.Pin.load()
    assert kernel.PIN_FILE.read_text() == pin.render()
    assert pin.kernel.package == "user-mode-linux" and pin.libc.package == "libc6"


def test_pin_key_changes_with_any_field():
    pin = kernel.Pin.load()
    moved = dataclasses.replace(pin, kernel=dataclasses.replace(pin.kernel, sha256="0" * 64))
    assert moved.key != pin.key
    assert dataclasses.replace(pin, suite="unstable").key != pin.key


def test_a_broken_pin_names_the_file(tmp_path):
    path = tmp_path / "kernel.toml"
    path.write_text("[archive]\nurl = 'http://deb.debian.org/debian'\n")
    with pytest.raises(LabError, match=f"{path}: not a kernel pin"):
        kernel.Pin.load(path)


def test_pin_from_the_real_testing_index():
    packages = debian.stanzas(fixture("packages-testing-excerpt"))
    pin = kernel.pin_from_index(packages, "http://deb.debian.org/debian", "testing")
    assert (pin.kernel.version, pin.libc.version) == ("7.2um1", "2.43-7")
    assert pin.kernel.filename == "pool/main/u/user-mode-linux/user-mode-linux_7.2um1_amd64.deb"
    assert pin.kernel.size == 36430088
    assert pin == kernel.Pin.load()
    assert pin.url(pin.libc) == "http://deb.debian.org/debian/pool/main/g/glibc/libc6_2.43-7_amd64.deb"


def test_a_kernel_that_needs_more_than_libc_is_refused():
    packages = debian.stanzas(fixture("packages-testing-excerpt"))
    uml = next(s for s in packages if s["Package"] == "user-mode-linux")
    uml["Depends"] = "libc6 (>= 2.38), libpcap0.8t64"
    with pytest.raises(LabError, match=r"needs \['libpcap0.8t64'\] besides libc6"):
        kernel.pin_from_index(packages, "http://deb.debian.org/debian", "testing")


def test_an_index_without_the_kernel_is_refused():
    packages = [s for s in debian.stanzas(fixture("packages-testing-excerpt")) if s["Package"] != "user-mode-linux"]
    with pytest.raises(LabError, match="expected one user-mode-linux"):
        kernel.pin_from_index(packages, "http://deb.debian.org/debian", "testing")


def test_the_gone_message_says_what_moves_the_pin():
    pin = kernel.Pin.load()
    message = kernel.gone_message(pin, pin.kernel)
    assert "user-mode-linux 7.2um1" in message and "is gone from http://deb.debian.org/debian" in message
    assert "lab/lvslab kernel --update" in message and "\n" not in message


@pytest.mark.parametrize("console", ["console-uml-6.1um4+b13.log", "console-uml-6.12um1+b22.log"])
def test_the_amx_panic_is_diagnosed(console):
    cause = kernel.diagnose(fixture(console))
    assert cause and "AMX" in cause and "lab/lvslab kernel --update" in cause


def test_a_kernel_that_boots_gets_no_diagnosis():
    assert kernel.diagnose(fixture("console-uml-7.2um1.log")) is None


def test_the_tail_keeps_the_panic_and_drops_the_stack():
    text = fixture("console-uml-6.1um4+b13.log") + "\n".join([
        "<4>Stack:", "<4> 60a53d70 60983b0b 607b940e 60bfb2e0", "<4>Call Trace:",
        "<4> [<6003209e>] ? _printk+0x0/0x45", "<4> [<6003e01d>] dump_stack_lvl+0x5f/0x7a"])
    lines = kernel.tail(text, 6)
    assert "userspace - ptrace set fp regs failed, errno = 14" in lines
    assert not any("_printk" in line or "60a53d70" in line for line in lines)


def test_download_refuses_a_wrong_hash(tmp_path):
    source = tmp_path / "a.deb"
    source.write_bytes(b"not the pinned file")
    with pytest.raises(LabError, match="SHA256 differs"):
        kernel.download(source.as_uri(), tmp_path / "b.deb", "0" * 64, len(source.read_bytes()))
    assert not (tmp_path / "b.deb").exists()


def test_download_reports_a_missing_file_as_gone(tmp_path, monkeypatch):
    import urllib.error
    import urllib.request

    def not_found(url, timeout):
        raise urllib.error.HTTPError(url, 404, "Not Found", {}, None)

    monkeypatch.setattr(urllib.request, "urlopen", not_found)
    with pytest.raises(LabError, match="^gone$"):
        kernel.download("http://deb.debian.org/debian/pool/x.deb", tmp_path / "x.deb", gone="gone")
