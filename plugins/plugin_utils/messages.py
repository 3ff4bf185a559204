# Copyright: (c) 2026, lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The messages of the checks: the error list, how a value is shown in one, and the range check they all use."""

from __future__ import annotations

from collections.abc import Mapping

from ansible_collections.lvs.cluster.plugins.plugin_utils.model import is_int, is_number


class Errors(list):
    """The error messages: "path: problem; fix (context)".

    A value that breaks its field rule (field_rules.py, add_value) leaves its entry sound: the checks after
    the structure take any string, so one wrong value does not hide its instance or service from them.
    """

    def __init__(self):
        super().__init__()
        self.values = 0

    def add(self, path, text, about=None):
        message = f"{path}: {text}" + (f" ({about})" if about else '')
        # One line each, whatever a name in it holds.
        self.append(''.join(char if char.isprintable() else repr(char)[1:-1] for char in message))

    def add_value(self, path, text):
        self.add(path, text)
        self.values += 1

    @property
    def structural(self):
        """How many errors make their entry unsound."""
        return len(self) - self.values


def type_name(value):
    """What a value is, in words (never an ansible-core type name)."""
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'a boolean'
    if is_int(value):
        return 'an integer'
    if is_number(value):
        return 'a number'
    if isinstance(value, str):
        return 'a string'
    if isinstance(value, Mapping):
        return 'a dict'
    if isinstance(value, (list, tuple)):
        return 'a list'
    return 'a value of another type'


def show(value):
    """A short readable form of a scalar value; the type of anything else."""
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, (str, int, float)):
        text = repr(value) if not isinstance(value, str) else repr(str(value))
        return text if len(text) <= 60 else text[:57] + '...'
    return type_name(value)


def check_range(value, path, low, high, errors, about=None, unit=''):
    if value is not None and not low <= value <= high:
        errors.add(path, f"{show(value)} is outside {low}-{high}{unit}; fix it", about)


def check_not_empty(given, path, problem, errors):
    """An empty list, or none at all (a list of another type is the type check's): 'empty: ' and the problem."""
    if not given and isinstance(given, (list, tuple, type(None))):
        errors.add(path, f'empty: {problem}')
