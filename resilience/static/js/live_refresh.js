/* Pages that keep up (issue 20, item 7): every 15 s this asks /live/version.json whether
   the live state changed (warnings in force, the SMHI feed, the runs and their progress,
   the newest live run). When it did, the page is fetched again and every element marked
   data-live-refresh (the banner, the runs list) is replaced by its fresh copy; the page of
   a live run that is no longer the newest goes to the newest. No reload, no lost scroll. */
(function () {
  'use strict';
  const script = document.currentScript;
  const versionUrl = script && script.dataset.versionUrl;
  if (!versionUrl || !window.fetch || !window.DOMParser) return;
  const PERIOD_MS = 15000;
  let known = null;
  let busy = false;

  function getJson(url) {
    return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' }, cache: 'no-store' })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))));
  }

  /* A live run's page shows the newest live run: go there when a newer one is done. */
  function followLiveRun(state) {
    const page = document.querySelector('[data-live-run]');
    if (!page || !state.live_run_id || !state.live_run_url) return false;
    if (String(state.live_run_id) === page.dataset.liveRun) return false;
    if (Number(state.live_run_id) < Number(page.dataset.liveRun)) return false;
    window.location.assign(state.live_run_url + window.location.search);
    return true;
  }

  function replaceMarked() {
    const marked = Array.from(document.querySelectorAll('[data-live-refresh][id]'));
    if (!marked.length) return Promise.resolve();
    return fetch(window.location.href, { credentials: 'same-origin', cache: 'no-store' })
      .then((r) => (r.ok ? r.text() : Promise.reject(new Error(String(r.status)))))
      .then((html) => {
        const fresh = new DOMParser().parseFromString(html, 'text/html');
        marked.forEach((old) => {
          const now = fresh.getElementById(old.id);
          if (!now) return;
          /* Keep what the reader chose in the old copy (the runs to compare). */
          const checked = Array.from(old.querySelectorAll('input:checked')).map((i) => i.name + '=' + i.value);
          old.replaceWith(now);
          now.querySelectorAll('input[type=radio], input[type=checkbox]').forEach((i) => {
            if (checked.length) i.checked = checked.indexOf(i.name + '=' + i.value) >= 0;
          });
        });
        document.dispatchEvent(new CustomEvent('live-refreshed'));
      });
  }

  function poll() {
    if (busy || document.hidden) return;
    busy = true;
    getJson(versionUrl)
      .then((state) => {
        if (known === null) { known = state.version; followLiveRun(state); return null; }
        if (state.version === known) return null;
        known = state.version;
        if (followLiveRun(state)) return null;
        return replaceMarked();
      })
      .catch(() => { /* offline or logged out: try again next time */ })
      .then(() => { busy = false; });
  }

  poll();
  window.setInterval(poll, PERIOD_MS);
  document.addEventListener('visibilitychange', poll);
}());
