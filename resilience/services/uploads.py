"""Planners' uploads of site registers (issue #5): check, report, confirm.

Unlike the command-line importer, which refuses a file with any error, an upload is checked
row by row: good rows are accepted, bad ones refused with every reason, and the report
says which accepted rows would be inserted, updated or left unchanged. The checked records
wait in the table `uploads` (readable by their uploader only, for UPLOAD_TTL) until the
uploader confirms; then the accepted rows that change anything are written in one
transaction by imports.import_sites, recorded in data_imports and the audit log, together
with the upload's confirmed report. No site is touched before the confirmation, and
confirming the same data twice changes nothing.

A user with a municipality (not an admin) uploads for that municipality only: a row whose
point lies elsewhere, by the importer's rule (ST_Covers of the stored boundary, lowest
code), or that would change a site stored elsewhere, is refused. Admins and users without a
municipality upload county-wide.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from geodata.loaders import read_sites
from geodata.loaders.fields import FieldError, storable
from geodata.loaders.sites import CodeLabels
from geodata.loaders.sources import content_digest
from geodata.records import ImportValidationError, RecordError, SiteRecord
from resilience.db import advisory_xact_lock
from resilience.errors import BadInput, Conflict, DomainError, NotFound
from resilience.models import Upload
from resilience.services import audit, imports
from resilience.services.lookup import municipality_name, municipality_names
from resilience.services.upload_checks import Plan, plan_records, stored_sites
from resilience.vocabulary import CATEGORY, KINDS

UPLOAD_TTL = timedelta(hours=2)
ACTIONS = ("insert", "update", "unchanged")
_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")


class InvalidFile(DomainError):
    """The file as a whole cannot be read (format, missing column, CRS): no report."""

    status, code = 422, "invalid_file"


@dataclass(frozen=True)
class Uploader:
    """Who uploads; `municipality` None means the whole county."""

    id: int
    name: str
    role: str
    municipality: str | None = None

    @property
    def scope(self) -> str | None:
        """The municipality this user's rows must lie in; None: anywhere."""
        return None if self.role == "admin" else self.municipality


# --- where pending uploads wait ---------------------------------------------------------------
#
# A row of `uploads` per upload, so any web process (on any host) can show and confirm an
# upload another one checked. Expired rows are treated as absent and deleted whenever a new
# upload is saved (and by the scheduler's purge).


def _save(session: Session, doc: dict[str, Any]) -> None:
    row = session.get(Upload, doc["id"])
    if row is None:
        row = Upload(
            id=doc["id"],
            user_id=doc["user_id"],
            created_at=datetime.fromisoformat(doc["created_at"]),
            expires_at=datetime.fromisoformat(doc["expires_at"]),
        )
        session.add(row)
    row.status, row.document = doc["status"], doc
    flag_modified(row, "document")  # nested lists of the report change in place
    session.flush()


def _load(session: Session, upload_id: str, now: datetime | None = None) -> dict[str, Any] | None:
    """The upload, or None when unknown or expired."""
    if not _ID.fullmatch(upload_id):
        return None
    row = session.get(Upload, upload_id, populate_existing=True)
    if row is None or row.expires_at <= (now or datetime.now(UTC)):
        return None
    return dict(row.document)


def purge_expired(session: Session, now: datetime | None = None) -> int:
    """Delete the uploads past their time, in the caller's transaction."""
    expired = delete(Upload).where(Upload.expires_at <= (now or datetime.now(UTC)))
    return len(session.execute(expired.returning(Upload.id)).all())


# --- the use-cases ----------------------------------------------------------------------------


def _order(where: str) -> tuple[int, str]:
    """File order of "feature 12", "line 7", "layer x feature 3": by the trailing number."""
    tail = where.rsplit(" ", 1)[-1]
    return (int(tail) if tail.isdigit() else -1, where)


def _refused_rows(errors: Sequence[RecordError]) -> list[dict[str, Any]]:
    """Errors grouped by row, rows in file order, each row's reasons in the order found."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for e in errors:
        rows.setdefault(e.where, []).append(
            {"field": e.field, "message": e.message, "code": e.code, "params": e.params}
        )
    return [
        {"where": where, "reasons": rows[where]}
        for where in sorted(rows, key=_order)  # sorted() is stable: ties keep their order
    ]


def scope_label(session: Session, uploader: Uploader) -> str | None:
    """ "Åbacka (2401)" for a user limited to a municipality; None for a county-wide one."""
    if uploader.scope is None:
        return None
    name = municipality_name(session, uploader.scope)
    return f"{name} ({uploader.scope})" if name else uploader.scope


def _report(
    doc: dict[str, Any],
    records: Sequence[SiteRecord],
    wheres: Sequence[str],
    plan: Plan,
    file_refused: Sequence[RecordError],
) -> None:
    """Fill the report parts of `doc` from the records and the plan."""
    accepted = []
    for i, record in enumerate(records):
        action = plan.actions[i]
        if action is None:
            continue
        accepted.append(
            {
                "where": wheres[i],
                "source": record.source or doc["source"],
                "source_id": record.source_id,
                "name": record.name,
                "category": record.category,
                "kind": record.kind,
                "municipality": plan.municipalities[i],
                "action": action,
                "site_id": plan.site_ids[i],
            }
        )
    refused = _refused_rows([*file_refused, *plan.refusals])
    counts = {action: sum(1 for a in accepted if a["action"] == action) for action in ACTIONS}
    doc["accepted"] = accepted
    doc["refused"] = refused
    doc["counts"] = {
        "rows": len(accepted) + len(refused) + len(doc["skipped"]),
        "accepted": len(accepted),
        "refused": len(refused),
        "skipped": len(doc["skipped"]),
        **counts,
    }


def _same_content(doc: dict[str, Any], same: imports.EarlierImport) -> None:
    """Say that the file's content was imported before, when, by whom, and how many of its
    rows would still be new sites (none, unless another source was given)."""
    params = {
        "filename": same.filename or same.source,
        "imported_at": same.created_at.isoformat(),
        "user": same.user_name or "",
        "source": same.source,
        "new": doc["counts"]["insert"],
    }
    doc["same_content"] = params
    doc["notes"].insert(
        0,
        f"same content as {params['filename']!r}, imported {params['imported_at']}"
        f" by {params['user'] or 'unknown'}: {params['new']} new site(s)",
    )
    doc["notes_coded"].insert(0, {"code": "same_content", "params": params})


def public(doc: dict[str, Any]) -> dict[str, Any]:
    """The report as users see it: everything but the stored records."""
    return {k: v for k, v in doc.items() if k not in ("records", "wheres", "user_id")}


def check_upload(
    session: Session,
    uploader: Uploader,
    data: bytes,
    filename: str,
    *,
    source: str | None = None,
    crs: str | None = None,
    profile: str | None = None,
    layer: str | None = None,
    max_bytes: int,
    labels: CodeLabels | None = None,
) -> dict[str, Any]:
    """Check a file row by row and keep it for confirmation (committed, so that any web
    process can confirm it); returns the stored report. Raises InvalidFile when the file as
    a whole is unusable. Writes no site. `labels`: the display names a row may give instead
    of a category's or kind's code (read_sites)."""
    digest = content_digest(data)
    same = imports.earlier_import(session, "sites", digest)
    given = (source or "").strip()
    # The same content under another file name is the same register: the same source, so
    # its rows are the stored sites again (unchanged), not new ones; unless a source is given.
    source = given or (same.source if same else "") or Path(filename).stem.strip() or "upload"
    for name, value in (("filename", filename), ("source", source)):
        try:
            storable(value)
        except FieldError as exc:
            raise BadInput(f"{name}: {exc}") from None
    try:
        result = read_sites(
            data,
            crs=crs or None,
            profile=profile or None,
            layer=layer or None,
            max_bytes=max_bytes,
            per_row=True,
            stored_plants=imports.stored_plants(session),
            filename=filename,
            labels=labels,
        )
    except ImportValidationError as err:
        details = [dataclasses.asdict(e) for e in err.errors]
        first = err.errors[0] if err.errors else None
        raise InvalidFile(
            f"the file cannot be imported: {first}" if first else "the file cannot be imported",
            details=details,
        ) from err
    scope = uploader.scope
    plan = plan_records(session, result.records, result.wheres, source, scope)
    names = municipality_names(session)
    now = datetime.now(UTC)
    notes = list(result.notes)
    outside = sum(1 for a, c in zip(plan.actions, plan.municipalities, strict=True) if a and not c)
    # notes_coded[i]: the id and parameters of notes[i] when the web layer can translate it.
    notes_coded: list[dict[str, Any] | None] = [None] * len(notes)
    if outside:
        notes.append(f"{outside} accepted row(s) lie in no municipality of the county")
        notes_coded.append({"code": "rows_outside_county", "params": {"num": outside}})
    doc: dict[str, Any] = {
        "id": secrets.token_urlsafe(18),
        "status": "pending",
        "user": uploader.name,
        "user_id": uploader.id,
        "filename": filename,
        "source": source,
        "format": result.format,
        "crs": f"EPSG:{result.crs}",
        "crs_given": bool(crs),
        "profile": profile or None,
        "municipality": scope,
        "municipality_name": names.get(scope) if scope else None,
        "created_at": now.isoformat(),
        "expires_at": (now + UPLOAD_TTL).isoformat(),
        "skipped": [dataclasses.asdict(e) for e in result.skipped],
        "notes": notes,
        "notes_coded": notes_coded,
        "result": None,
        "digest": digest,
        "same_content": None,
        "records": [dataclasses.asdict(r) for r in result.records],
        "wheres": result.wheres,
    }
    _report(doc, result.records, result.wheres, plan, result.refused)
    if same is not None:
        _same_content(doc, same)
    purge_expired(session, now)
    _save(session, doc)
    session.commit()
    return doc


def template_csv(category: str) -> str:
    """A file to start from for one category: the columns it uses (resilience.vocabulary)
    and one row per allowed kind, to be filled in (lon, lat in WGS 84, or x, y with a CRS).
    Raises NotFound for an unknown category."""
    if category not in CATEGORY:
        raise NotFound(f"no category {category!r}; known: {', '.join(CATEGORY)}")
    header = ["source_id", "name", "category", "kind", "lon", "lat", *CATEGORY[category].fields]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for kind in KINDS[category]:
        writer.writerow(["", "", category, kind, "", "", *("" for _ in CATEGORY[category].fields)])
    return "\ufeff" + out.getvalue()  # a byte order mark: Excel reads å, ä, ö as UTF-8


def get_upload(session: Session, uploader: Uploader, upload_id: str) -> dict[str, Any]:
    """The uploader's own upload; anyone else's, an expired or unknown one is not found."""
    doc = _load(session, upload_id)
    if doc is None or doc["user_id"] != uploader.id:
        raise NotFound(f"no upload {upload_id}: unknown, expired or someone else's")
    return doc


def confirm_upload(session: Session, uploader: Uploader, upload_id: str) -> dict[str, Any]:
    """Import the accepted rows of an upload and store its confirmed report in one
    transaction, and commit; returns the report with `result` (inserted, updated, unchanged,
    data_version) and each accepted row's site_id. Rows that would change nothing are not
    written, so confirming the same data again adds no data version."""
    get_upload(session, uploader, upload_id)
    try:
        # Two confirmations of one upload (a double click) run one after the other; the
        # second then finds the upload confirmed.
        advisory_xact_lock(session, upload_id)
        doc = get_upload(session, uploader, upload_id)
        if doc["status"] != "pending":
            raise Conflict(f"upload {upload_id} was confirmed already")
        records = [SiteRecord(**r) for r in doc["records"]]
        plan = plan_records(session, records, doc["wheres"], doc["source"], uploader.scope)
        now_accepted = [w for w, a in zip(doc["wheres"], plan.actions, strict=True) if a]
        if now_accepted != [row["where"] for row in doc["accepted"]]:
            raise Conflict(
                "the stored sites changed since the file was checked, and other rows would be "
                "refused now; upload the file again to see the new report"
            )
        if not now_accepted:
            raise Conflict("nothing to import: every row was refused")
        changed = [
            r for r, a in zip(records, plan.actions, strict=True) if a in ("insert", "update")
        ]
        result: dict[str, Any] = {"inserted": 0, "updated": 0, "data_version": None}
        if changed:
            summary = imports.import_sites(
                session,
                changed,
                doc["source"],
                filename=doc["filename"],
                user=uploader.name,
                digest=doc.get("digest"),
            )
            session.flush()
            result = {
                "inserted": summary.inserted,
                "updated": summary.updated,
                "data_version": imports.data_version(session),
            }
        result |= {
            "unchanged": plan.actions.count("unchanged"),
            "refused": doc["counts"]["refused"],
            "confirmed_at": datetime.now(UTC).isoformat(),
        }
        audit.record(
            session,
            user=uploader.name,
            table="sites",
            row_id=upload_id,
            action="import",
            new={"file": doc["filename"], "source": doc["source"], **result},
            context=f"upload {doc['filename']}",
        )
        accepted = [r for r, a in zip(records, plan.actions, strict=True) if a]
        keys = [(r.source or doc["source"], r.source_id) for r in accepted]
        ids = {key: site["id"] for key, site in stored_sites(session, keys).items()}
        actions = [a for a in plan.actions if a]
        for row, key, action in zip(doc["accepted"], keys, actions, strict=True):
            row["action"], row["site_id"] = action, ids.get(key)
        doc["counts"] |= {action: actions.count(action) for action in ACTIONS}
        doc["status"], doc["result"] = "confirmed", result
        _save(session, doc)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return doc
