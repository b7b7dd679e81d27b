"""Exports for GIS (issue #5): the map layers and a run's results as GeoPackage, GeoJSON,
CSV or zipped Shapefile, in SWEREF 99 TM (EPSG:3006) or WGS 84 (EPSG:4326).

What can be exported (`LAYER_IDS`, `RUN_LAYER_IDS`) and with which fields is declared here;
the rows are read from PostGIS in batches (geometry transformed and as WKB in the same
query) and written by geodata.exporters. Small exports are built in the request; above
`DIRECT_MAX_FEATURES` features an export is built by an RQ job (workers/jobs.py
export_layers), whose record and file are kept in PostgreSQL (tables `exports` and
`export_chunks`) until they expire (`EXPORT_TTL_S`). Every export is written to the audit
log (action "export").

One module per concern; the public names are re-exported here for callers that import the
package (`from resilience.services import exports`). A constant is read where it is defined:
to change one in a test, patch that module (plan.DIRECT_MAX_FEATURES, stored_files.CHUNK_BYTES).

- source: what an exported layer is (Source) and the SQL fragments of its query
- map_sources, result_sources: the layers of the map and of a run's results (Sources)
- plan: a request parsed, checked, counted (direct or background) and its file named
- files: a file built from the layers' rows
- audit_log: every export in the audit log
- records: background exports' records, their state and the job's progress
- stored_files: a background export's file, stored in pieces and read back
- use_cases: the web's use-cases, each its own transaction
"""

from resilience.services.exports.audit_log import (
    AUDIT_ACTION,
    audit,
    audit_download,
    audit_entries,
    audit_json,
)
from resilience.services.exports.files import BATCH_ROWS, Progress, build, build_bytes, media_type
from resilience.services.exports.map_sources import layer_ids, layer_sources
from resilience.services.exports.plan import (
    COUNTY_SLUG,
    CRSS,
    DIRECT_MAX_FEATURES,
    ExportRequest,
    Plan,
    file_name,
    finished_runs,
    plan_export,
    schema_ids,
    schemas,
    slugify,
    today,
)
from resilience.services.exports.records import (
    EXPORT_TTL_S,
    LOST_AFTER_S,
    export_id_for,
    mark_failed,
    mark_running,
    purge_expired,
    read_record,
    recent_records,
    record_state,
    set_progress,
    start_background,
    update_record,
)
from resilience.services.exports.result_sources import (
    COUNTY_NAME,
    OUTSIDE_NAME,
    RUN_LAYER_IDS,
    SERVICES,
    run_sources,
)
from resilience.services.exports.source import Source
from resilience.services.exports.stored_files import (
    CHUNK_BYTES,
    ExportGone,
    build_file,
    downloadable,
    file_pieces,
    store_file,
)
from resilience.services.exports.use_cases import (
    direct_file,
    open_download,
    purge_now,
    start_export,
)

__all__ = [
    "AUDIT_ACTION",
    "BATCH_ROWS",
    "CHUNK_BYTES",
    "COUNTY_NAME",
    "COUNTY_SLUG",
    "CRSS",
    "DIRECT_MAX_FEATURES",
    "EXPORT_TTL_S",
    "LOST_AFTER_S",
    "OUTSIDE_NAME",
    "RUN_LAYER_IDS",
    "SERVICES",
    "ExportGone",
    "ExportRequest",
    "Plan",
    "Progress",
    "Source",
    "audit",
    "audit_download",
    "audit_entries",
    "audit_json",
    "build",
    "build_bytes",
    "build_file",
    "direct_file",
    "downloadable",
    "export_id_for",
    "file_name",
    "file_pieces",
    "finished_runs",
    "layer_ids",
    "layer_sources",
    "mark_failed",
    "mark_running",
    "media_type",
    "open_download",
    "plan_export",
    "purge_expired",
    "purge_now",
    "read_record",
    "recent_records",
    "record_state",
    "run_sources",
    "schema_ids",
    "schemas",
    "set_progress",
    "slugify",
    "start_background",
    "start_export",
    "store_file",
    "today",
    "update_record",
]
