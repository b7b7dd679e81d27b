"""HTML to PDF with headless Chromium's print-to-PDF (Debian's chromium, which
scripts/setup.sh installs for runtime too): the page is laid out by a real browser engine,
A4 as its @page rule says.

The HTML must be self-contained (inline CSS and SVG): Chromium reads it from a temporary
file, and with --disable-background-networking and a fresh profile it reaches nothing
else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from resilience.errors import DomainError

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
TIMEOUT_S = 60
# Without the background-networking flags Chromium tries to reach Google's hosts at every
# start, which this machine's closed network refuses.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-pdf-header-footer",
)


class PdfUnavailable(DomainError):
    status, code = 503, "pdf_unavailable"


def chromium() -> str:
    """The Chromium binary, or PdfUnavailable when it is not installed."""
    found = shutil.which(CHROMIUM) or shutil.which("chromium")
    if found is None:
        raise PdfUnavailable(f"Chromium is not installed ({CHROMIUM}); run scripts/setup.sh")
    return found


def html_to_pdf(html: str) -> bytes:
    """The PDF of a self-contained HTML page."""
    binary = chromium()
    with tempfile.TemporaryDirectory(prefix="report-pdf-") as tmp:
        folder = Path(tmp)
        page = folder / "report.html"
        page.write_text(html, encoding="utf-8")
        target = folder / "report.pdf"
        command = [
            binary,
            *FLAGS,
            f"--user-data-dir={folder / 'profile'}",
            f"--print-to-pdf={target}",
            page.as_uri(),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, timeout=TIMEOUT_S, check=False, cwd=folder
            )
        except subprocess.TimeoutExpired as exc:
            raise PdfUnavailable(f"Chromium took more than {TIMEOUT_S} s for the PDF") from exc
        if not target.exists() or target.stat().st_size == 0:
            tail = done.stderr.decode(errors="replace")[-500:]
            raise PdfUnavailable(f"Chromium made no PDF (exit {done.returncode}): {tail}")
        return target.read_bytes()
