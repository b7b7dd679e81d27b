/* The run map's time slider (coverage-model.md, "Time"): the state at the instant t_k.
 * Sites are shown when unpowered ([a, b)) or cold ((a + t*, b)) at t_k, cells when uncovered
 * for some service at t_k (their bit k); "whole outage" shows what is lost at any time. The
 * timeline charts get a line at the hour. For tests the body carries data-time-hour,
 * data-sites-unpowered-at, data-sites-cold-at, data-cold-sites (names, "|"-separated) and
 * data-cells-at. The readout gives the hour and its clock time ("Timme 20 av 48 · tis 02:00").
 *
 *   const slider = RunTimeline.create(styles, hourZero);   (hourZero: ISO 8601, the run's hour 0)
 *   slider.cells.push({ layer, props }); slider.sites.push({ marker, props, style });
 *   slider.start(timeline)
 */
(function () {
  'use strict';

  const PLAY_MS = 600;
  const el = (id) => document.getElementById(id);

  /* Flat [a1, b1, a2, b2] intervals: is t in [a, b) (closed) or (a, b) (open, for cold)? */
  function within(intervals, t, open) {
    const list = intervals || [];
    for (let i = 0; i + 1 < list.length; i += 2) {
      if ((open ? t > list[i] : t >= list[i]) && t < list[i + 1]) return true;
    }
    return false;
  }

  function moveChartLines(hour) {
    document.querySelectorAll('svg.timeline-chart').forEach((svg) => {
      const line = svg.querySelector('line.now');
      if (!line) return;
      if (hour === null) {
        line.setAttribute('visibility', 'hidden');
        return;
      }
      const left = Number(svg.dataset.left);
      const width = Number(svg.dataset.width);
      const duration = Number(svg.dataset.duration) || 1;
      const x = left + (Math.min(hour, duration) / duration) * width;
      line.setAttribute('x1', String(x));
      line.setAttribute('x2', String(x));
      line.setAttribute('visibility', 'visible');
    });
  }

  // The sites at `hour` (null: the whole outage): returns the counts and the cold sites' names.
  function showSites(sites, styles, hour) {
    const counts = { unpowered: 0, cold: 0, coldNames: [] };
    sites.forEach(({ marker, props, style }) => {
      if (hour === null) {
        marker.setStyle({
          opacity: 1, fillOpacity: style.fillOpacity, fillColor: style.fillColor, color: style.color, weight: style.weight,
        });
        return;
      }
      const dark = within(props.unpowered_intervals, hour, false);
      const chilled = within(props.cold_intervals, hour, true);
      if (dark) counts.unpowered += 1;
      if (chilled) {
        counts.cold += 1;
        counts.coldNames.push(props.name);
      }
      if (!dark && !chilled) {
        marker.setStyle({ opacity: 0, fillOpacity: 0 });
        return;
      }
      marker.setStyle({
        opacity: 1,
        fillOpacity: 0.9,
        fillColor: dark ? style.fillColor : styles.cold,
        color: chilled ? styles.cold : '#fff',
        weight: chilled && dark ? 3 : style.weight,
      });
    });
    return counts;
  }

  // The cells uncovered at instant k (null: the whole outage); returns how many are shown.
  function showCells(cells, styles, k) {
    let shown = 0;
    cells.forEach(({ layer, props }) => {
      if (k === null) {
        layer.setStyle({ opacity: 1, fillOpacity: 0.75 });
        return;
      }
      const key = ['food', 'care', 'shelter'].map((s) => {
        const bits = props[`${s}_uncovered_at`];
        return bits && bits[k] === '1' ? s[0] : '';
      }).join('');
      if (!key) {
        layer.setStyle({ opacity: 0, fillOpacity: 0 });
        return;
      }
      shown += 1;
      layer.setStyle({ opacity: 1, fillOpacity: 0.75, fillColor: styles.gaps[key] || '#999' });
    });
    return shown;
  }

  function create(styles, hourZero) {
    const { t } = window.I18n;
    const fmt = (value) => window.Format.number(value, 2);
    const state = {
      cells: [], sites: [], hours: [], timer: null, duration: 0,
    };

    function show(k) {
      const hour = k === null ? null : state.hours[k];
      const counts = showSites(state.sites, styles, hour);
      const cellsShown = showCells(state.cells, styles, k);
      const body = document.body.dataset;
      body.timeHour = hour === null ? 'all' : String(hour);
      body.sitesUnpoweredAt = String(counts.unpowered);
      body.sitesColdAt = String(counts.cold);
      body.coldSites = counts.coldNames.join('|');
      body.cellsAt = String(cellsShown);
      const at = hour === null || !hourZero ? '' : ` · ${window.Format.clock(hourZero, hour)}`;
      el('time-label').textContent = hour === null
        ? t('Whole outage')
        : `${t('Hour')} ${fmt(hour)} ${t('of')} ${fmt(state.duration)}${at}`;
      el('time-counts').textContent = hour === null
        ? ''
        : `${t('Sites without power')}: ${counts.unpowered} · ${t('Sites cold')}: ${counts.cold} · ${t('Cells without a service')}: ${cellsShown}`;
      moveChartLines(hour);
    }

    function stop() {
      if (state.timer !== null) window.clearInterval(state.timer);
      state.timer = null;
      el('time-play').textContent = t('Play');
    }

    function play(range) {
      if (state.timer !== null) {
        stop();
        return;
      }
      if (Number(range.value) >= state.hours.length - 1) range.value = '0';
      el('time-play').textContent = t('Pause');
      show(Number(range.value));
      state.timer = window.setInterval(() => {
        const next = Number(range.value) + 1;
        if (next >= state.hours.length) {
          stop();
          return;
        }
        range.value = String(next);
        show(next);
      }, PLAY_MS);
    }

    function start(timeline) {
      state.hours = timeline.hours || [];
      if (!state.hours.length) return;
      const chart = document.querySelector('svg.timeline-chart');
      const step = state.hours.length > 1 ? state.hours[1] - state.hours[0] : 1;
      state.duration = chart ? Number(chart.dataset.duration) : state.hours[state.hours.length - 1] + step;
      const range = el('time-hour');
      range.max = String(state.hours.length - 1);
      range.value = '0';
      range.addEventListener('input', () => {
        stop();
        show(Number(range.value));
      });
      el('time-play').addEventListener('click', () => play(range));
      el('time-all').addEventListener('click', () => {
        stop();
        show(null);
      });
      el('time-slider').hidden = false;
      show(null);
    }

    return { cells: state.cells, sites: state.sites, start };
  }

  window.RunTimeline = { create };
}());
