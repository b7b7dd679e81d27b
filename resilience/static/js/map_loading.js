/* The main map's loading (resiliencemap.js): layers fetched by bounding box on moveend, the
 * status line ("Laddar…" while anything loads, errors until the next good load), and the
 * counts in document.body.dataset (data-layer-<key>, data-map-ready="1" once the
 * municipalities and the first bounding-box loads are in; browser tests wait on these).
 *
 *   const loading = MapLoading.create(map, state);
 *   loading.bboxLayer(key, title, url, group)   a layer loaded by the view's box
 *   loading.fetchJSON(url, signal), loading.loaded(key, n), loading.failed(key, title, err)
 */
(function () {
  'use strict';

  const MOVE_DEBOUNCE_MS = 250;
  const LOAD_PADDING = 0.1; // load a margin around the view, so small pans need no request
  const API_LIMIT = 50000; // the API's MAX_FEATURES: a full answer may be cut short
  const RELOAD_GUARD_KEY = 'resiliencemap-reloaded-at';

  const { withParams } = window.Api;

  // The API refuses boxes outside lon/lat range, which a zoomed-out view can reach.
  function loadBounds(map) {
    const b = map.getBounds().pad(LOAD_PADDING);
    const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
    return L.latLngBounds(
      [clamp(b.getSouth(), -90, 90), clamp(b.getWest(), -180, 180)],
      [clamp(b.getNorth(), -90, 90), clamp(b.getEast(), -180, 180)],
    );
  }

  function bboxParam(b) {
    return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
      .map((v) => v.toFixed(5)).join(',');
  }

  function setDatasetCount(key, count) {
    // data-layer-<key>: "layerCare" -> data-layer-care
    document.body.dataset['layer' + key.charAt(0).toUpperCase() + key.slice(1)] = String(count);
  }

  // Keep the layers of features that came back unchanged, so after a pan only the new
  // ones are built (building all 5,000 cells takes a noticeable fraction of a second).
  // Returns the features that are new or changed (each with its signature) and the old
  // layers that are gone or changed.
  function diff(group, features) {
    const old = new Map();
    group.eachLayer((layer) => old.set(layer.feature.id, layer));
    const added = [];
    features.forEach((feature) => {
      const signature = JSON.stringify([feature.geometry, feature.properties]);
      const layer = old.get(feature.id);
      if (layer && layer.signature === signature) {
        old.delete(feature.id);
      } else {
        added.push({ feature, signature });
      }
    });
    return { added, gone: Array.from(old.values()) };
  }

  function updateGroup(group, features) {
    const { added, gone } = diff(group, features);
    gone.forEach((layer) => group.removeLayer(layer));
    added.forEach(({ feature, signature }) => { feature.signature = signature; });
    group.addData({ type: 'FeatureCollection', features: added.map((a) => a.feature) });
    group.eachLayer((layer) => {
      if (layer.feature.signature) {
        layer.signature = layer.feature.signature;
        delete layer.feature.signature;
      }
    });
  }

  // The same for a marker cluster group, which has no addData: `build` makes a feature's
  // marker, and the group gets its changes in one addLayers / removeLayers each.
  function updateCluster(group, features, build) {
    const { added, gone } = diff(group, features);
    group.removeLayers(gone);
    group.addLayers(added.map(({ feature, signature }) => {
      const marker = build(feature);
      marker.signature = signature;
      return marker;
    }));
  }

  class SessionExpired extends Error {}

  function sessionExpired(t) {
    // Reload once: the page itself then redirects to the login form (with ?next=).
    // The guard stops a reload loop should the API refuse while the page does not.
    const last = Number(window.sessionStorage.getItem(RELOAD_GUARD_KEY) || 0);
    if (Date.now() - last > 10000) {
      window.sessionStorage.setItem(RELOAD_GUARD_KEY, String(Date.now()));
      window.location.reload();
    }
    return new SessionExpired(t('Session expired; log in again.'));
  }

  async function fetchJSON(url, signal) {
    try {
      return await window.Api.json(url, { signal });
    } catch (err) {
      if (err.status === 401) throw sessionExpired(window.I18n.t);
      throw err;
    }
  }

  // "Laddar…" while anything loads; the errors until their layer loads again.
  function statusLine(map, state) {
    const { t } = window.I18n;
    const status = L.DomUtil.create('div', 'status-line', map.getContainer());
    status.setAttribute('role', 'status');
    status.setAttribute('aria-live', 'polite');
    status.hidden = true;
    L.DomEvent.disableClickPropagation(status);
    return function show() {
      const errors = Object.keys(state.errors).map((k) => state.errors[k]);
      status.classList.toggle('is-error', errors.length > 0 && state.busy === 0);
      status.textContent = state.busy > 0 ? t('Loading…') : errors.join(' · ');
      status.hidden = status.textContent === '';
      if (errors.length) document.body.dataset.mapError = errors.join(' · ');
      else delete document.body.dataset.mapError;
    };
  }

  function create(map, state) {
    const { t } = window.I18n;
    const showStatus = statusLine(map, state);
    const loading = { fetchJSON };

    loading.busy = (delta) => {
      state.busy += delta;
      showStatus();
    };

    function checkReady() {
      if (state.ready || !state.loadedOnce.municipalities) return;
      const pending = Object.keys(state.layers).filter(
        (k) => state.layers[k].bbox && map.hasLayer(state.layers[k].group)
          && !state.loadedOnce[k],
      );
      if (pending.length === 0) {
        state.ready = true;
        document.body.dataset.mapReady = '1';
      }
    }

    loading.loaded = (key, count) => {
      setDatasetCount(key, count);
      state.loadedOnce[key] = true;
      delete state.errors[key];
      checkReady();
    };

    loading.failed = (key, title, err) => {
      state.errors[key] = err instanceof SessionExpired
        ? err.message : t('Could not load') + ' ' + title + ': ' + err.message;
    };

    loading.bboxLayer = (key, title, url, group, after) => bboxLayer(
      map, state, loading, {
        key, title, url, group, after,
      },
    );

    loading.visibleBBoxLayers = () => Object.keys(state.layers)
      .map((k) => state.layers[k])
      .filter((entry) => entry.bbox && map.hasLayer(entry.group));

    let moveTimer = null;
    loading.scheduleLoad = () => {
      window.clearTimeout(moveTimer);
      moveTimer = window.setTimeout(
        () => loading.visibleBBoxLayers().forEach((e) => e.load()), MOVE_DEBOUNCE_MS,
      );
    };
    return loading;
  }

  // A layer loaded by bounding box; `after` runs after each good load (restacking).
  function bboxLayer(map, state, loading, spec) {
    const { key, title, url, group } = spec;
    // `covers`: the box of the data in `group`, unless the API may have cut it short.
    const entry = {
      key, title, group, bbox: true, controller: null, covers: null,
    };
    entry.load = async function load() {
      if (entry.controller) entry.controller.abort(); // a newer view wins
      // Zooming in or panning a little needs nothing new (5,000 cells take ~0.5 s).
      if (entry.covers && entry.covers.contains(map.getBounds())) return true;
      const controller = new AbortController();
      entry.controller = controller;
      const bounds = loadBounds(map);
      loading.busy(1);
      try {
        const data = await fetchJSON(withParams(url, { bbox: bboxParam(bounds) }),
          controller.signal);
        if (group.updateFeatures) group.updateFeatures(data.features);
        else updateGroup(group, data.features);
        if (spec.after) spec.after();
        entry.covers = data.features.length < API_LIMIT ? bounds : null;
        loading.loaded(key, data.features.length);
        return true;
      } catch (err) {
        if (err.name !== 'AbortError') loading.failed(key, title, err);
        return false;
      } finally {
        if (entry.controller === controller) entry.controller = null;
        loading.busy(-1);
      }
    };
    entry.abort = () => entry.controller && entry.controller.abort();
    state.layers[key] = entry;
    return entry;
  }

  window.MapLoading = { create, updateCluster };
}());
