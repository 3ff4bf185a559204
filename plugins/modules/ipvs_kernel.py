#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ipvs_kernel
short_description: Load the IPVS kernel modules, set the IPVS sysctls and run the sync daemons, now and at boot
version_added: 1.1.0
description:
  - Prepares the kernel of an LVS director in one call, so that an unchanged director costs one task.
  - Checks first that every module in O(modules) exists in the running kernel (loaded, built in, or listed in
    C(modules.dep)); a missing one fails the task before anything changes.
  - Writes O(modules) to O(modules_file) (C(modules-load.d)) and loads the ones not loaded yet with one C(modprobe -a).
  - Writes O(sysctls) to O(sysctl_file) (C(sysctl.d)) and sets every live value that differs.
  - With O(sync_daemon), runs the IPVS connection synchronisation daemons of both states (master and backup) on
    one interface with one sync id, and writes O(sync_daemon_file), a systemd drop-in that starts them before
    keepalived at boot. Without it, daemons this module started (its drop-in exists) are stopped.
  - With O(state=absent) it removes the files and stops the sync daemons it manages (O(sync_daemon) is ignored);
    loaded modules and live values stay as they are.
  - Every input is checked before anything changes, so that nothing leaves the line or the path it is written to
    (plugins/module_utils/fields.py). A sysctl key is dotted words with no empty part whose path stays under
    C(/proc/sys); a module name, an interface name, the files and the header hold no control character.
options:
  state:
    description: Whether the kernel set-up should be present or its files removed.
    type: str
    choices: [present, absent]
    default: present
  modules:
    description: Kernel modules to load now and at boot, such as V(ip_vs) and V(ip_vs_wrr).
    type: list
    elements: str
    default: []
  sysctls:
    description:
      - Sysctl keys (dotted, as C(sysctl.d) writes them) and their wanted values.
      - Keys under C(net.ipv4.vs) exist only once V(ip_vs) is loaded; in check mode on a fresh host they are reported as changes.
    type: dict
    default: {}
  modules_file:
    description: The C(modules-load.d) file this module owns.
    type: path
    default: /etc/modules-load.d/lvs-director.conf
  sysctl_file:
    description: The C(sysctl.d) file this module owns.
    type: path
    default: /etc/sysctl.d/90-lvs-director.conf
  needed_by:
    description:
      - "What needs each module (module name to a text), so that the failure for a module the kernel lacks names
        it, such as C(lvs_director_virtual_services[0].lb_algo: twos) for V(ip_vs_twos)."
    type: dict
    default: {}
  sync_daemon:
    description:
      - The IPVS connection synchronisation daemons, both master and backup, so that no VRRP transition has to
        switch them. Omit to run none.
    type: dict
    suboptions:
      interface:
        description: The interface the daemons send and receive multicast on.
        type: str
        required: true
      syncid:
        description: The sync id (0-255) that tells this cluster's messages from others on the network.
        type: int
        required: true
  sync_daemon_file:
    description: The systemd drop-in this module owns; it starts the daemons before C(keepalived.service).
    type: path
    default: /etc/systemd/system/keepalived.service.d/lvs-sync-daemon.conf
  header:
    description: Comment written as the first line of every file.
    type: str
    default: Managed by Ansible (lvs.cluster); local changes are overwritten.
attributes:
  check_mode:
    support: full
    description: Reports what it would change and changes nothing.
  diff_mode:
    support: full
    description: Shows the files, the live sysctl values and the running sync daemons before and after.
  platform:
    support: full
    platforms: linux
    description: Linux hosts with systemd-modules-load and systemd-sysctl (or compatible readers of both directories).
notes:
  - Needs root.
requirements:
  - kmod (C(modprobe))
  - ipvsadm, for O(sync_daemon)
author:
  - lvs.cluster founders (@lvs-cluster)
"""

EXAMPLES = r"""
---
- name: Load IPVS with the wrr scheduler and drop connections to removed real servers
  lvs.cluster.ipvs_kernel:
    modules: [ip_vs, ip_vs_wrr]
    sysctls:
      net.ipv4.vs.expire_nodest_conn: 1
  become: true

- name: Run the connection sync daemons on eth0 with sync id 51, now and at boot
  lvs.cluster.ipvs_kernel:
    modules: [ip_vs, ip_vs_rr]
    sync_daemon:
      interface: eth0
      syncid: 51
  become: true

- name: Remove the files and stop the sync daemons
  lvs.cluster.ipvs_kernel:
    state: absent
  become: true
"""

RETURN = r"""
---
loaded:
  description: Modules this run loaded (in check mode, would load).
  returned: always
  type: list
  elements: str
  sample: [ip_vs, ip_vs_rr]
sysctls_set:
  description: Live sysctl values this run set (would set in check mode), as C(key=value).
  returned: always
  type: list
  elements: str
  sample: [net.ipv4.vs.expire_nodest_conn=1]
sync_daemons:
  description: The sync daemons running after this run (in check mode, the ones that would run).
  returned: always
  type: list
  elements: dict
  sample: [{state: master, mcast_interface: eth0, syncid: 51}, {state: backup, mcast_interface: eth0, syncid: 51}]
errors:
  description: Every input that does not fit where it would be written; nothing was changed.
  returned: failure
  type: list
  elements: str
  sample: ["sysctls['net.//.//.etc']: 'net.//.//.etc' is not a sysctl key: use dotted words of letters, digits, '_', '-',
            '@' or '+', no empty part (a '/' stands for a dot inside a name, as in net.ipv4.conf.eth0/100.rp_filter)"]
"""

import os
import platform

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.lvs.cluster.plugins.module_utils import fields
from ansible_collections.lvs.cluster.plugins.module_utils.host_state import (
    read_sysctls, remove_path, sysctl_conf, update_file, write_sysctls)
from ansible_collections.lvs.cluster.plugins.module_utils.ipvsadm import IpvsadmParseError, parse_sync_daemons
from ansible_collections.lvs.cluster.plugins.module_utils.kernel_modules import (
    available_modules, loaded_modules)
from ansible_collections.lvs.cluster.plugins.module_utils.sync_daemons import (
    describe, plan, start_argv, stop_argv, unit_dropin, wanted_daemons)


def _diff_text(files, live, daemons):
    parts = [f'# {path}\n{content}' for path, content in files]
    parts.append('# live sysctl values\n' + ''.join(f'{key} = {value}\n' for key, value in live.items()))
    parts.append('# running IPVS sync daemons\n' + describe(daemons))
    return '\n'.join(parts)


def _read_text(path):
    if not os.path.exists(path):
        return ''
    with open(path, encoding='utf-8') as handle:
        return handle.read()


def _running_daemons(module):
    """The sync daemons the kernel runs; none on a host without ipvsadm or IPVS yet (check mode on a fresh host)."""
    if module.get_bin_path('ipvsadm') is None:
        if module.check_mode:
            return []
        module.fail_json(msg='ipvsadm is not installed: it is needed to run the IPVS sync daemons')
    rc, out, err = module.run_command(['ipvsadm', '-Ln', '--daemon'])
    if rc != 0:
        if module.check_mode:
            return []
        module.fail_json(msg=f'ipvsadm -Ln --daemon failed: {err.strip()}', rc=rc)
    try:
        return parse_sync_daemons(out)
    except IpvsadmParseError as exc:
        module.fail_json(msg=f'cannot read the sync daemons: {exc}')


def _apply_daemons(module, running, wanted):
    """Stop and start daemons until the kernel runs the wanted ones; return (changed, running after)."""
    stop, start = plan(running, wanted)
    if not (stop or start):
        return False, running
    if module.check_mode:
        return True, wanted
    for state in stop:
        module.run_command(stop_argv(state), check_rc=True)
    for daemon in start:
        module.run_command(start_argv(daemon), check_rc=True)
    after = _running_daemons(module)
    if plan(after, wanted) != ([], []):
        module.fail_json(msg=f'the sync daemons did not start as wanted; running now: {describe(after) or "none"}',
                         sync_daemons=after)
    return True, after


def _reload_systemd(module, changed):
    if changed and not module.check_mode:
        module.run_command(['systemctl', 'daemon-reload'], check_rc=True)


def _sync_daemons(module, sync):
    """Run both sync daemons and write the drop-in; with sync None, undo what the drop-in says this module did."""
    params = module.params
    path = params['sync_daemon_file']
    managed = sync is not None or os.path.exists(path)
    if not managed:
        return {'managed': False, 'file': {'changed': False}, 'changed': False, 'before': [], 'after': []}
    before = _running_daemons(module)
    if sync is not None:
        wanted = wanted_daemons(sync['interface'], sync['syncid'])
        dropin = update_file(path, unit_dropin(wanted, params['header']), check_mode=module.check_mode)
    else:
        wanted = []
        dropin = {'before': _read_text(path), 'after': ''}
        dropin['changed'] = remove_path(path, check_mode=module.check_mode)
    _reload_systemd(module, dropin['changed'])
    changed, after = _apply_daemons(module, before, wanted)
    return {'managed': True, 'file': dropin, 'changed': changed, 'before': before, 'after': after}


def input_errors(params):
    """Every input that would not fit where it is written: a line of a file, a path under /proc/sys, an argument."""
    checks = [(f'modules[{number}]', fields.kernel_module(name)) for number, name in enumerate(params['modules'])]
    checks += [(f'sysctls[{key!r}]', fields.sysctl_key(key) or fields.sysctl_value(value))
               for key, value in params['sysctls'].items()]
    if params['sync_daemon']:
        interface = params['sync_daemon']['interface']
        checks.append(('sync_daemon.interface', fields.interface(interface) if interface else 'empty; name it'))
    checks += [(name, fields.file_path(params[name])) for name in ('modules_file', 'sysctl_file', 'sync_daemon_file')]
    checks.append(('header', fields.comment(params['header'])))
    return fields.problems(checks)


def present(module):
    params = module.params
    modules = list(dict.fromkeys(params['modules']))
    wanted = {key: str(value) for key, value in params['sysctls'].items()}
    release = platform.release()
    available = available_modules(release)
    missing = [name for name in modules if name not in available]
    if missing:
        needed_by = params['needed_by']
        what = '; '.join(f'{needed_by[name]} needs the kernel module {name}' if name in needed_by else
                         f'the kernel module {name} is needed' for name in missing)
        module.fail_json(msg=f'{what}, which kernel {release} lacks: choose another scheduler or feature, '
                             f'or install a kernel that has it', missing=missing)

    check = module.check_mode
    modules_file = update_file(params['modules_file'], f"# {params['header']}\n" + ''.join(f'{name}\n' for name in modules),
                               check_mode=check)
    sysctl_file = update_file(params['sysctl_file'], sysctl_conf(wanted, params['header']), check_mode=check)

    to_load = [name for name in modules if name not in loaded_modules()]
    if to_load and not check:
        module.run_command(['modprobe', '-a'] + to_load, check_rc=True)

    before = read_sysctls(wanted)
    differ = {key: value for key, value in wanted.items() if before[key] != value}
    if differ and not check:
        try:
            write_sysctls(differ)
        except OSError as exc:
            module.fail_json(msg=f'setting the sysctls failed: {exc}')
        still = {key: value for key, value in read_sysctls(differ).items() if value != differ[key]}
        if still:
            module.fail_json(msg=f'sysctls did not take their value: {still}')

    sync = _sync_daemons(module, params['sync_daemon'])

    after = dict(before, **differ)
    files_before = [(params['modules_file'], modules_file['before']), (params['sysctl_file'], sysctl_file['before'])]
    files_after = [(params['modules_file'], modules_file['after']), (params['sysctl_file'], sysctl_file['after'])]
    if sync['managed']:
        files_before.append((params['sync_daemon_file'], sync['file']['before']))
        files_after.append((params['sync_daemon_file'], sync['file']['after']))
    return {
        'changed': bool(modules_file['changed'] or sysctl_file['changed'] or to_load or differ
                        or sync['file']['changed'] or sync['changed']),
        'loaded': to_load,
        'sysctls_set': [f'{key}={value}' for key, value in differ.items()],
        'sync_daemons': sync['after'],
        'diff': {
            'before': _diff_text(files_before, {key: 'missing' if value is None else value for key, value in before.items()},
                                 sync['before']),
            'after': _diff_text(files_after, after, sync['after']),
        },
    }


def absent(module):
    params = module.params
    sync = _sync_daemons(module, None)
    removed = [path for path in (params['modules_file'], params['sysctl_file'])
               if remove_path(path, check_mode=module.check_mode)]
    if sync['file']['changed']:
        removed.append(params['sync_daemon_file'])
    return {'changed': bool(removed or sync['changed']), 'loaded': [], 'sysctls_set': [], 'sync_daemons': [],
            'diff': {'before': ''.join(f'{path}\n' for path in removed) + describe(sync['before']), 'after': ''}}


def main():
    module = AnsibleModule(
        argument_spec={
            'state': {'type': 'str', 'choices': ['present', 'absent'], 'default': 'present'},
            'modules': {'type': 'list', 'elements': 'str', 'default': []},
            'sysctls': {'type': 'dict', 'default': {}},
            'modules_file': {'type': 'path', 'default': '/etc/modules-load.d/lvs-director.conf'},
            'sysctl_file': {'type': 'path', 'default': '/etc/sysctl.d/90-lvs-director.conf'},
            'needed_by': {'type': 'dict', 'default': {}},
            'sync_daemon': {'type': 'dict', 'options': {
                'interface': {'type': 'str', 'required': True},
                'syncid': {'type': 'int', 'required': True},
            }},
            'sync_daemon_file': {'type': 'path',
                                 'default': '/etc/systemd/system/keepalived.service.d/lvs-sync-daemon.conf'},
            'header': {'type': 'str', 'default': 'Managed by Ansible (lvs.cluster); local changes are overwritten.'},
        },
        supports_check_mode=True,
    )
    errors = input_errors(module.params)
    if errors:
        module.fail_json(msg='; '.join(errors), errors=errors)
    module.exit_json(**(present(module) if module.params['state'] == 'present' else absent(module)))


if __name__ == '__main__':
    main()
