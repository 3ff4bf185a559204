"""plugin_utils/model.py: the variables of the roles, their types and defaults, read from their argument specs."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.lvs.cluster.plugins.plugin_utils import model
from ansible_collections.lvs.cluster.tests.hostile_values import full, put
from ansible_collections.lvs.cluster.tests.unit.plugins.plugin_utils.description import realserver_options, wrong_types

ROLES = Path(__file__).resolve().parents[4] / 'roles'


def test_an_option_is_read_without_its_documentation_and_an_optional_one_defaults_to_null():
    spec = {'name': {'description': 'A name.', 'type': 'str', 'required': True},
            'check': {'description': ['A check.'], 'type': 'raw', 'version_added': '1.1.0',
                      'options': {'port': {'description': 'Port.', 'type': 'int'},
                                  'kind': {'type': 'str', 'choices': ['a', 'b'], 'default': 'a'}}},
            'secret': {'type': 'str', 'no_log': True},
            'names': {'type': 'list', 'elements': 'str', 'default': []}}
    assert model.bare(spec) == {
        'name': {'type': 'str', 'required': True},
        'check': {'type': 'raw', 'default': None, 'options': {'port': {'type': 'int', 'default': None},
                                                              'kind': {'type': 'str', 'default': 'a',
                                                                       'choices': ['a', 'b']}}},
        'secret': {'type': 'str', 'no_log': True, 'default': None},
        'names': {'type': 'list', 'elements': 'str', 'default': []}}


def test_the_specs_are_the_roles_argument_specs():
    for role, spec in (('lvs_director', model.SPEC), ('lvs_realserver', model.REALSERVER_SPEC)):
        written = yaml.safe_load((ROLES / role / 'meta' / 'argument_specs.yml').read_text())
        assert spec == model.bare(written['argument_specs']['main']['options']), role
    assert model.SPEC['lvs_director_vrrp_instances']['options']['auth_pass'] == {
        'type': 'str', 'default': None, 'no_log': True}


def test_the_defaults_of_a_spec_leave_out_its_required_keys():
    assert model.VRRP_INSTANCE_DEFAULTS['vips'] == [] and model.VRRP_INSTANCE_DEFAULTS['version'] == 3
    assert model.defaults(model.URL_SPEC) == {'status_code': None, 'digest': None}
    assert model.HEALTH_CHECK_DEFAULTS['type'] == 'TCP_CHECK'


def test_every_lb_kind_has_its_forwarding_method():
    assert sorted(model.FORWARD_BY_LB_KIND) == sorted(model.SERVICE_SPEC['lb_kind']['choices'])


@functools.cache
def validator(role):
    return ArgumentSpecValidator(model.argument_spec(role))


def argument_cases():
    for role, spec, base in (('lvs_director', model.SPEC, full),
                             ('lvs_realserver', model.REALSERVER_SPEC, realserver_options)):
        for path, _kind, value in wrong_types(spec):
            yield pytest.param(role, base, path, value, id=f'{role}:{path}={value!r}')


@pytest.mark.parametrize('role, base, path, value', list(argument_cases()))
def test_ansible_cores_check_of_the_role_arguments_reports_a_wrong_type_and_never_raises(role, base, path, value):
    """ansible-core checks a role's arguments against its spec before the role's first task, and raised a TypeError
    on a dict with keys given another type (lvs_director_sync_daemon: true): a role run alone must get as far as
    its own check, which names the path (test_structure.py)."""
    arguments = base()
    put(arguments, path, value)
    validator(role).validate(arguments)
