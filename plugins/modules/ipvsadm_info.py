#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ipvsadm_info
short_description: Read the kernel IPVS table with ipvsadm
version_added: 1.0.0
description:
  - Reads the Linux kernel IPVS (LVS) table through C(ipvsadm -Ln) and returns it as structured data.
  - With O(stats) and O(rate) it also runs C(ipvsadm -Ln --stats --exact) and C(ipvsadm -Ln --rate --exact) and merges
    the counters into the services and real servers by service identity and real server address and port.
  - Read-only, so it does the same in check mode.
  - An empty IPVS table is not an error.
options:
  stats:
    description:
      - Add the counters of C(ipvsadm -Ln --stats --exact) as RV(ipvs.services[].stats) and RV(ipvs.services[].real_servers[].stats).
    type: bool
    default: false
  rate:
    description:
      - Add the rates of C(ipvsadm -Ln --rate --exact) as RV(ipvs.services[].rate) and RV(ipvs.services[].real_servers[].rate).
    type: bool
    default: false
  timeouts:
    description:
      - Add the connection timeouts of C(ipvsadm -Ln --timeout) as RV(ipvs.timeouts).
    type: bool
    default: false
  sync_daemons:
    description:
      - Add the running connection synchronisation daemons of C(ipvsadm -Ln --daemon) as RV(ipvs.sync_daemons).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Can run in check mode; it only reads.
  diff_mode:
    support: none
    description: Returns no diff; it changes nothing.
  platform:
    support: full
    platforms: linux
    description: Linux hosts with IPVS in the kernel.
notes:
  - "Reading the IPVS table needs root (C(CAP_NET_ADMIN)); use C(become: true)."
  - The C(ipvsadm) calls are separate, so a service added or removed between them can miss its stats or rate, which are
    V(null) then.
requirements:
  - ipvsadm
  - a kernel with IPVS (the C(ip_vs) module)
seealso:
  - name: ipvsadm(8)
    description: The ipvsadm manual page.
    link: https://manpages.debian.org/bookworm/ipvsadm/ipvsadm.8.en.html
author:
  - lvs.cluster founders (@lvs-cluster)
"""

EXAMPLES = r"""
---
- name: Read the IPVS table
  lvs.cluster.ipvsadm_info:
  become: true
  register: lvs_ipvs

- name: Read the table with counters, rates, timeouts and sync daemons
  lvs.cluster.ipvsadm_info:
    stats: true
    rate: true
    timeouts: true
    sync_daemons: true
  become: true
  register: lvs_ipvs_full

- name: Show the active connections of every real server
  ansible.builtin.debug:
    msg: "{{ item.0.address }}:{{ item.0.port }} -> {{ item.1.address }}:{{ item.1.port }}: {{ item.1.active_connections }}"
  loop: "{{ lvs_ipvs.ipvs.services | subelements('real_servers') }}"
"""

RETURN = r"""
---
ipvs:
  description: The IPVS table.
  returned: success
  type: dict
  contains:
    version:
      description: IPVS version of the kernel.
      type: str
      sample: 1.2.1
    conn_table_size:
      description: Size of the connection hash table (not a connection count).
      type: int
      sample: 4096
    services:
      description: Virtual services, in the order ipvsadm prints them.
      type: list
      elements: dict
      contains:
        protocol:
          description: V(tcp), V(udp), V(sctp), or V(fwm) for a firewall-mark service.
          type: str
          sample: tcp
        address:
          description: Virtual IP address, IPv6 without brackets; V(null) for V(fwm).
          type: str
          sample: 192.0.2.200
        port:
          description: Virtual port (V(0) means any port); V(null) for V(fwm).
          type: int
          sample: 80
        fwmark:
          description:
            - Firewall mark of a V(fwm) service, else V(null).
            - ipvsadm 1.31 prints marks of 2^31 and more as negative numbers; this is the real unsigned value.
          type: int
          sample: null
        family:
          description: Address family, V(ipv4) or V(ipv6).
          type: str
          sample: ipv4
        scheduler:
          description: Scheduler name.
          type: str
          sample: wlc
        scheduler_flags:
          description: Scheduler flags such as V(sh-port), V(sh-fallback), V(mh-port), V(flag-1); empty when none.
          type: list
          elements: str
          sample: []
        persistent:
          description: Whether the service is persistent.
          type: bool
          sample: false
        persistence_timeout:
          description: Persistence timeout in seconds, V(null) when not persistent.
          type: int
          sample: null
        persistence_mask:
          description:
            - Persistence netmask as ipvsadm prints it, a dotted quad for IPv4 or a prefix length for IPv6.
            - V(null) when not persistent or when it is the default (V(255.255.255.255) or V(128)).
          type: str
          sample: 255.255.255.0
        persistence_engine:
          description: Persistence engine such as V(sip), V(null) when none (ipvsadm shows it for persistent services only).
          type: str
          sample: null
        one_packet:
          description: One-packet scheduling (C(ops)).
          type: bool
          sample: false
        stats:
          description: Counters since the service was created; V(null) if the service appeared between the ipvsadm calls.
          returned: when O(stats=true)
          type: dict
          contains: &stats
            connections:
              description: Connections scheduled.
              type: int
            packets_in:
              description: Incoming packets.
              type: int
            packets_out:
              description: Outgoing packets.
              type: int
            bytes_in:
              description: Incoming bytes.
              type: int
            bytes_out:
              description: Outgoing bytes.
              type: int
          sample: {connections: 31, packets_in: 24764, packets_out: 2763, bytes_in: 1501287976, bytes_out: 144074}
        rate:
          description: Rates from the kernel estimator; V(null) if the service appeared between the ipvsadm calls.
          returned: when O(rate=true)
          type: dict
          contains: &rate
            cps:
              description: Connections per second.
              type: int
            packets_in_per_s:
              description: Incoming packets per second.
              type: int
            packets_out_per_s:
              description: Outgoing packets per second.
              type: int
            bytes_in_per_s:
              description: Incoming bytes per second.
              type: int
            bytes_out_per_s:
              description: Outgoing bytes per second.
              type: int
          sample: {cps: 3, packets_in_per_s: 2580, packets_out_per_s: 286, bytes_in_per_s: 156384162, bytes_out_per_s: 14938}
        real_servers:
          description: Real servers of the service, in the order ipvsadm prints them.
          type: list
          elements: dict
          contains:
            address:
              description: Real server address, IPv6 without brackets.
              type: str
              sample: 192.0.2.66
            port:
              description: Real server port (V(0) for most firewall-mark services).
              type: int
              sample: 8080
            forward:
              description:
                - Forwarding method, V(route) (direct routing), V(masq) (NAT), V(tunnel) or V(local).
                - V(null) for a method ipvsadm cannot name (it prints V((null\))).
              type: str
              sample: masq
            weight:
              description: Weight; V(0) means quiesced.
              type: int
              sample: 1
            active_connections:
              description: Active connections.
              type: int
              sample: 1
            inactive_connections:
              description: Inactive connections.
              type: int
              sample: 15
            stats:
              description: Counters as for the service; V(null) if the real server appeared between the ipvsadm calls.
              returned: when O(stats=true)
              type: dict
              contains: *stats
            rate:
              description: Rates as for the service; V(null) if the real server appeared between the ipvsadm calls.
              returned: when O(rate=true)
              type: dict
              contains: *rate
    timeouts:
      description: Connection timeouts in seconds.
      returned: when O(timeouts=true)
      type: dict
      contains:
        tcp:
          description: Established TCP connections.
          type: int
          sample: 900
        tcpfin:
          description: TCP connections after a FIN.
          type: int
          sample: 120
        udp:
          description: UDP.
          type: int
          sample: 300
    sync_daemons:
      description:
        - Running connection synchronisation daemons, empty when none runs.
        - Each has the fields ipvsadm prints; recent kernels add C(maxlen), C(group), C(port) and C(ttl).
      returned: when O(sync_daemons=true)
      type: list
      elements: dict
      sample:
        - {state: master, mcast_interface: lo, syncid: 0, maxlen: 1472, group: 224.0.0.81, port: 8848, ttl: 1}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.lvs.cluster.plugins.module_utils.ipvsadm import (
    DAEMON_ARGS,
    LIST_ARGS,
    RATE_ARGS,
    STATS_ARGS,
    TIMEOUT_ARGS,
    IpvsadmParseError,
    build_info,
    explain_failure,
)


def main():
    module = AnsibleModule(
        argument_spec={
            "stats": {"type": "bool", "default": False},
            "rate": {"type": "bool", "default": False},
            "timeouts": {"type": "bool", "default": False},
            "sync_daemons": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    )
    ipvsadm = module.get_bin_path("ipvsadm")
    if ipvsadm is None:
        module.fail_json(msg="ipvsadm is not installed (not found in PATH, /sbin, /usr/sbin or /usr/local/sbin); "
                             "install the ipvsadm package")

    def run(args):
        rc, out, err = module.run_command([ipvsadm] + list(args), environ_update={"LC_ALL": "C"})
        if rc != 0:
            module.fail_json(msg=explain_failure(args, rc, err), rc=rc, stdout=out, stderr=err)
        return out

    wanted = (("stats", STATS_ARGS), ("rate", RATE_ARGS), ("timeouts", TIMEOUT_ARGS), ("sync_daemons", DAEMON_ARGS))
    outputs = {"list_text": run(LIST_ARGS)}
    for option, args in wanted:
        if module.params[option]:
            outputs[option] = run(args)
    try:
        ipvs = build_info(
            outputs["list_text"], stats_text=outputs.get("stats"), rate_text=outputs.get("rate"),
            timeout_text=outputs.get("timeouts"), daemon_text=outputs.get("sync_daemons"),
        )
    except IpvsadmParseError as exc:
        module.fail_json(msg="cannot parse the ipvsadm output: %s" % exc)
    module.exit_json(changed=False, ipvs=ipvs)


if __name__ == "__main__":
    main()
