"""plugins/filter/cluster.py: the filters the roles and playbooks call, each documented, each named as documented."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.lvs.cluster.plugins.filter.cluster import FilterModule

FILTER_DOCS = Path(__file__).resolve().parents[4] / 'plugins' / 'filter'


def test_every_filter_has_its_documentation_and_every_documentation_its_filter():
    documented = {path.stem: yaml.safe_load(path.read_text())['DOCUMENTATION']['name']
                  for path in FILTER_DOCS.glob('*.yml')}
    assert all(stem == name for stem, name in documented.items()), documented
    assert sorted(FilterModule().filters()) == sorted(documented)


def test_resolve_services_refuses_a_description_that_is_no_list():
    with pytest.raises(AnsibleFilterError, match='lvs_director_virtual_services must be a list'):
        FilterModule().filters()['resolve_services']({'name': 'web'}, {}, {})
