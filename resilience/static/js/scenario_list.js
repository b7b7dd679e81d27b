/* The scenario list (templates/scenarios/list.html): run or copy a scenario, upload one.
 * Everything goes through the JSON API (/api/v1), so the page follows the same rules and
 * permissions as any other client; without this script the list still shows.
 *
 *   ScenarioList.init(config)   config: scenarioApi, runPage, editPage, createUrl
 */
(function () {
  'use strict';

  const { t } = window.I18n;
  const { showStatus } = window.Api;

  async function act(config, status, action, id) {
    if (action === 'run') {
      showStatus(status, t('Starting the run…'));
      const run = await window.Api.json(`${config.scenarioApi}${id}/runs`, { method: 'POST' });
      window.location.assign(config.runPage + run.id);
    } else if (action === 'copy') {
      showStatus(status, t('Copying…'));
      const copy = await window.Api.json(`${config.scenarioApi}${id}/copy`, { method: 'POST' });
      window.location.assign(`${config.editPage}${copy.id}/edit`);
    }
  }

  function initTable(config, status) {
    const table = document.getElementById('scenario-table');
    table.addEventListener('click', async (event) => {
      const button = event.target.closest('button[data-action]');
      if (!button) return;
      const id = button.closest('tr').dataset.scenarioId;
      const action = button.dataset.action;
      button.disabled = true;
      try {
        await act(config, status, action, id);
      } catch (err) {
        const what = action === 'run' ? t('Could not start the run') : t('Could not copy');
        showStatus(status, `${what}: ${err.message}`, true);
        button.disabled = false;
      }
    });
  }

  function initUpload(config, status) {
    const upload = document.getElementById('upload-form');
    if (!upload) return;
    upload.addEventListener('submit', async (event) => {
      event.preventDefault();
      const file = document.getElementById('upload-file').files[0];
      if (!file) return;
      showStatus(status, t('Uploading…'));
      try {
        const text = await file.text();
        await window.Api.json(config.createUrl, {
          method: 'POST', headers: { 'Content-Type': 'application/json' }, body: text,
        });
        window.location.reload();
      } catch (err) {
        showStatus(status, `${t('Could not upload')} (${file.name}): ${err.message}`, true);
      }
    });
  }

  function init(config) {
    const status = document.getElementById('page-status');
    initTable(config, status);
    initUpload(config, status);
  }

  window.ScenarioList = { init };
}());
