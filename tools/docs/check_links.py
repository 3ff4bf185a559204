# SPDX-License-Identifier: GPL-3.0-or-later
"""Check the links of README.md and docs/**/*.md without any network access.

Relative links must name a file or directory of the repository, and a #fragment must be a
heading of the target Markdown file (GitHub's anchor style) or an <a id/name> in it.
http(s) links are only checked for syntax. Exit 1 with one line per broken link.

    python tools/docs/check_links.py [FILE.md ...]
"""

from __future__ import annotations

import re
import sys
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[2]

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
CODE_SPAN = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)", re.S)
# [text](target "title") and ![alt](target); the text may hold one level of brackets.
INLINE = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*(<[^>]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
REFERENCE_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)")
AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
HTML_LINK = re.compile(r"<(?:a|img)\b[^>]*?\b(?:href|src)\s*=\s*[\"']([^\"']+)[\"']", re.I)
HTML_ANCHOR = re.compile(r"<a\b[^>]*?\b(?:id|name)\s*=\s*[\"']([^\"']+)[\"']", re.I)
ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")


def prose_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) outside fenced code blocks."""
    out, fence = [], None
    for number, line in enumerate(text.splitlines(), 1):
        match = FENCE.match(line)
        if fence:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
            continue
        if match:
            fence = match.group(1)
            continue
        out.append((number, line))
    return out


def without_code_spans(line: str) -> str:
    return CODE_SPAN.sub(lambda match: " " * len(match.group(0)), line)


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: its rendered text in lower case, punctuation dropped, spaces to hyphens."""
    parts = []
    for index, part in enumerate(re.split(r"(`+[^`]*`+)", heading)):
        if index % 2:
            parts.append(part.strip("`"))
            continue
        part = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", part)  # links and images: their text
        part = re.sub(r"<[^>]+>", "", part)  # inline HTML
        part = re.sub(r"(?<!\w)_+|_+(?!\w)", "", part)  # _emphasis_, not snake_case
        parts.append(part)
    text = "".join(parts).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


@cache
def anchors(path: Path) -> frozenset[str]:
    found, seen = set(), {}
    lines = prose_lines(path.read_text(encoding="utf-8"))
    previous = (0, "")
    for number, line in lines:
        heading = None
        match = ATX.match(line)
        if match:
            heading = match.group(2) or ""
        elif SETEXT.match(line) and previous[0] == number - 1 and previous[1].strip() \
                and not previous[1].lstrip().startswith(("|", "-", "*", "+", ">")) and "|" not in previous[1]:
            heading = previous[1].strip()
        if heading is not None:
            base = slug(heading)
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
        found.update(HTML_ANCHOR.findall(line))
        previous = (number, line)
    return frozenset(found)


def links(path: Path) -> list[tuple[int, str]]:
    out = []
    for number, line in prose_lines(path.read_text(encoding="utf-8")):
        plain = without_code_spans(line)
        for match in INLINE.finditer(plain):
            out.append((number, match.group(1).strip("<>")))
        match = REFERENCE_DEF.match(plain)
        if match:
            out.append((number, match.group(1).strip("<>")))
        out += [(number, target) for target in AUTOLINK.findall(plain)]
        out += [(number, target) for target in HTML_LINK.findall(plain)]
    return out


def check_external(target: str) -> str | None:
    parts = urlsplit(target)
    if parts.scheme == "mailto":
        return None if "@" in parts.path else "mailto link without an address"
    if not parts.netloc or not re.fullmatch(r"[A-Za-z0-9.-]+(:\d+)?", parts.netloc) or "." not in parts.netloc:
        return "malformed URL (host)"
    if re.search(r"\s", target):
        return "malformed URL (white space)"
    return None


def check(source: Path, target: str) -> str | None:
    if not target:
        return "empty link"
    scheme = urlsplit(target).scheme
    if scheme in ("http", "https", "mailto"):
        return check_external(target)
    if scheme:
        return f"unsupported scheme {scheme}:"
    file_part, fragment = (target.split("#", 1) + [""])[:2]
    if file_part:
        base = ROOT if file_part.startswith("/") else source.parent
        resolved = (base / unquote(file_part.lstrip("/"))).resolve()
        if not resolved.is_relative_to(ROOT):
            return "points outside the repository"
        if not resolved.exists():
            return f"no such file: {resolved.relative_to(ROOT)}"
    else:
        resolved = source
    if fragment:
        if resolved.is_dir() or resolved.suffix.lower() != ".md":
            return f"anchor #{fragment} on a file that is not Markdown"
        if unquote(fragment).lower() not in anchors(resolved):
            return f"no heading for #{fragment} in {resolved.relative_to(ROOT)}"
    return None


def main(argv: list[str]) -> int:
    files = [Path(name).resolve() for name in argv] or \
        [ROOT / "README.md"] + sorted((ROOT / "docs").rglob("*.md"))
    broken, count = [], 0
    for path in files:
        for number, target in links(path):
            count += 1
            problem = check(path, target)
            if problem:
                broken.append(f"{path.relative_to(ROOT)}:{number}: {target}: {problem}")
    for line in broken:
        print(line)
    print(f"{count} links in {len(files)} files, {len(broken)} broken", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
