/* The scenario editor's model v3 parts (coverage-model.md, v3), kept apart from the page
 * scripts that call them: a duration per drawn outage area (a number field in the area's
 * list entry and popup; empty: the scenario's duration), road closures as their own kind of
 * area ("Vägavstängning", saved as the scenario's road_closures), the closure_level
 * parameter, and an outage area's duration on a run's map.
 *
 * Plain ES2017, no build step. window.OutageAreas is used by static/js/scenarios.js.
 */
(function () {
  'use strict';

  const { t } = window.I18n;
  const CLOSURE = 'closure';

  const numberFormat = new Intl.NumberFormat(
    document.documentElement.lang === 'en' ? 'en-GB' : 'sv-SE',
    { maximumFractionDigits: 2 },
  );

  function closureStyle(color) {
    return { color, weight: 3, dashArray: '2 6', fillColor: color, fillOpacity: 0.2 };
  }

  /* A number field for an outage area's own duration in hours, appended to `parent`.
   * options: min, max, fallback() (the scenario's duration, shown as the placeholder),
   * readOnly, label (its accessible name), onChange(). */
  function durationField(layer, parent, options) {
    const label = document.createElement('label');
    label.className = 'area-duration';
    const input = document.createElement('input');
    input.type = 'text';
    input.inputMode = 'decimal';
    input.name = 'area_duration_hours';
    input.className = 'area-duration-hours';
    input.placeholder = String(options.fallback());
    input.title = t('Outage duration of this area; empty: the duration of the scenario');
    input.setAttribute('aria-label', options.label);
    const stored = layer.durationHours === null || layer.durationHours === undefined
      ? '' : numberFormat.format(layer.durationHours).replace(/\u00a0/g, ' ');
    input.value = layer.durationTyped !== undefined ? layer.durationTyped : stored;
    input.disabled = Boolean(options.readOnly);
    label.appendChild(input);
    label.appendChild(document.createTextNode(' h'));
    parent.appendChild(label);
    if (window.L) window.L.DomEvent.disableClickPropagation(label);
    // As typed (kept with the area: the list is drawn again), read as the pages print
    // numbers; a problem is said next to the field when the scenario is saved
    // (scenario_editor.js), not while typing or leaving the field.
    const changed = () => {
      const range = { min: options.min, max: options.max, required: false };
      layer.durationTyped = input.value;
      layer.durationHours = window.FormFields.parse(input.value, range).value;
      if (options.onChange) options.onChange();
    };
    input.addEventListener('change', changed);
    input.addEventListener('input', changed);
    return input;
  }

  /* The scenario file's Feature of a drawn outage area: its own duration_hours when set. */
  function outageFeature(layer, geometry) {
    const properties = {};
    if (layer.durationHours !== null && layer.durationHours !== undefined) {
      properties.duration_hours = layer.durationHours;
    }
    return { type: 'Feature', properties, geometry };
  }

  /* A stored area (services/scenario_layers.py) as the editor keeps it: its role (outage,
   * a snow level, closure) and an outage area's own duration (null: the scenario's). */
  function fromFeature(feature) {
    const p = feature.properties || {};
    if (p.role === 'outage') {
      return { role: 'outage', durationHours: p.own_duration ? p.duration_hours : null };
    }
    if (p.role === 'road_closure') return { role: CLOSURE, durationHours: null };
    return { role: p.level, durationHours: null };
  }

  /* The road closures drawn, as the scenario file's road_closures (null when none). */
  function roadClosures(geometries) {
    if (!geometries.length) return null;
    return {
      type: 'FeatureCollection',
      features: geometries.map((geometry) => ({ type: 'Feature', properties: {}, geometry })),
    };
  }

  /* closure_level from the parameters' select into the overrides (empty: none). */
  function closureLevel(form, parameters) {
    const select = form.elements.closure_level;
    if (!select) return;
    if (select.value) parameters.closure_level = select.value;
    else delete parameters.closure_level;
  }

  /* An outage area's label on a run's map: "Outage area, 48 h". */
  function outageLabel(feature) {
    const hours = (feature.properties || {}).duration_hours;
    const label = t('Outage area');
    return hours === undefined || hours === null ? label : `${label}, ${numberFormat.format(hours)} h`;
  }

  window.OutageAreas = {
    CLOSURE, closureStyle, durationField, outageFeature, fromFeature, roadClosures, closureLevel, outageLabel,
  };
}());
