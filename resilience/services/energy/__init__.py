"""Energy saving in public buildings: reading the register, measures, readings and targets
from PostGIS into resilience.energy_figures' dataclasses, and every change to them, each
written to the audit log (who, when, old and new value, one row per field).

Functions take a Session and run inside the caller's transaction (the caller commits),
except those marked @committed and import_file, each one use-case in its own transaction.
Figures are never computed here, only in resilience.energy_figures.

One module per concern; the public names are re-exported here for callers that import the
package (`from resilience.services import energy`):

- register: the register read from PostGIS and assessed (Register, load_*)
- geojson: buildings and municipalities as GeoJSON
- csv_files: the register, measures and readings as CSV
- audit_log: the audit rows of every change, and reading them back
- editors: who edits (Editor), the building edited, the checks of submitted values
- buildings, measures, readings, settings: the changes, each audited
- importing: files of buildings, measures and readings into the register
"""

from resilience.services.energy.audit_log import audit_entries
from resilience.services.energy.buildings import (
    SITE_ATTRIBUTES,
    SITE_FIELDS,
    parse_building_changes,
    update_building,
)
from resilience.services.energy.csv_files import (
    assessment_properties_keys,
    measures_csv,
    readings_csv,
    register_csv,
)
from resilience.services.energy.editors import Editor, energy_site
from resilience.services.energy.geojson import (
    assessment_properties,
    buildings_geojson,
    municipalities_geojson,
)
from resilience.services.energy.importing import (
    import_file,
    import_measures,
    import_readings,
    import_register,
    resolve_buildings,
)
from resilience.services.energy.measures import (
    MEASURE_FIELDS,
    add_measure,
    delete_measure,
    get_measure,
    parse_measure,
    update_measure,
)
from resilience.services.energy.readings import (
    delete_reading,
    parse_reading,
    put_reading,
    save_reading,
)
from resilience.services.energy.register import (
    Register,
    first_year,
    load_buildings,
    load_care_sites,
    load_class_limits,
    load_measures,
    load_readings,
    load_register,
    load_targets,
    measures_of,
    readings_of,
    to_building,
    to_measure,
)
from resilience.services.energy.settings import (
    TARGET_FIELDS,
    delete_target,
    parse_target,
    save_class_limits,
    save_target,
    targets,
)

__all__ = [
    "MEASURE_FIELDS",
    "SITE_ATTRIBUTES",
    "SITE_FIELDS",
    "TARGET_FIELDS",
    "Editor",
    "Register",
    "add_measure",
    "assessment_properties",
    "assessment_properties_keys",
    "audit_entries",
    "buildings_geojson",
    "delete_measure",
    "delete_reading",
    "delete_target",
    "energy_site",
    "first_year",
    "get_measure",
    "import_file",
    "import_measures",
    "import_readings",
    "import_register",
    "load_buildings",
    "load_care_sites",
    "load_class_limits",
    "load_measures",
    "load_readings",
    "load_register",
    "load_targets",
    "measures_csv",
    "measures_of",
    "municipalities_geojson",
    "parse_building_changes",
    "parse_measure",
    "parse_reading",
    "parse_target",
    "put_reading",
    "readings_csv",
    "readings_of",
    "register_csv",
    "resolve_buildings",
    "save_class_limits",
    "save_reading",
    "save_target",
    "targets",
    "to_building",
    "to_measure",
    "update_building",
    "update_measure",
]
