"""Rows written in bulk with PostgreSQL's COPY, from NumPy columns: a table's rows (in
binary when every column's type allows it, else as text formatted column-wise), and one row
whose fields are whole arrays (a run's cells, services/run_results.py). NumPy lays out the
bytes; nothing is formatted per value. The columns' types come from the models."""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from sqlalchemy import BigInteger, Boolean, Float, Integer, SmallInteger, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, BIT, BYTEA
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from resilience.analysis.model import is_none
from resilience.models import Base

_NULL = "\\N"  # COPY's text-format null


def _text_column(values: np.ndarray) -> list[str]:
    """A column as COPY text: NaN/±inf/None → null, bools t/f, floats as their shortest
    exact repr. Python's repr of a list's floats is twice as fast as NumPy's astype(str),
    and joining lists of str several times faster than joining NumPy's str scalars."""
    if values.ndim == 2:
        return _array_literals(values)
    if values.dtype == np.bool_:
        return np.where(values, "t", "f").tolist()
    if values.dtype.kind == "f":
        texts = list(map(repr, values.tolist()))
        for row in np.flatnonzero(~np.isfinite(values)).tolist():
            texts[row] = _NULL
        return texts
    if values.dtype == object:
        texts = list(map(str, values.tolist()))
        for row in np.flatnonzero(is_none(values)).tolist():
            texts[row] = _NULL
        return texts
    return list(map(str, values.tolist()))


_COPY_ROWS = 25_000  # rows per piece: PostgreSQL stores one while the next is formatted
_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, no extension
_BINARY_TRAILER = b"\xff\xff"


def copy_rows(session: Session, sql: str, columns: list[np.ndarray]) -> None:
    """COPY a table's rows from columns, sent in pieces of _COPY_ROWS rows, so the server
    stores a piece while the next is made. In binary when every column's type allows it
    (the cells' and the timeline's tables: NumPy lays out the bytes, nothing is formatted
    per value), else as text formatted column-wise. Row-wise writes cost seconds for the
    250,000 cells of a Sweden-sized run."""
    if not columns or columns[0].size == 0:
        return
    kinds = _binary_kinds(session, sql, columns)
    conn = session.connection().connection.driver_connection
    assert conn is not None  # an open connection has its psycopg connection
    statement = sql if kinds is None else f"{sql} (FORMAT binary)"
    with conn.cursor() as cur, cur.copy(statement) as copy:
        if kinds is not None:
            copy.write(_BINARY_HEADER)
        for start in range(0, columns[0].size, _COPY_ROWS):
            piece = [c[start : start + _COPY_ROWS] for c in columns]
            if kinds is not None:
                copy.write(_binary_rows(piece, kinds))
                continue
            texts = [_text_column(c) for c in piece]
            copy.write("\n".join(map("\t".join, zip(*texts, strict=True))) + "\n")
        if kinds is not None:
            copy.write(_BINARY_TRAILER)


def _binary_kinds(session: Session, sql: str, columns: list[np.ndarray]) -> list[str] | None:
    """How each column is written in binary, or None when one cannot be (then: text)."""
    match = _COPY_SQL.match(sql)
    if match is None:
        return None
    types = _types(match[1])
    names = [name.strip() for name in match[2].split(",")]
    if len(names) != len(columns):
        return None
    kinds = []
    for name, values in zip(names, columns, strict=True):
        kind = _kind(types.get(name, ""))
        fits = {
            None: False,
            "double precision": values.dtype.kind in "fiu",
            "double precision[]": values.ndim == 2 and values.dtype.kind == "f",
            "boolean": values.dtype == np.bool_,
            "text": values.dtype == object,
            "bit varying": values.dtype == object,
        }.get(kind, values.dtype.kind in "iuf")  # whole numbers; a float's NaN: null
        if not fits or kind is None:
            return None
        kinds.append(kind)
    return kinds


# --- binary COPY: the columns' bytes laid out by NumPy, no text formatting per value ------

_FIXED = {"integer": ">i4", "bigint": ">i8", "smallint": ">i2", "double precision": ">f8"}
_COPY_SQL = re.compile(r"COPY (\w+) \(([^)]*)\) FROM STDIN$")


def _types(table: str) -> dict[str, str]:
    """PostgreSQL's name of each column's type (format_type's, without lengths), from the
    models, which mirror the migrations: no catalogue query in each new work horse."""
    return {c.name: _pgtype(c.type) for c in Base.metadata.tables[table].columns}


def _pgtype(type_: TypeEngine[Any]) -> str:
    if isinstance(type_, ARRAY):
        return _pgtype(type_.item_type) + "[]"
    if isinstance(type_, BIT):
        return "bit varying" if type_.varying else "bit"
    for python_type, name in (
        (BigInteger, "bigint"),
        (SmallInteger, "smallint"),
        (Integer, "integer"),
        (Float, "double precision"),
        (Boolean, "boolean"),
        (Text, "text"),
        (String, "character varying"),
    ):
        if isinstance(type_, python_type):
            return name
    if isinstance(type_, BYTEA):
        return "bytea"
    return type(type_).__name__  # not written in binary


_VARIABLE = ("boolean", "bit varying", "text", "bytea", "double precision[]")


def _kind(pgtype: str) -> str | None:
    """How a column of this type is written in binary (None: not supported here)."""
    if pgtype in _FIXED or pgtype in _VARIABLE:
        return pgtype
    if pgtype.startswith("character varying"):
        return "text"
    return None


def _field(values: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """(per row the field's size with its 4-byte length, the fields' bytes one after
    another); a null is a length of -1 and no bytes."""
    n = values.shape[0]
    if kind == "double precision[]":
        return _float_lists(values)
    if kind in _FIXED or kind == "boolean":
        null = None
        if values.dtype.kind == "f":
            null = ~np.isfinite(values)  # NaN and ±inf: null, as in text
            if kind not in ("double precision", "boolean"):
                values = np.where(null, 0, values)  # no cast of NaN to an integer
        return _fixed_fields(values, _FIXED.get(kind, "u1"), null)
    # Each distinct value made once (a column of codes, statuses or a run's intervals has
    # a few), then every value looked up by map in C: no Python loop over the rows.
    items = values.tolist()
    distinct = dict.fromkeys(items)
    lengths = {len(v) for v in distinct if isinstance(v, str)}
    if kind == "text" and values.dtype == object and len(lengths) == 1:  # codes
        codes = _same_length_ascii(values)
        if codes is not None:
            return _fixed_fields(*codes)
    made: dict[Any, bytes] = {}
    for value in distinct:
        if value is None:
            made[value] = b"\xff\xff\xff\xff"
            continue
        if kind == "bit varying":
            bits = np.frombuffer(str(value).encode(), np.uint8) == ord("1")
            payload = struct.pack(">i", bits.size) + bytes(np.packbits(bits))
        elif kind == "bytea":
            payload = bytes(value)
        else:
            payload = str(value).encode()
        made[value] = struct.pack(">i", len(payload)) + payload
    if len(made) > n // 8:  # mostly distinct: joined as they come
        pieces = list(map(made.__getitem__, items))
        sizes = np.fromiter(map(len, pieces), np.int64, n)
        return sizes, np.frombuffer(b"".join(pieces), np.uint8)
    # A few: each row's number among them, then their bytes gathered by NumPy.
    number = {value: i for i, value in enumerate(made)}
    which = np.fromiter(map(number.__getitem__, items), np.intp, n)
    return _gathered(list(made.values()), which)


def _gathered(pieces: list[bytes], which: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """_field of the rows `pieces[which[i]]` (each piece a field with its length)."""
    piece_sizes = np.fromiter(map(len, pieces), np.int64, len(pieces))
    piece_starts = np.cumsum(piece_sizes) - piece_sizes
    sizes = piece_sizes[which]
    starts = np.cumsum(sizes) - sizes
    source = np.repeat(piece_starts[which] - starts, sizes) + np.arange(int(sizes.sum()))
    return sizes, np.frombuffer(b"".join(pieces), np.uint8)[source]


def _fixed_fields(
    values: np.ndarray, dtype: str, null: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """_field of values of one width: each its 4-byte length and its bytes as `dtype` (a
    big-endian NumPy type), or a length of -1 and no bytes where `null`. A structured
    array lays out a column in one pass."""
    n = values.shape[0]
    width = np.dtype(dtype).itemsize
    out = np.empty(n, dtype=[("size", ">i4"), ("value", dtype)])
    out["size"] = width
    out["value"] = values
    if null is None or not null.any():
        return np.full(n, 4 + width, dtype=np.int64), out.view(np.uint8)
    out["size"][null] = -1
    keep = np.ones((n, 4 + width), dtype=bool)
    keep[null, 4:] = False
    return np.where(null, 4, 4 + width), out.view(np.uint8).reshape(n, 4 + width)[keep]


def _same_length_ascii(values: np.ndarray) -> tuple[np.ndarray, str, np.ndarray] | None:
    """(the values as NumPy bytes, their dtype, where null) when every value that is not
    None is an ASCII str of one length (codes: municipalities, statuses), else None."""
    null = is_none(values)
    first = next((v for v in values[:64].tolist() if v is not None), None)
    if not isinstance(first, str) or not first:
        return None
    width = len(first)
    try:  # one byte more than the first: a longer value shows as a non-zero last byte
        codes = np.where(null, first, values).astype(f"S{width + 1}")
    except (UnicodeEncodeError, TypeError, ValueError):
        return None
    matrix = codes.view(np.uint8).reshape(-1, width + 1)
    if matrix[:, width].any() or not matrix[:, width - 1].all():
        return None  # a value of another length
    return codes.astype(f"S{width}"), f"S{width}", null


def _binary_rows(columns: list[np.ndarray], kinds: list[str]) -> bytes:
    """The rows of a binary COPY (without its header and trailer)."""
    fields = [_field(c, k) for c, k in zip(columns, kinds, strict=True)]
    row_sizes = np.full(columns[0].size, 2, dtype=np.int64)
    for sizes, _ in fields:
        row_sizes += sizes
    row_start = np.concatenate(([0], np.cumsum(row_sizes)[:-1]))
    out = np.empty(int(row_sizes.sum()), dtype=np.uint8)
    count = np.frombuffer(struct.pack(">h", len(columns)), np.uint8)
    out[row_start] = count[0]
    out[row_start + 1] = count[1]
    at = row_start + 2
    for sizes, data in fields:
        source_start = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        out[np.repeat(at - source_start, sizes) + np.arange(data.size)] = data
        at = at + sizes
    return out.tobytes()


def _array_literals(lists: np.ndarray) -> list[str]:
    """Rows of a (rows, k) float matrix as PostgreSQL float8[] literals "{a1,b1}", its NaNs
    left out ("{}" when none); repr keeps every float exact."""
    return [
        "{" + ",".join(repr(v) for v in row if v == v) + "}"  # v != v: NaN
        for row in lists.tolist()
    ]


def float_array_texts(lists: np.ndarray) -> np.ndarray:
    """Rows of a (rows, k) float matrix as the text of PostgreSQL float8[]s (an object
    array of str), its NaNs left out ("{}" when none): for an array of such arrays, which
    PostgreSQL cannot hold but as text. Each distinct row is formatted once (a run's sites
    share a few outage windows)."""
    texts = np.full(lists.shape[0], "{}", dtype=object)
    nan = np.isnan(lists)
    some = np.flatnonzero(~nan.all(axis=1))  # most rows are empty: none sorted below
    if not some.size:
        return texts
    rows = np.ascontiguousarray(np.where(nan, np.nan, lists)[some])  # one NaN pattern
    keys = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()
    _unique, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    texts[some] = np.asarray(_array_literals(rows[first]), dtype=object)[inverse.ravel()]
    return texts


def _float_lists(lists: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """_field of a float8[] column: per row a one-dimensional array of the row's values of a
    (rows, k) float matrix, its NaNs left out (an empty array when none)."""
    n, k = lists.shape
    present = ~np.isnan(lists)
    counts = present.sum(axis=1)
    head = np.empty((n, 24), dtype=np.uint8)  # the field's length, then the array's header
    head[:, :4] = (20 + 12 * counts).astype(">i4").view(np.uint8).reshape(n, 4)
    head[:, 4:16] = np.frombuffer(
        struct.pack(">iii", 1, 0, _ELEMENT_OIDS["double precision"]), np.uint8
    )
    head[:, 16:20] = counts.astype(">i4").view(np.uint8).reshape(n, 4)
    head[:, 20:24] = np.frombuffer(struct.pack(">i", 1), np.uint8)
    elements = np.empty((n, k, 12), dtype=np.uint8)
    elements[:, :, :4] = np.frombuffer(struct.pack(">i", 8), np.uint8)
    elements[:, :, 4:] = np.where(present, lists, 0.0).astype(">f8").view(np.uint8).reshape(n, k, 8)
    rows = np.concatenate([head, elements.reshape(n, 12 * k)], axis=1)
    keep = np.concatenate([np.ones((n, 24), dtype=bool), np.repeat(present, 12, axis=1)], axis=1)
    return 24 + 12 * counts.astype(np.int64), rows[keep]


# --- one row of arrays in binary COPY: the elements' bytes laid out by NumPy --------------

# PostgreSQL's OIDs of the element types (fixed in its catalogue), which an array's binary
# form names.
_ELEMENT_OIDS = {
    "bigint": 20,
    "smallint": 21,
    "integer": 23,
    "double precision": 701,
    "boolean": 16,
    "text": 25,
    "character varying": 1043,
    "bit varying": 1562,
    "bytea": 17,
}


def _array(elements: bytes | np.ndarray, count: int, oid: int, has_null: bool) -> bytes:
    """A one-dimensional array's binary form, its elements already laid out (each with its
    4-byte length, -1 for a null)."""
    header = struct.pack(">iiiii", 1, int(has_null), oid, count, 1)
    return header + (elements if isinstance(elements, bytes) else elements.tobytes())


def _array_of(values: np.ndarray, pgtype: str) -> bytes:
    """A column's values as the binary form of a PostgreSQL array of `pgtype`."""
    kind = _kind(pgtype)
    if kind is None or kind == "bit varying":
        raise TypeError(f"no binary array of {pgtype}")
    _sizes, data = _field(values, kind)
    if values.dtype.kind == "f":
        nulls = bool((~np.isfinite(values)).any())
    else:
        nulls = values.dtype == object and bool(is_none(values).any())
    oid = _ELEMENT_OIDS[pgtype.split("(")[0]]
    return _array(data, values.size, oid, nulls)


def bit_string_array(bits: np.ndarray, present: np.ndarray) -> bytes:
    """Bit strings as the binary form of a bit varying[] of `present.size` elements: the
    present elements' strings are the rows of `bits`, a (present elements, k) bool matrix
    (bit j: bits[i, j]), the others null. Every string has the same length, so the
    elements are laid out as one fixed-width matrix."""
    n, count = present.size, bits.shape[1]
    packed = np.packbits(bits, axis=1) if count else np.zeros((bits.shape[0], 0), np.uint8)
    width = 4 + packed.shape[1]  # the bit count, then the bytes
    # Every element a null (length -1: four 0xff bytes), then the present ones (a few
    # percent of a run's cells) written over at their offsets.
    sizes = np.where(present, 4 + width, 4)
    starts = np.cumsum(sizes) - sizes
    out = np.full(int(sizes.sum()), 255, dtype=np.uint8)
    elements = np.empty((packed.shape[0], 4 + width), dtype=np.uint8)
    elements[:, :4] = np.frombuffer(struct.pack(">i", width), np.uint8)
    elements[:, 4:8] = np.frombuffer(struct.pack(">i", count), np.uint8)
    elements[:, 8:] = packed
    out[starts[present][:, None] + np.arange(4 + width)] = elements
    return _array(out, n, _ELEMENT_OIDS["bit varying"], not present.all())


def copy_row_of_arrays(
    session: Session, table: str, fields: Mapping[str, np.ndarray | Callable[[], bytes]]
) -> None:
    """COPY one row into `table` whose fields are NumPy columns (written as arrays when the
    table's column is one, else as the first value, e.g. the run's id) or functions that
    make a field's binary form. Each field is sent as soon as it is made, so the server
    reads one array while the next is laid out."""
    types = _types(table)
    conn = session.connection().connection.driver_connection
    assert conn is not None  # an open connection has its psycopg connection
    statement = f"COPY {table} ({', '.join(fields)}) FROM STDIN (FORMAT binary)"
    with conn.cursor() as cur, cur.copy(statement) as copy:
        copy.write(_BINARY_HEADER + struct.pack(">h", len(fields)))
        for name, values in fields.items():
            pgtype = types[name]
            if not isinstance(values, np.ndarray):
                payload = values()
            elif pgtype.endswith("[]"):
                payload = _array_of(values, pgtype[:-2])
            else:
                kind = _kind(pgtype)
                assert kind is not None and values.size == 1
                payload = _field(values, kind)[1].tobytes()[4:]
            copy.write(struct.pack(">i", len(payload)))
            copy.write(payload)
        copy.write(_BINARY_TRAILER)
