"""The pages' scripts (resilience/static/js, not vendor/) stay small and are all there: no
function over 80 lines, every script a template loads exists, and no inline script or
handler goes around the CSP (scripts come from the site, or carry the page's nonce).

No JavaScript tooling runs offline here, so a small scanner reads the scripts: it skips
comments, strings, template literals and regular expressions, matches the braces that are
left and takes a brace as a function's body when an arrow, a `function`, or a method's
parameter list comes before it. The module wrapper of each file (a top-level
`(function () { … }())`) is not a function in this sense.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "resilience" / "static" / "js"
STATIC = ROOT / "resilience" / "static"
TEMPLATES = ROOT / "templates"
MAX_FUNCTION_LINES = 80

# After these a "/" starts a regular expression, not a division.
REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^") | {"return", "typeof", "case", "else", "in", "of", "=>"}
NOT_FUNCTIONS = {"if", "for", "while", "switch", "catch", "with"}


@dataclass(frozen=True)
class Token:
    value: str
    line: int


def _skip_string(text: str, i: int, quote: str) -> int:
    """The index after the string literal that starts at text[i] (a quote)."""
    i += 1
    while text[i] != quote:
        i += 2 if text[i] == "\\" else 1
    return i + 1


def _skip_regex(text: str, i: int) -> int:
    i += 1
    in_class = False
    while in_class or text[i] != "/":
        if text[i] == "\\":
            i += 1
        elif text[i] == "[":
            in_class = True
        elif text[i] == "]":
            in_class = False
        i += 1
    i += 1
    while i < len(text) and text[i].isalpha():  # flags
        i += 1
    return i


def tokens(text: str) -> list[Token]:
    """The code's identifiers and punctuation with their lines; strings, regular expressions
    and template literals' text become one "'" token each, `${` and its `}` none."""
    out: list[Token] = []
    stack: list[str] = []  # "{" a brace, "${" a template literal's expression
    i, line = 0, 1
    in_template = False
    while i < len(text):
        c = text[i]
        if in_template:
            if c == "\\":
                i += 2
                continue
            if c == "`":
                in_template = False
                out.append(Token("'", line))
            elif text.startswith("${", i):
                stack.append("${")
                in_template = False
                i += 2
                continue
            line += c == "\n"
            i += 1
            continue
        if c == "\n":
            line += 1
            i += 1
        elif c.isspace():
            i += 1
        elif text.startswith("//", i):
            i = text.index("\n", i)
        elif text.startswith("/*", i):
            end = text.index("*/", i) + 2
            line += text.count("\n", i, end)
            i = end
        elif c in "'\"":
            i = _skip_string(text, i, c)
            out.append(Token("'", line))
        elif c == "`":
            in_template = True
            i += 1
        elif c == "/" and (not out or out[-1].value in REGEX_AFTER):
            i = _skip_regex(text, i)
            out.append(Token("'", line))
        elif c.isalnum() or c in "_$":
            m = re.compile(r"[\w$]+").match(text, i)
            assert m is not None
            out.append(Token(m.group(), line))
            i = m.end()
        elif text.startswith("=>", i):
            out.append(Token("=>", line))
            i += 2
        elif c == "{":
            stack.append("{")
            out.append(Token("{", line))
            i += 1
        elif c == "}":
            if stack.pop() == "${":
                in_template = True
            else:
                out.append(Token("}", line))
            i += 1
        else:
            out.append(Token(c, line))
            i += 1
    return out


def _opening_paren(toks: list[Token], close: int) -> int:
    depth = 0
    for j in range(close, -1, -1):
        depth += {")": 1, "(": -1}.get(toks[j].value, 0)
        if depth == 0:
            return j
    raise ValueError("unbalanced parentheses")


def _function_head(toks: list[Token], brace: int) -> int | None:
    """The index of the token a function starts with, when toks[brace] opens its body."""
    before = toks[brace - 1] if brace else None
    if before is None:
        return None
    if before.value == "=>":
        return brace - 1
    if before.value != ")":
        return None
    paren = _opening_paren(toks, brace - 1)
    name = toks[paren - 1].value if paren else ""
    if not re.fullmatch(r"[\w$]+", name) or name in NOT_FUNCTIONS:
        return None
    if name != "function" and paren >= 2 and toks[paren - 2].value == "function":
        return paren - 2  # function name(…) {
    return paren - 1  # function (…) {, or a method: name(…) {


def functions(text: str) -> list[tuple[int, int, int]]:
    """(first line, last line, lines) of every function but the files' module wrappers."""
    toks = tokens(text)
    found = []
    open_braces: list[int | None] = []  # per open brace: its function's head, or None
    for k, tok in enumerate(toks):
        if tok.value == "{":
            open_braces.append(_function_head(toks, k))
        elif tok.value == "}":
            head = open_braces.pop()
            if head is None:
                continue
            wrapper = not open_braces and head > 0 and toks[head - 1].value == "("
            if not wrapper:
                first = toks[head].line
                found.append((first, tok.line, tok.line - first + 1))
    assert not open_braces, "unbalanced braces"
    return found


def our_scripts() -> list[Path]:
    return sorted(SCRIPTS.glob("*.js"))


def test_the_scanner_finds_functions_and_skips_wrappers() -> None:
    source = """(function () {
      'use strict';
      const re = /[{"'`]/g;  // a brace in a regex: {
      function a(x) {
        if (x) { return `${x}{`; }
        return { b() { return 1; }, c: (y) => { return y; } };
      }
      window.A = { a };
    }());"""
    found = functions(source)
    assert sorted(found) == [(4, 7, 4), (6, 6, 1), (6, 6, 1)]


@pytest.mark.parametrize("path", our_scripts(), ids=lambda p: p.name)
def test_no_function_is_over_80_lines(path: Path) -> None:
    long = [
        f"{path.name}:{first}-{last} ({lines} lines)"
        for first, last, lines in functions(path.read_text(encoding="utf-8"))
        if lines > MAX_FUNCTION_LINES
    ]
    assert not long, "split these functions: " + ", ".join(long)


STATIC_URL = re.compile(r"""url_for\(\s*['"]static['"]\s*,\s*filename\s*=\s*['"]([^'"]+)['"]""")
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def test_every_static_file_a_template_or_map_names_exists() -> None:
    sources = [*templates(), *(ROOT / "resilience" / "web").rglob("*.py")]
    missing = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sources
        for name in STATIC_URL.findall(path.read_text(encoding="utf-8"))
        if not (STATIC / name).is_file()
    ]
    assert not missing


def test_every_template_script_is_a_file_or_carries_the_nonce() -> None:
    wrong = []
    for path in templates():
        text = path.read_text(encoding="utf-8")
        for attributes in SCRIPT_TAG.findall(text):
            allowed = (
                "src=" in attributes
                or "csp_nonce()" in attributes
                or 'type="application/json"' in attributes
            )
            if not allowed:
                wrong.append(f"{path.relative_to(ROOT)}: <script{attributes}>")
        if INLINE_HANDLER.search(text):
            wrong.append(f"{path.relative_to(ROOT)}: an inline on…= handler")
    assert not wrong


def test_every_script_is_loaded_somewhere() -> None:
    """A script no page loads is dead code, or a page lost its module."""
    sources = [*templates(), *(ROOT / "resilience" / "web").rglob("*.py")]
    named = {n for p in sources for n in STATIC_URL.findall(p.read_text(encoding="utf-8"))}
    unused = [p.name for p in our_scripts() if f"js/{p.name}" not in named]
    assert not unused
