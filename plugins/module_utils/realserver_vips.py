# -*- coding: utf-8 -*-
# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Hold the LVS real-server VIPs on lo (DR) and tunl0 (TUN) (stdlib only, no Ansible import).

The module lvs.cluster.realserver imports it. The lvs.cluster.lvs_realserver role
also installs this file, inside the command-line wrapper of its template
lvs-realserver.j2, as /usr/local/sbin/lvs-realserver, which lvs-realserver.service
runs at boot (start) and shutdown (stop) without Ansible. Commands run through a
run_command(argv) -> (rc, stdout, stderr) given by the caller: AnsibleModule's in
the module, subprocess in the wrapper.

Ownership: the addresses this tool added are recorded in STATE_DIR/owned, and
IPv4 ones also carry the label <dev>:lvs. Only owned addresses are ever removed;
an address that was already present (configured by someone else) is left alone.

"""

from __future__ import annotations

import ipaddress
import json
import os

LABEL_SUFFIX = 'lvs'
DEVICES = ('lo', 'tunl0')
DEFAULT_CONFIG = '/etc/lvs-realserver/vips'
DEFAULT_STATE_DIR = '/run/lvs-realserver'


class IpError(Exception):
    """An ip command failed; the message is its error output."""


def ip_runner(run_command):
    """run_ip(*args): the stdout of `ip ARGS` through run_command; IpError when it fails."""
    def run_ip(*args):
        rc, out, err = run_command(['ip', *args])
        if rc != 0:
            raise IpError(err.strip() or f"ip {' '.join(args)} exited {rc}")
        return out
    return run_ip


def live_addresses(run_ip):
    """{device: {'up': bool, 'addresses': {'addr/plen': label or None}}} for every device."""
    links = {}
    for link in json.loads(run_ip('-j', 'address', 'show') or '[]'):
        addresses = {}
        for info in link.get('addr_info', []):
            if info.get('family') not in ('inet', 'inet6'):
                continue
            key = f"{ipaddress.ip_address(info['local'])}/{info['prefixlen']}"
            addresses[key] = info.get('label')
        links[link['ifname']] = {'up': 'UP' in link.get('flags', []), 'addresses': addresses}
    return links


def plain_address(value):
    """The ipaddress object of a plain address; ValueError for anything else, a zone index ('%eth0') too, since any
    text may follow its '%' (the rule of module_utils/fields.py, which this file cannot import: it runs alone)."""
    if '%' in value:
        raise ValueError(f'{value!r} has a zone index')
    return ipaddress.ip_address(value)


def label(device):
    return f'{device}:{LABEL_SUFFIX}'


def normalise(entries, own, links):
    """Validate the wanted entries [{dev, address, source}]; return (wanted 'dev addr/plen' list, errors).

    own: (source, address) pairs that must not be VIPs; the addresses of every device
    other than lo and tunl0 are added to them.
    """
    errors, wanted, devices_of = [], [], {}
    own_addresses = {}
    for device, link in links.items():
        if device not in DEVICES:
            for key in link['addresses']:
                own_addresses[ipaddress.ip_address(key.split('/')[0])] = f'on {device}'
    for source, value in own:
        try:
            own_addresses[plain_address(value)] = source
        except ValueError:
            errors.append(f'{source}: {value!r} is not an IP address')
    for entry in entries:
        source, device, value = entry.get('source', '?'), entry.get('dev'), str(entry.get('address', ''))
        if device not in DEVICES:
            errors.append(f'{source}: device {device!r} is not one of {", ".join(DEVICES)}')
            continue
        try:
            address = plain_address(value)
        except ValueError:
            errors.append(f'{source}: {value!r} is not an IP address (give a plain address, no prefix length, no '
                          f'zone index)')
            continue
        if address.is_unspecified or address.is_loopback or address.is_multicast or address.is_link_local:
            errors.append(f'{source}: {address} is not usable as a VIP (unspecified, loopback, multicast or link-local)')
            continue
        if device == 'tunl0' and address.version == 6:
            errors.append(f'{source}: {address} is IPv6; tunl0 (IPIP) carries IPv4 only, '
                          f'IPv6 LVS-TUN is not supported by this role')
            continue
        if address in own_addresses:
            errors.append(f'{source}: VIP {address} is this host\'s own address ({own_addresses[address]}); '
                          f'a real server must not hold its own address as a VIP')
            continue
        other = devices_of.setdefault(address, device)
        if other != device:
            errors.append(f'{source}: VIP {address} is wanted on both {other} and {device} '
                          f'(a VIP is either DR or TUN on one real server)')
            continue
        key = f'{device} {address}/{address.max_prefixlen}'
        if key not in wanted:
            wanted.append(key)
    return wanted, errors


def read_lines(path):
    try:
        with open(path, encoding='utf-8') as handle:
            return [line.split('#', 1)[0].strip() for line in handle if line.split('#', 1)[0].strip()]
    except FileNotFoundError:
        return []


def read_config(path):
    entries = []
    for number, line in enumerate(read_lines(path), 1):
        fields = line.split()
        address = fields[1].split('/', 1)[0] if len(fields) == 2 else line
        entries.append({'dev': fields[0], 'address': address, 'source': f'{path}:{number}'})
    return entries


def write_owned(state_dir, owned):
    os.makedirs(state_dir, mode=0o755, exist_ok=True)
    path = os.path.join(state_dir, 'owned')
    with open(path + '.new', 'w', encoding='utf-8') as handle:
        handle.writelines(f'{key}\n' for key in sorted(owned))
    os.replace(path + '.new', path)


def owned_addresses(state_dir, links):
    """What this tool added: the record, plus IPv4 addresses carrying our label (if the record was lost)."""
    owned = set(read_lines(os.path.join(state_dir, 'owned')))
    for device in DEVICES:
        for key, address_label in links.get(device, {}).get('addresses', {}).items():
            if address_label == label(device):
                owned.add(f'{device} {key}')
    return owned


def plan(wanted, state_dir, links, dry_run):
    """Return (actions, new owned set); actions are (verb, device, 'addr/plen').

    A missing device is an error, except in a dry run: tunl0 appears only when the
    role loads ipip, after its preflight dry run.
    """
    for device in {key.split()[0] for key in wanted} - set(links):
        if not dry_run:
            raise LookupError(f'device {device} does not exist (TUN needs the ipip module loaded)')
        links[device] = {'up': False, 'addresses': {}}
    owned = owned_addresses(state_dir, links)
    present = {f'{device} {key}' for device, link in links.items() for key in link['addresses']}
    actions = []
    for key in sorted(owned - set(wanted)):
        if key in present:
            actions.append(('del',) + tuple(key.split()))
    new_owned = {key for key in owned if key in wanted and key in present}
    for key in wanted:
        device, prefix = key.split()
        if key not in present:
            actions.append(('add', device, prefix))
            new_owned.add(key)
    for device in sorted({key.split()[0] for key in wanted}):
        if device != 'lo' and not links[device]['up']:
            actions.append(('up', device, ''))
    return actions, new_owned


def apply(actions, run_ip):
    for verb, device, prefix in actions:
        if verb == 'del':
            run_ip('address', 'del', prefix, 'dev', device)
        elif verb == 'add' and ':' in prefix:
            run_ip('-6', 'address', 'add', prefix, 'dev', device)
        elif verb == 'add':
            run_ip('address', 'add', prefix, 'dev', device, 'label', label(device))
        else:
            run_ip('link', 'set', device, 'up')
