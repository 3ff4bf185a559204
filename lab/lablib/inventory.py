"""The Ansible inventory of a lab: what `lvslab up` writes for molecule, the demo and users."""

from __future__ import annotations

from .topology import Paths, Topology


def ssh_options(topo: Topology) -> list[str]:
    return ["-o", f"ProxyCommand=ip netns exec {topo.netns} nc %h %p",
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "GlobalKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
            "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=10",
            # A killed guest never answers: without these an SSH (or Ansible's
            # ControlPersist master) to it hangs for ever.
            "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3"]


def render(topo: Topology, paths: Paths) -> str:
    common = " ".join(
        f'-o {key}="{value}"' if " " in value else f"-o {key}={value}"
        for key, value in (opt.split("=", 1) for opt in ssh_options(topo)[1::2]))
    lines = [
        "# Written by lab/lvslab up; regenerated on every up.",
        "all:",
        "  vars:",
        "    ansible_user: root",
        f"    ansible_ssh_private_key_file: {paths.key}",
        f"    ansible_ssh_common_args: '{common}'",
        "    ansible_python_interpreter: /usr/bin/python3",
        "    ansible_pipelining: true",
        f"    lvslab_netns: {topo.netns}",
        f"    lvslab_client_ipv4: {topo.ipv4.ip}",
        f"    lvslab_client_ipv6: '{topo.ipv6.ip}'",
        "  hosts:",
    ]
    for g in topo.guests.values():
        lines += [f"    {g.name}:", f"      ansible_host: {g.address}",
                  f"      lvslab_ipv4: {g.address}", f"      lvslab_mac: '{g.mac}'",
                  f"      lvslab_suite: {g.suite}"]
        if g.ipv6:
            lines.append(f"      lvslab_ipv6: '{g.ipv6.ip}'")
    groups: dict[str, list[str]] = {}
    for g in topo.guests.values():
        for group in g.groups:
            groups.setdefault(group, []).append(g.name)
    if groups:
        lines.append("  children:")
        for group, members in groups.items():
            lines += [f"    {group}:", "      hosts:"] + [f"        {m}: {{}}" for m in members]
    return "\n".join(lines) + "\n"
