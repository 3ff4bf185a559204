# -*- coding: utf-8 -*-
# Copyright: lvs.cluster founders (@lvs-cluster)
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a string may hold in the place it is written to: keepalived.conf, a systemd unit, a sysctl.d file,
a path under /proc/sys (standard library only: the modules check their own inputs with it).

One function per kind of field. Each returns None when the value fits, else what is wrong and how to fix it,
for the caller to write after the variable's path. Control characters are refused by every kind.

How keepalived reads keepalived.conf (lib/parser.c, 2.2.7 to 2.4): a line is cut at the first '#' or '!'
outside double quotes; '{' and '}' outside double quotes open and close blocks wherever they stand; words
are split at blanks, and a word that starts with '"' runs to the next '"', with no escape (so no '"' can be
inside one), while a '\\' hides the next character from the comment stripper; '$NAME' and '${NAME}' are
replaced by keepalived's definitions (_PWD, _INSTANCE, _RANDOM, _HASH, _BANG) anywhere on the line, quoted
or not. A script's command is read once more into its arguments, where '...' groups words.
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.lvs.cluster.plugins.module_utils.host_state import sysctl_path

# A keepalived name (vrrp_instance, vrrp_sync_group): one token that no parser step changes.
KEEPALIVED_NAME = re.compile(r'[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}')
# Linux refuses '/', ':' and blanks in an interface name of at most 15 bytes, and the names '.' and '..'.
INTERFACE = re.compile(r'(?!\.\.?\Z)[A-Za-z0-9_.@-]{1,15}')
# What keepalived would end a bare word at, or read as a block, quote, comment, escape or substitution.
WORD_STOPS = frozenset(' {}"\'#!\\$')
EXPANSION = re.compile(r'\$[A-Za-z_{]')
# An origin-form request target (RFC 3986 path and query): keepalived sends it as is after GET.
URL_PATH = re.compile(r"/(?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*")
DNS_LABEL = r'[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?'
DNS_NAME = re.compile(rf'\.|(?:{DNS_LABEL}\.)*{DNS_LABEL}\.?')
# A sysctl key: dotted words; a '/' inside a word stands for a dot in that name (eth0/100 is eth0.100).
SYSCTL_WORD = re.compile(r'[A-Za-z0-9_][A-Za-z0-9_@+-]*(?:/[A-Za-z0-9_@+-]+)*')
KERNEL_MODULE = re.compile(r'[A-Za-z0-9_-]{1,56}')
STATUS_CODE = re.compile(r'[0-9]{3}(?:-[0-9]{3})?')
MD5 = re.compile(r'[0-9a-fA-F]{32}')
# keepalived keeps the first 8 bytes of auth_pass (and warns about more, which fails keepalived -t).
AUTH_PASS_BYTES = 8


def _text(value):
    return value if isinstance(value, str) else str(value)


def _show(value):
    text = repr(value if isinstance(value, (str, int, float)) else _text(value))
    return text if len(text) <= 60 else text[:57] + '...'


def _control(text):
    """A line break, tab or other character that is not printable (Python's str.isprintable)."""
    if not text.isprintable():
        return f"{_show(text)} holds a line break, tab or other control character; remove it"
    return None


def label(value):
    """Free text that ends up in a comment or a message only: one printable line."""
    return _control(_text(value))


def word(value):
    """A bare word of keepalived.conf (router_id, a scheduler flag, a netmask)."""
    text = _text(value)
    if not text:
        return 'empty; set a value'
    stops = sorted({char for char in text if char in WORD_STOPS or char.isspace()})
    if _control(text) or stops:
        shown = ' '.join(repr(char) for char in stops) if stops else 'a control character'
        return (f"{_show(text)} holds {shown}, which keepalived reads as the end of a word, a block, a quote, a "
                f"comment or a substitution; use one word of letters, digits, '.', '_', ':' or '-'")
    return None


def keepalived_name(value):
    """The name of a vrrp_instance or vrrp_sync_group: referred to by name elsewhere in keepalived.conf."""
    if not KEEPALIVED_NAME.fullmatch(_text(value)):
        return (f"{_show(value)} is not a keepalived name; use 1-64 letters, digits, '_', '.', ':' or '-', not "
                f"starting with '.', ':' or '-'")
    return None


def interface(value):
    """An interface name; empty is the default where the role has one (the checks of the description report an
    empty one where it has none)."""
    if value != '' and not INTERFACE.fullmatch(_text(value)):
        return f"{_show(value)} is not an interface name; use 1-15 of A-Z a-z 0-9 _ . @ -"
    return None


def ip_address(value):
    """The ipaddress object of a plain IP address, else None. No zone index: after '%' any text would pass."""
    if not isinstance(value, str) or '%' in value:
        return None
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def address(value):
    if ip_address(value) is None:
        return f"{_show(value)} is not an IP address (no prefix length, no zone index); fix it"
    return None


def quoted(value):
    """Text keepalived reads whole between double quotes, where blanks, '#', '!', '{' and '}' are safe."""
    text = _text(value)
    if '"' in text or '\\' in text:
        return (f"{_show(text)} holds a '\"' or '\\', which would end or escape keepalived's double quotes; "
                f"remove it")
    if EXPANSION.search(text):
        return f"{_show(text)} holds $NAME or ${{...}}, which keepalived replaces even inside quotes; remove the $"
    return _control(text)


def command(value):
    """A script keepalived runs (a hook, misc_path): its absolute path, then its arguments, in double quotes."""
    text = _text(value)
    if not text.startswith('/'):
        return f"{_show(text)} does not start with an absolute path; give the script's full path, then its arguments"
    if text.count("'") % 2:
        return (f"{_show(text)} has an unpaired \"'\", which keepalived reads as the start of a quoted argument; "
                f"pair or remove it")
    return quoted(text)


def url_path(value):
    """An HTTP_GET/SSL_GET path, in double quotes: keepalived sends it after GET as it is."""
    text = _text(value)
    if not URL_PATH.fullmatch(text):
        return (f"{_show(text)} is not an absolute URL path; start it with /, %-encode blanks and other "
                f"characters outside RFC 3986 and leave out any #fragment")
    return quoted(text)


def dns_name(value):
    text = _text(value)
    if len(text) > 253 or not DNS_NAME.fullmatch(text):
        return f"{_show(text)} is not a DNS name (dot-separated labels of letters, digits, '_' and '-', or '.'); fix it"
    return None


def auth_pass(value):
    """A VRRPv2 PASS password, in double quotes. Its messages never show it."""
    text = _text(value)
    if not text.isprintable() or '"' in text or '\\' in text or EXPANSION.search(text):
        return ("holds a control character, '\"', '\\' or $NAME, which keepalived would cut or replace (it reads "
                "a quoted word up to the next '\"', with no escape); choose another password")
    if len(text.encode('utf-8')) > AUTH_PASS_BYTES:
        return f'keepalived uses at most {AUTH_PASS_BYTES} characters (bytes); shorten it'
    return None


def status_code(value):
    """One HTTP status or range of statuses of a url (keepalived takes 100-599)."""
    text = _text(value)
    if not STATUS_CODE.fullmatch(text) or not all(100 <= int(part) <= 599 for part in text.split('-')):
        return f"{_show(value)} is not an HTTP status 100-599 or a range like 200-299; fix it"
    return None


def md5(value):
    if not MD5.fullmatch(_text(value)):
        return f"{_show(value)} is not an MD5 digest of 32 hex characters; compute it with keepalived --genhash"
    return None


def sysctl_key(value):
    """A sysctl.d key whose /proc/sys path stays under /proc/sys."""
    text = _text(value)
    parts = text.split('.')
    if len(parts) < 2 or not all(SYSCTL_WORD.fullmatch(part) for part in parts):
        return (f"{_show(text)} is not a sysctl key: use dotted words of letters, digits, '_', '-', '@' or '+', "
                f"no empty part (a '/' stands for a dot inside a name, as in net.ipv4.conf.eth0/100.rp_filter)")
    try:
        sysctl_path(text)
    except ValueError as exc:
        return f"{exc}; fix the key"
    return None


def sysctl_value(value):
    return _control(_text(value))


def kernel_module(value):
    if not KERNEL_MODULE.fullmatch(_text(value)):
        return f"{_show(value)} is not a kernel module name (letters, digits, '_' and '-'); fix it"
    return None


def comment(value):
    """Text a module writes as '# ' comment lines: one per line of it."""
    return next(filter(None, (_control(line) for line in _text(value).split('\n'))), None)


def file_path(value):
    """A file a module writes: an absolute, normalised path."""
    text = _text(value)
    if not text.startswith('/') or any(part in ('.', '..') for part in text.split('/')) or '//' in text:
        return f"{_show(text)} is not an absolute path without . or .. parts; fix it"
    return _control(text)


def problems(checks):
    """'name: problem' for every (name, problem) pair of checks that has a problem: a module's input errors."""
    return [f'{name}: {problem}' for name, problem in checks if problem]


# The kinds that plugins/plugin_utils/field_rules.py gives the options of the cluster description.
KINDS = {kind.__name__: kind for kind in (
    label, word, keepalived_name, interface, address, command, url_path, dns_name, auth_pass, status_code, md5,
    sysctl_key, sysctl_value)}
