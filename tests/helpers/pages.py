"""Reading the HTML pages back in tests."""

from __future__ import annotations

from html.parser import HTMLParser


class _TableCells(HTMLParser):
    """The cells of a table by row (data-code) and column (data-metric), as text."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id, self.inside, self.row, self.metric = table_id, False, None, None
        self.cells: dict[str, dict[str, str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and a.get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tr" and a.get("data-code") is not None:
            self.row = a["data-code"]
            self.cells[self.row] = {}  # type: ignore[index]
        elif self.inside and self.row is not None and tag == "td" and a.get("data-metric"):
            self.metric = a["data-metric"]
            self.cells[self.row][self.metric] = ""  # type: ignore[index]

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False
        elif tag == "td":
            self.metric = None
        elif tag == "tr":
            self.row = None

    def handle_data(self, data: str) -> None:
        if self.metric is not None and self.row is not None:
            self.cells[self.row][self.metric] += data.strip()


def table_cells(html: str, table_id: str) -> dict[str, dict[str, str]]:
    parser = _TableCells(table_id)
    parser.feed(html)
    return parser.cells
