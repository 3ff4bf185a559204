"""plugin_utils/messages.py: one line per error, values shown short and typed in words, ranges."""

from __future__ import annotations

import pytest

from ansible_collections.lvs.cluster.plugins.plugin_utils.messages import Errors, check_range, show, type_name


def test_an_error_is_one_line_whatever_a_name_in_it_holds():
    errors = Errors()
    errors.add('lvs_director_vrrp_instances[0].name', 'already used', 'instance VI\nWEB')
    assert errors == ['lvs_director_vrrp_instances[0].name: already used (instance VI\\nWEB)']


def test_a_value_error_leaves_its_entry_sound():
    errors = Errors()
    errors.add('a', 'wrong type')
    errors.add_value('b', 'holds a newline')
    assert (len(errors), errors.structural) == (2, 1)


@pytest.mark.parametrize('value, words', [
    (None, 'null'), (True, 'a boolean'), (3, 'an integer'), (0.5, 'a number'), ('x', 'a string'),
    ({}, 'a dict'), ([], 'a list'), ((), 'a list'), (object(), 'a value of another type'),
])
def test_a_type_in_words(value, words):
    assert type_name(value) == words


def test_a_value_is_shown_short_and_a_container_by_its_type():
    assert show(False) == 'false (a boolean)'
    assert show(7) == '7'
    assert show('x' * 100) == repr('x' * 100)[:57] + '...'
    assert show(['x']) == 'a list'


def test_a_range_names_the_path_the_bounds_and_the_unit():
    errors = Errors()
    for value in (None, 1, 5, 6):
        check_range(value, 'timeout', 1, 5, errors, 'service web', ' seconds')
    assert errors == ['timeout: 6 is outside 1-5 seconds; fix it (service web)']
