# -*- coding: utf-8 -*-
# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The state of an LVS real server, made to hold or removed in one pass (the logic of lvs.cluster.realserver).

present: ipip for TUN, the ARP (and TUN rp_filter) sysctls live and in sysctl.d, the
VIPs on lo/tunl0, the VIP list read at boot; the value each sysctl had before it was
first changed is saved once. absent: the VIPs this code added go, the saved sysctl
values come back and every file written here is removed.
"""

from __future__ import annotations

import os

from ansible_collections.lvs.cluster.plugins.module_utils import fields, host_state, realserver_vips

ARP_VALUES = (('arp_ignore', 1), ('arp_announce', 2))
# all and lo always get the ARP sysctls; default would change interfaces created later.
RESERVED_INTERFACES = ('all', 'default', 'lo')

SYSCTL_NOTE = ('LVS real server: do not answer ARP for the VIPs held on lo, and announce only\n'
               'addresses of the outgoing interface.')
SAVED_NOTE = 'The values found before the first change; state=absent restores them.'
VIPS_NOTE = 'VIPs held by lvs-realserver.service: DEVICE ADDRESS/PREFIX'
MODULES_NOTE = 'tunl0 for the LVS-TUN VIPs.'


class RealServerError(Exception):
    """Invalid input or a state that does not hold; errors lists every message, nothing was changed for input errors."""

    def __init__(self, errors, actions=()):
        super().__init__('; '.join(errors))
        self.errors = list(errors)
        self.actions = list(actions)


def conf_key(interface, name):
    """The sysctl key of net.ipv4.conf.INTERFACE.NAME (dots of the interface name are slashes)."""
    return f"net.ipv4.conf.{interface.replace('.', '/')}.{name}"


def managed_sysctls(arp_interfaces, tun, rp_filter):
    """{key: value} in file order: the ARP pair for all, lo and arp_interfaces, rp_filter of all and tunl0 for TUN."""
    values = {}
    for interface in ('all', 'lo', *arp_interfaces):
        for name, value in ARP_VALUES:
            values[conf_key(interface, name)] = str(value)
    if tun:
        for interface in ('all', 'tunl0'):
            values[conf_key(interface, 'rp_filter')] = str(rp_filter)
    return values


def parse_sysctl_conf(text):
    """{key: value} of the 'key = value' lines of a sysctl.d text."""
    values = {}
    for line in text.splitlines():
        if ' = ' in line and not line.startswith('#'):
            key, value = line.split(' = ', 1)
            values[key.strip()] = value.strip()
    return values


def read_text(path):
    try:
        with open(path, encoding='utf-8') as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def interface_errors(interfaces, source, links):
    bad = [name for name in interfaces if not name or fields.interface(name) or name in RESERVED_INTERFACES]
    missing = [name for name in interfaces if name not in bad and name not in links]
    errors = []
    if bad:
        errors.append(f"{source}: {', '.join(bad)}: not an interface name (1-15 of A-Z a-z 0-9 _ . @ -) "
                      f"or one the role always sets (all, lo)")
    if missing:
        errors.append(f"{source}: no such interface on this host: {', '.join(missing)}")
    return errors


class Paths:
    """Where the state lives on the host; vips_file's and saved_file's directories belong to this code."""

    def __init__(self, sysctl_file, saved_file, vips_file, state_dir, modules_file):
        self.sysctl_file = sysctl_file
        self.saved_file = saved_file
        self.vips_file = vips_file
        self.state_dir = state_dir
        self.modules_file = modules_file

    def files(self):
        return (self.sysctl_file, self.saved_file, self.vips_file, self.modules_file)


class RealServer:
    """One run: collects the actions (changed = any) and the before/after state for the diff."""

    def __init__(self, paths, header, check_mode, run_command):
        """run_command: AnsibleModule.run_command or the same interface, (argv) -> (rc, stdout, stderr)."""
        self.paths = paths
        self.run_command = run_command
        self.run_ip = realserver_vips.ip_runner(run_command)
        self.header = header
        self.check_mode = check_mode
        self.actions = []
        self.links = realserver_vips.live_addresses(self.run_ip)
        self.files_before = {path: read_text(path) for path in paths.files()}
        self.files_after = dict(self.files_before)
        self.sysctls_before = {}
        self.sysctls_after = {}
        self.addresses_before = self._device_addresses()
        self.addresses_after = self.addresses_before

    def _text(self, note, lines):
        return host_state.sysctl_conf({}, f'{self.header}\n{note}') + ''.join(f'{line}\n' for line in lines)

    def _device_addresses(self):
        return sorted(f'{device} {key}' for device in realserver_vips.DEVICES
                      for key in self.links.get(device, {}).get('addresses', {}))

    def write(self, path, content):
        if host_state.update_file(path, content, check_mode=self.check_mode)['changed']:
            self.actions.append(f'write {path}')
        self.files_after[path] = content

    def remove(self, path):
        if host_state.remove_path(path, check_mode=self.check_mode):
            self.actions.append(f'remove {path}')
        if path in self.files_after:
            self.files_after[path] = None

    def remove_own_directory(self, path):
        """Remove a directory of this code once the files removed here were all it held."""
        removed = {file for file, text in self.files_after.items() if text is None}
        if os.path.isdir(path) and all(os.path.join(path, name) in removed for name in os.listdir(path)):
            self.remove(path)

    def set_sysctls(self, target, live):
        """Set the sysctls of target whose live value differs; a missing one (tunl0 before ipip, in check mode)
        is reported, not written."""
        self.sysctls_before.update(live)
        differing = {key: value for key, value in target.items() if live[key] != str(value)}
        self.actions.extend(f"set {key} = {value} (was {'missing' if live[key] is None else live[key]})"
                            for key, value in differing.items())
        if not self.check_mode:
            host_state.write_sysctls({key: value for key, value in differing.items() if live[key] is not None})
        self.sysctls_after.update(target)

    def sync_vips(self, wanted, keep_record):
        vip_actions, owned = realserver_vips.plan(wanted, self.paths.state_dir, self.links, self.check_mode)
        self.actions.extend(' '.join(action).strip() for action in vip_actions)
        if not self.check_mode:
            realserver_vips.apply(vip_actions, self.run_ip)
            # absent removes the whole state dir; present rewrites the record only when it changes.
            record = os.path.join(self.paths.state_dir, 'owned')
            if keep_record and (not os.path.exists(record) or set(realserver_vips.read_lines(record)) != owned):
                realserver_vips.write_owned(self.paths.state_dir, owned)
        after = set(self._device_addresses())
        for verb, device, prefix in vip_actions:
            if verb == 'add':
                after.add(f'{device} {prefix}')
            elif verb == 'del':
                after.discard(f'{device} {prefix}')
        self.addresses_after = sorted(after)

    def diff(self):
        """Ansible diffs: the addresses on lo and tunl0, the live sysctls, then each file (empty when absent)."""
        def lines(items):
            return ''.join(f'{item}\n' for item in items)

        def sysctls(values):
            return lines(f"{key} = {'missing' if value is None else value}" for key, value in sorted(values.items()))

        diffs = [('addresses on lo and tunl0', lines(self.addresses_before), lines(self.addresses_after)),
                 ('live sysctls', sysctls(self.sysctls_before), sysctls(self.sysctls_after))]
        diffs += [(path, self.files_before[path] or '', self.files_after[path] or '') for path in self.paths.files()]
        return [{'before_header': header, 'after_header': header, 'before': before, 'after': after}
                for header, before, after in diffs]

    def present(self, vips, own_addresses, arp_interfaces, arp_interfaces_source, tun_rp_filter):
        wanted, errors = realserver_vips.normalise(
            vips, [(item['source'], item['address']) for item in own_addresses], self.links)
        errors += interface_errors(arp_interfaces, arp_interfaces_source, self.links)
        if errors:
            raise RealServerError(errors)
        tun = any(key.startswith('tunl0 ') for key in wanted)
        self._ipip(tun)
        managed = managed_sysctls(arp_interfaces, tun, tun_rp_filter)
        self._sysctls(managed)
        self.write(self.paths.sysctl_file, host_state.sysctl_conf(managed, f'{self.header}\n{SYSCTL_NOTE}'))
        self.sync_vips(wanted, keep_record=True)
        self.write(self.paths.vips_file, self._text(VIPS_NOTE, wanted))
        if not self.check_mode:
            self._verify(wanted, managed)
        return wanted, managed

    def _sysctls(self, managed):
        """Save the value each newly managed sysctl has (never overwriting a saved one), then set the live values;
        sysctls managed earlier and no longer (a dropped interface) get their saved value back."""
        saved = parse_sysctl_conf(self.files_before[self.paths.saved_file] or '')
        target = {**{key: value for key, value in saved.items() if key not in managed}, **managed}
        live = host_state.read_sysctls(target)
        missing = [key for key in managed if live[key] is None]
        if missing and not self.check_mode:
            raise RealServerError([f"sysctls not found on this host: {', '.join(missing)}"], self.actions)
        originals = {key: live[key] for key in managed if live[key] is not None and key not in saved}
        if originals or self.files_before[self.paths.saved_file] is not None:
            self.write(self.paths.saved_file, host_state.sysctl_conf(
                dict(sorted({**saved, **originals}.items())), f'{self.header}\n{SAVED_NOTE}'))
        self.set_sysctls({key: value for key, value in target.items() if key in managed or live[key] is not None}, live)

    def _ipip(self, tun):
        if not tun:
            self.remove(self.paths.modules_file)
            return
        self.write(self.paths.modules_file, self._text(MODULES_NOTE, ['ipip']))
        if 'tunl0' not in self.links:
            self.actions.append('modprobe ipip')
            if not self.check_mode:
                rc, _out, err = self.run_command(['modprobe', 'ipip'])
                if rc != 0:
                    raise RealServerError([f'modprobe ipip failed: {err.strip()}'], self.actions)
                self.links = realserver_vips.live_addresses(self.run_ip)

    def _verify(self, wanted, managed):
        """Read the live state back: the VIPs and the sysctls must hold (something else may undo them)."""
        links = realserver_vips.live_addresses(self.run_ip)
        present = {f'{device} {key}' for device, link in links.items() for key in link['addresses']}
        live = host_state.read_sysctls(managed)
        errors = []
        missing_vips = [key for key in wanted if key not in present]
        if missing_vips:
            errors.append(f"VIPs missing on this host (device address/prefix): {', '.join(missing_vips)}")
        wrong = [f'{key} = {value}' for key, value in managed.items() if live[key] != value]
        if wrong:
            errors.append(f"sysctls without their value (key = wanted): {', '.join(wrong)}")
        if errors:
            raise RealServerError(errors, self.actions)

    def absent(self):
        self.sync_vips([], keep_record=False)
        saved = parse_sysctl_conf(self.files_before[self.paths.saved_file] or '')
        live = host_state.read_sysctls(saved)
        self.set_sysctls({key: value for key, value in saved.items() if live[key] is not None}, live)
        for path in self.paths.files():
            self.remove(path)
        self.remove(self.paths.state_dir)
        for path in (self.paths.vips_file, self.paths.saved_file):
            self.remove_own_directory(os.path.dirname(path))
