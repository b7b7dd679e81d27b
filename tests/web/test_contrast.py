"""Grey text (secondary numbers, notes, baselines) in every stylesheet reads at WCAG's 4.5:1
or more against its rule's background, white when the rule sets none."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = sorted((Path(__file__).parents[2] / "resilience" / "static" / "css").glob("*.css"))
RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
COLOR = re.compile(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?)\b")
BACKGROUND = re.compile(r"background(?:-color)?:\s*(#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?)\b")


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    h = "".join(c * 2 for c in h) if len(h) == 3 else h
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _luminance(hex_colour: str) -> float:
    def linear(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: str, background: str) -> float:
    light, dark = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_by_hand() -> None:
    """WCAG 2 relative luminance, checked against known pairs."""
    assert contrast("#000", "#fff") == pytest.approx(21.0)
    assert contrast("#777", "#fff") == pytest.approx(4.48, abs=0.01)  # fails 4.5: was used
    assert contrast("#999", "#fff") == pytest.approx(2.85, abs=0.01)  # fails: was used
    assert contrast("#666", "#fff") == pytest.approx(5.74, abs=0.01)  # what replaced them


def _grey_text() -> list[tuple[str, str, str, str]]:
    found = []
    for path in CSS:
        for selector, body in RULE.findall(path.read_text()):
            colour = COLOR.search(body)
            if colour is None:
                continue
            r, g, b = _rgb(colour.group(1))
            if not (r == g == b) or r == 255:  # greys only; white text sits on dark bars
                continue
            background = BACKGROUND.search(body)
            found.append(
                (
                    path.name,
                    selector.strip(),
                    colour.group(1),
                    background.group(1) if background else "#fff",
                )
            )
    return found


def test_grey_text_reads_at_4_5_to_1() -> None:
    greys = _grey_text()
    assert len(greys) > 10  # the stylesheets were read
    low = [(f, s, c, b, round(contrast(c, b), 2)) for f, s, c, b in greys if contrast(c, b) < 4.5]
    assert low == []
