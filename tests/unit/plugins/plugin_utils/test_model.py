"""plugin_utils/model.py: the variables of the role, their types and defaults, as its argument spec documents them."""

from __future__ import annotations

from pathlib import Path

import yaml

from ansible_collections.lvs.cluster.plugins.plugin_utils import model

ROLE = Path(__file__).resolve().parents[4] / 'roles' / 'lvs_director'


def spec_defaults(options):
    """Defaults of the optional keys (required keys have none)."""
    return {key: value.get('default') for key, value in options.items() if not value.get('required')}


def optional(defaults, options):
    return {key: value for key, value in defaults.items() if not options[key].get('required')}


def test_filter_defaults_match_the_argument_spec():
    spec = yaml.safe_load((ROLE / 'meta' / 'argument_specs.yml').read_text())['argument_specs']['main']['options']
    service = spec['lvs_director_virtual_services']['options']
    assert spec_defaults(service) == model.SERVICE_DEFAULTS
    assert spec_defaults(service['health_check']['options']) == model.HEALTH_CHECK_DEFAULTS
    url = service['health_check']['options']['url']['options']
    assert spec_defaults(url) == optional(model.URL_DEFAULTS, url)
    assert spec_defaults(service['real_servers']['options']) == model.REAL_SERVER_DEFAULTS
    vrrp = spec['lvs_director_vrrp_instances']['options']
    assert spec_defaults(vrrp) == optional(model.VRRP_INSTANCE_DEFAULTS, vrrp)


def test_role_defaults_match_the_argument_spec():
    spec = yaml.safe_load((ROLE / 'meta' / 'argument_specs.yml').read_text())['argument_specs']['main']['options']
    defaults = yaml.safe_load((ROLE / 'defaults' / 'main.yml').read_text())
    assert sorted(defaults) == sorted(spec)
    for key, value in defaults.items():
        assert spec[key].get('default') == value, key


def _bare(options):
    """An argument spec without its descriptions, as model.SPEC writes it."""
    bare = {}
    for key, option in options.items():
        option = {name: value for name, value in option.items() if name != 'description'}
        if 'options' in option:
            option['options'] = _bare(option['options'])
        if not option.get('required'):
            option.setdefault('default', None)
        bare[key] = option
    return bare


def test_model_spec_mirrors_the_argument_spec():
    """Types, defaults, choices, elements and nested keys: the checks type what the role documents."""
    spec = yaml.safe_load((ROLE / 'meta' / 'argument_specs.yml').read_text())['argument_specs']['main']['options']
    assert _bare(spec) == _bare(model.SPEC)
