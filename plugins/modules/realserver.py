#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: realserver
short_description: Make a host an LVS real server (VIPs on lo and tunl0, ARP sysctls) in one idempotent step
version_added: 1.1.0
description:
  - Holds the VIPs of an LVS real server, DR VIPs on C(lo) and TUN VIPs on C(tunl0), as /32 (IPv4, label C(lo:lvs) or
    C(tunl0:lvs)) or /128 (IPv6), and never touches other addresses. The VIPs it added are recorded in
    O(state_dir)C(/owned), so VIPs dropped from O(vips) are removed, IPv6 ones included.
  - Sets C(arp_ignore=1) and C(arp_announce=2) on C(all), C(lo) and O(arp_interfaces), live and in O(sysctl_file).
    With a TUN VIP it also loads C(ipip) (now and at boot through O(modules_file)), brings C(tunl0) up and sets
    C(rp_filter) of C(all) and C(tunl0) to O(tun_rp_filter).
  - The value a sysctl had before the module first changed it is saved once in O(saved_sysctl_file); a sysctl managed
    earlier and no longer (an interface dropped from O(arp_interfaces)) gets that value back.
  - Writes the VIP list that C(lvs-realserver start) (the boot helper the P(lvs.cluster.lvs_realserver#role) role
    installs) reads at boot to O(vips_file).
  - Every input is checked before anything changes; all errors are reported at once, each naming the C(source) of the
    value. Nothing can leave the line or the path it is written to (plugins/module_utils/fields.py); an address is a
    plain IP address (no zone index), an interface name a Linux one, and no file, header or source holds a control
    character. After a change the module reads the VIPs and the sysctls back and fails if they do not hold.
  - O(state=absent) removes the VIPs the module added, restores the saved sysctl values and removes the files and
    directories it wrote.
options:
  state:
    description:
      - V(present) holds the VIPs and sysctls; V(absent) undoes everything the module did.
    type: str
    choices: [present, absent]
    default: present
  vips:
    description:
      - The VIPs to hold. Ignored with O(state=absent).
    type: list
    elements: dict
    default: []
    suboptions:
      dev:
        description:
          - V(lo) (DR) or V(tunl0) (TUN, IPv4 only).
        type: str
        required: true
      address:
        description:
          - A plain IPv4 or IPv6 address, no prefix length.
        type: str
        required: true
      source:
        description:
          - Where the VIP comes from, for error messages, for example V(lvs_director_virtual_services[0] (web\).vip).
        type: str
        default: vips
  own_addresses:
    description:
      - Addresses of this host that must never be VIPs, besides those of every device other than C(lo) and C(tunl0).
    type: list
    elements: dict
    default: []
    suboptions:
      address:
        description:
          - The address.
        type: str
        required: true
      source:
        description:
          - Where the address comes from, for error messages.
        type: str
        default: own_addresses
  arp_interfaces:
    description:
      - Service-facing interfaces that also get C(arp_ignore=1) and C(arp_announce=2). Each must exist.
    type: list
    elements: str
    default: []
  arp_interfaces_source:
    description:
      - The name of O(arp_interfaces) in error messages.
    type: str
    default: arp_interfaces
  tun_rp_filter:
    description:
      - C(rp_filter) of C(all) and C(tunl0) when a VIP is on C(tunl0), V(2) (loose) or V(0) (off). Strict mode drops
        the decapsulated packets, whose source is the client.
    type: int
    choices: [0, 2]
    default: 2
  header:
    description:
      - The first comment line(s) of every file the module writes.
    type: str
    default: Managed by Ansible (lvs.cluster.realserver)
  sysctl_file:
    description:
      - The sysctl.d file that sets the values at boot.
    type: path
    default: /etc/sysctl.d/90-lvs-realserver.conf
  saved_sysctl_file:
    description:
      - The values the sysctls had before the module first changed them. Its directory belongs to the module and is
        removed with O(state=absent) when nothing else is left in it.
    type: path
    default: /var/lib/lvs-realserver/saved-sysctl.conf
  vips_file:
    description:
      - The VIP list read at boot, lines C(DEVICE ADDRESS/PREFIX). Its directory belongs to the module and is removed
        with O(state=absent) when nothing else is left in it.
    type: path
    default: /etc/lvs-realserver/vips
  state_dir:
    description:
      - Where the record of the VIPs the module added lives; the boot helper uses the same default.
    type: path
    default: /run/lvs-realserver
  modules_file:
    description:
      - The modules-load.d file that loads C(ipip) at boot; present only while a VIP is on C(tunl0).
    type: path
    default: /etc/modules-load.d/lvs-realserver.conf
attributes:
  check_mode:
    support: full
    description: Plans and reports every change and makes none; C(tunl0) may be missing then (C(ipip) not loaded yet).
  diff_mode:
    support: full
    description: The addresses on C(lo) and C(tunl0), the live sysctls and each file, before and after.
  platform:
    support: full
    platforms: linux
    description: Linux hosts with iproute2 and the C(net.ipv4.conf) sysctls.
notes:
  - Needs root.
  - The module does not unload C(ipip) when the last TUN VIP goes; C(tunl0) stays, without the VIPs.
requirements:
  - python3 and iproute2 (C(ip)) on the host
seealso:
  - name: The lvs.cluster.lvs_realserver role
    description: Installs the boot helper and unit around this module.
    link: https://github.com/lvs-cluster/lvs.cluster/blob/main/docs/reference/lvs_realserver.md
author:
  - lvs.cluster founders (@lvs-cluster)
"""

EXAMPLES = r"""
---
- name: Hold a DR VIP and a TUN VIP
  lvs.cluster.realserver:
    vips:
      - {dev: lo, address: 192.0.2.100, source: "lvs_realserver_vips[0]"}
      - {dev: tunl0, address: 192.0.2.101, source: "lvs_realserver_tun_vips[0]"}
    own_addresses:
      - {address: 192.0.2.21, source: lvs_realserver_address}
    arp_interfaces: [eth0]
  become: true

- name: Undo everything the module did
  lvs.cluster.realserver:
    state: absent
  become: true
"""

RETURN = r"""
---
vips:
  description: The VIPs held, normalised, C(DEVICE ADDRESS/PREFIX).
  returned: always
  type: list
  elements: str
  sample: [lo 192.0.2.100/32, lo 2001:db8::100/128]
sysctls:
  description: The sysctls the module manages and their values (empty with O(state=absent)).
  returned: always
  type: dict
  sample: {net.ipv4.conf.all.arp_ignore: "1", net.ipv4.conf.all.arp_announce: "2"}
actions:
  description: What the module did, or would do in check mode, in order.
  returned: always
  type: list
  elements: str
  sample: [write /var/lib/lvs-realserver/saved-sysctl.conf, set net.ipv4.conf.all.arp_ignore = 1 (was 0),
           add lo 192.0.2.100/32]
errors:
  description: Every invalid input or state that does not hold.
  returned: failure
  type: list
  elements: str
  sample: ["lvs_realserver_tun_vips[0]: 2001:db8::1 is IPv6; tunl0 (IPIP) carries IPv4 only, IPv6 LVS-TUN is not
            supported by this role"]
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.lvs.cluster.plugins.module_utils import fields
from ansible_collections.lvs.cluster.plugins.module_utils.realserver_vips import IpError
from ansible_collections.lvs.cluster.plugins.module_utils.realserver_state import Paths, RealServer, RealServerError


PATHS = ("sysctl_file", "saved_sysctl_file", "vips_file", "state_dir", "modules_file")


def input_errors(params):
    """The inputs the VIP and interface checks do not cover: the files, the header and the sources of messages."""
    checks = [(name, fields.file_path(params[name])) for name in PATHS]
    checks.append(("header", fields.comment(params["header"])))
    checks.append(("arp_interfaces_source", fields.label(params["arp_interfaces_source"])))
    checks += [(f"{option}[{number}].source", fields.label(item["source"]))
               for option in ("vips", "own_addresses") for number, item in enumerate(params[option])]
    return fields.problems(checks)


def main():
    module = AnsibleModule(
        argument_spec={
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "vips": {"type": "list", "elements": "dict", "default": [], "options": {
                "dev": {"type": "str", "required": True},
                "address": {"type": "str", "required": True},
                "source": {"type": "str", "default": "vips"},
            }},
            "own_addresses": {"type": "list", "elements": "dict", "default": [], "options": {
                "address": {"type": "str", "required": True},
                "source": {"type": "str", "default": "own_addresses"},
            }},
            "arp_interfaces": {"type": "list", "elements": "str", "default": []},
            "arp_interfaces_source": {"type": "str", "default": "arp_interfaces"},
            "tun_rp_filter": {"type": "int", "choices": [0, 2], "default": 2},
            "header": {"type": "str", "default": "Managed by Ansible (lvs.cluster.realserver)"},
            "sysctl_file": {"type": "path", "default": "/etc/sysctl.d/90-lvs-realserver.conf"},
            "saved_sysctl_file": {"type": "path", "default": "/var/lib/lvs-realserver/saved-sysctl.conf"},
            "vips_file": {"type": "path", "default": "/etc/lvs-realserver/vips"},
            "state_dir": {"type": "path", "default": "/run/lvs-realserver"},
            "modules_file": {"type": "path", "default": "/etc/modules-load.d/lvs-realserver.conf"},
        },
        supports_check_mode=True,
    )
    params = module.params
    errors = input_errors(params)
    if errors:
        module.fail_json(msg="; ".join(errors), errors=errors, actions=[])
    paths = Paths(*(params[name] for name in PATHS))
    result = {"changed": False, "vips": [], "sysctls": {}, "actions": []}
    host = None
    try:
        host = RealServer(paths, params["header"], module.check_mode, module.run_command)
        if params["state"] == "present":
            result["vips"], result["sysctls"] = host.present(
                params["vips"], params["own_addresses"], params["arp_interfaces"], params["arp_interfaces_source"],
                params["tun_rp_filter"])
        else:
            host.absent()
    except RealServerError as exc:
        module.fail_json(msg="; ".join(exc.errors), errors=exc.errors, actions=exc.actions)
    except (LookupError, OSError, ValueError, IpError) as exc:
        detail = str(exc)
        module.fail_json(msg=f"changing the host failed: {detail}", errors=[detail],
                         actions=host.actions if host else [])
    result["actions"] = host.actions
    result["changed"] = bool(host.actions)
    if module._diff:
        result["diff"] = host.diff()
    module.exit_json(**result)


if __name__ == "__main__":
    main()
