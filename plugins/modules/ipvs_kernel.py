#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ipvs_kernel
short_description: Load the IPVS kernel modules and set the IPVS sysctls, now and at boot
version_added: 1.1.0
description:
  - Prepares the kernel of an LVS director in one call, so that an unchanged director costs one task.
  - Checks first that every module in O(modules) exists in the running kernel (loaded, built in, or listed in
    C(modules.dep)); a missing one fails the task before anything changes.
  - Writes O(modules) to O(modules_file) (C(modules-load.d)) and loads the ones not loaded yet with one C(modprobe -a).
  - Writes O(sysctls) to O(sysctl_file) (C(sysctl.d)) and sets every live value that differs.
  - With O(state=absent) it removes both files; loaded modules and live values stay as they are.
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
  header:
    description: Comment written as the first line of both files.
    type: str
    default: Managed by Ansible (lvs.cluster); local changes are overwritten.
attributes:
  check_mode:
    support: full
    description: Reports what it would change and changes nothing.
  diff_mode:
    support: full
    description: Shows both files and the live sysctl values before and after.
  platform:
    support: full
    platforms: linux
    description: Linux hosts with systemd-modules-load and systemd-sysctl (or compatible readers of both directories).
notes:
  - Needs root.
requirements:
  - kmod (C(modprobe))
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

- name: Remove the files
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
"""

import platform

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.lvs.cluster.plugins.module_utils.host_state import (
    read_sysctls, remove_path, sysctl_conf, update_file, write_sysctls)
from ansible_collections.lvs.cluster.plugins.module_utils.kernel_modules import (
    available_modules, loaded_modules)


def _diff_text(files, live):
    parts = [f'# {path}\n{content}' for path, content in files]
    parts.append('# live sysctl values\n' + ''.join(f'{key} = {value}\n' for key, value in live.items()))
    return '\n'.join(parts)


def present(module):
    params = module.params
    modules = list(dict.fromkeys(params['modules']))
    wanted = {key: str(value) for key, value in params['sysctls'].items()}
    release = platform.release()
    available = available_modules(release)
    missing = [name for name in modules if name not in available]
    if missing:
        module.fail_json(msg=f"kernel {release} has no module {', '.join(missing)}: this kernel cannot provide "
                             f"the scheduler or feature that needs it; choose another or install a kernel that has it",
                         missing=missing)

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

    after = dict(before, **differ)
    result = {
        'changed': bool(modules_file['changed'] or sysctl_file['changed'] or to_load or differ),
        'loaded': to_load,
        'sysctls_set': [f'{key}={value}' for key, value in differ.items()],
        'diff': {
            'before': _diff_text([(params['modules_file'], modules_file['before']),
                                  (params['sysctl_file'], sysctl_file['before'])],
                                 {key: 'missing' if value is None else value for key, value in before.items()}),
            'after': _diff_text([(params['modules_file'], modules_file['after']),
                                 (params['sysctl_file'], sysctl_file['after'])], after),
        },
    }
    return result


def absent(module):
    params = module.params
    removed = [path for path in (params['modules_file'], params['sysctl_file'])
               if remove_path(path, check_mode=module.check_mode)]
    return {'changed': bool(removed), 'loaded': [], 'sysctls_set': [],
            'diff': {'before': ''.join(f'{path}\n' for path in removed), 'after': ''}}


def main():
    module = AnsibleModule(
        argument_spec={
            'state': {'type': 'str', 'choices': ['present', 'absent'], 'default': 'present'},
            'modules': {'type': 'list', 'elements': 'str', 'default': []},
            'sysctls': {'type': 'dict', 'default': {}},
            'modules_file': {'type': 'path', 'default': '/etc/modules-load.d/lvs-director.conf'},
            'sysctl_file': {'type': 'path', 'default': '/etc/sysctl.d/90-lvs-director.conf'},
            'header': {'type': 'str', 'default': 'Managed by Ansible (lvs.cluster); local changes are overwritten.'},
        },
        supports_check_mode=True,
    )
    module.exit_json(**(present(module) if module.params['state'] == 'present' else absent(module)))


if __name__ == '__main__':
    main()
