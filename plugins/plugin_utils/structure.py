# Copyright: (c) 2026, lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The structure of the description, checked first: the type of every value at any depth, unknown and required
keys and choices (model.SPEC), and what each string may hold (field_rules.py). Only entries whose structure is
sound go on to the other checks, so no input can make them raise.

A raw option with keys (see the head of roles/lvs_director/meta/argument_specs.yml) is a dict of them; where its
path has a kind in field_rules.KINDS it may also be a string of that kind (a script, a real server).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.lvs.cluster.plugins.plugin_utils.field_rules import (
    HOST_VARIABLES, KINDS, STRING_FORMS, check_field, spec_path)
from ansible_collections.lvs.cluster.plugins.plugin_utils.messages import show
from ansible_collections.lvs.cluster.plugins.plugin_utils.model import SPEC, is_int, is_number
from ansible_collections.lvs.cluster.plugins.plugin_utils.resolve import hostvar

WANTED = {'str': 'a string', 'int': 'an integer', 'float': 'a number', 'bool': 'true or false',
          'list': 'a list', 'dict': 'a dict'}


def _is_str(value):
    return isinstance(value, str) or is_number(value)  # ansible converts numbers to str too


def _is_bool(value):
    return isinstance(value, bool)


def _is_list(value):
    return isinstance(value, (list, tuple))


def _is_dict(value):
    return isinstance(value, Mapping)


IS_TYPE = {'str': _is_str, 'int': is_int, 'float': is_number, 'bool': _is_bool, 'list': _is_list, 'dict': _is_dict}


def _check_keys(value, options, path, errors):
    known = ', '.join(sorted(options))
    for key in value:
        if key not in options:
            close = difflib.get_close_matches(str(key), list(options), n=1)
            hint = f"did you mean {close[0]}? " if close else ''
            errors.add(f"{path}.{key}", f"unknown key; {hint}known keys: {known}")
    for key, option in options.items():
        if key in value or option.get('required'):
            check_value(value.get(key), option, f"{path}.{key}", errors)


def _string_form(path):
    """What the string form of a raw option with keys holds ('a command'); None when it takes a dict only."""
    return STRING_FORMS.get(KINDS.get(spec_path(path)))


def _check_string_or_dict(value, option, form, path, errors):
    """A real_servers element (an inventory host or address) or a script (a command): a string or a dict."""
    if isinstance(value, Mapping):
        _check_keys(value, option['options'], path, errors)
    elif not isinstance(value, str) or not value:
        errors.add(path, f"must be {form} (a string) or a dict with keys {', '.join(sorted(option['options']))}; "
                         f"got {show(value)}")
    else:
        check_field(value, path, errors)


def _check_elements(value, option, path, errors):
    element = {'type': option.get('elements', 'raw'), 'options': option.get('options')}
    for number, item in enumerate(value):
        if item is None:
            errors.add(f"{path}[{number}]", f"must be {WANTED.get(element['type'], 'set')}, got null; fix it")
        else:
            check_value(item, element, f"{path}[{number}]", errors)


def check_value(value, option, path, errors):
    """Check value against one option of model.SPEC (recursively); null means the default."""
    if value is None:
        if option.get('required'):
            errors.add(path, 'required; set it')
        return
    wanted = option['type']
    if wanted == 'raw' and option.get('options'):
        form = _string_form(path)
        if form is not None:
            _check_string_or_dict(value, option, form, path, errors)
            return
        wanted = 'dict'
    if wanted in IS_TYPE and not IS_TYPE[wanted](value):
        errors.add(path, f"must be {WANTED[wanted]}, got {show(value)}; fix it")
        return
    if 'choices' in option and value not in option['choices']:
        errors.add(path, f"{show(value)} is not one of {', '.join(str(c) for c in option['choices'])}; fix it")
        return
    if wanted == 'list':
        _check_elements(value, option, path, errors)
    elif wanted == 'dict' and option.get('options'):
        _check_keys(value, option['options'], path, errors)
    elif 'choices' not in option:
        check_field(value, path, errors)


def sound_entries(values, name, errors):
    """(index, entry) of every element of the list variable name whose structure is sound."""
    option = SPEC[name]
    if values is None:
        return []
    if not isinstance(values, (list, tuple)):
        check_value(values, option, name, errors)
        return []
    sound = []
    element = {'type': 'dict', 'options': option['options']}
    for number, entry in enumerate(values):
        before = errors.structural
        path = f"{name}[{number}]"
        if entry is None:
            errors.add(path, 'must be a dict, got null; fix it')
        else:
            check_value(entry, element, path, errors)
        if errors.structural == before:
            sound.append((number, entry))
    return sound


def sound_value(value, name, errors):
    """value when its structure is sound, else None."""
    before = errors.structural
    check_value(value, SPEC[name], name, errors)
    return value if errors.structural == before else None


def as_ansible_converts(value, wanted):
    """A variable of an INI inventory or of -e name=value is a string: ansible-core takes '30' for an integer and
    'false' for a boolean there, and so does the check."""
    try:
        if isinstance(value, str) and wanted == 'int':
            return int(value)
        if isinstance(value, str) and wanted == 'float':
            return float(value)
        if isinstance(value, str) and wanted == 'bool':
            return boolean(value, strict=True)
    except (TypeError, ValueError):
        pass
    return value


def check_variables(variables, errors, spec=None, apart=()):
    """Check every variable of spec (model.SPEC) that variables ({name: value}) gives, except those checked apart."""
    for name, option in (spec or SPEC).items():
        if name in variables and name not in apart:
            check_value(as_ansible_converts(variables[name], option['type']), option, name, errors)


def check_host_types(directors, hostvars, given, errors):
    """The type of each director's own value of the variables that can differ per director (lvs_director_priority,
    which an INI inventory gives as a string, is checked with the priorities); given: {variable: {director: value}},
    the role parameters that the hostvars lack."""
    for host in directors:
        for name in ('lvs_director_address', *HOST_VARIABLES):
            value = (given.get(name) or {}).get(host, hostvar(hostvars, host, name))
            check_value(value, SPEC[name], f"{name} of {host}", errors)
