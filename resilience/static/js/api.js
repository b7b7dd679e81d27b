/* The one fetch() of the pages' scripts for our own JSON API: the session cookie, the page's
 * language (the API then says its messages in it, resilience/web/messages.py), the CSRF
 * header on changes (csrf.js wraps fetch), and an ApiError with the API's own message and the
 * HTTP status when the answer is not ok.
 *
 *   Api.json(url)                       GET, JSON (or text, when the answer is not JSON)
 *   Api.json(url, { signal })           abortable: an AbortError passes through unchanged
 *   Api.send(url, 'PUT', document)      a JSON body
 *   Api.showStatus(element, text, isError)   a page's status line
 */
(function () {
  'use strict';

  // i18n.js may load after this file: looked up when a message is needed.
  const t = (text) => window.I18n.t(text);

  class ApiError extends Error {
    constructor(message, status) {
      super(message);
      this.status = status;
    }
  }

  async function readBody(response) {
    const type = response.headers.get('Content-Type') || '';
    if (type.includes('json')) return response.json().catch(() => null);
    return response.text();
  }

  async function json(url, options) {
    const opts = Object.assign({ credentials: 'same-origin' }, options || {});
    const language = document.documentElement.lang || 'sv';
    opts.headers = Object.assign(
      { Accept: 'application/json', 'Accept-Language': language }, opts.headers || {},
    );
    let response;
    try {
      response = await fetch(url, opts);
    } catch (err) {
      if (err.name === 'AbortError') throw err;
      throw new ApiError(t('network error'), 0); // the browser's own text is English only
    }
    const body = await readBody(response);
    if (!response.ok) {
      if (response.status === 401) throw new ApiError(t('Session expired; log in again.'), 401);
      const message = body && body.message ? body.message : `${response.status} ${response.statusText}`;
      throw new ApiError(message, response.status);
    }
    return body;
  }

  function send(url, method, document_) {
    return json(url, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(document_),
    });
  }

  // A URL with its query arguments set (path and query only: same-origin).
  function withParams(url, params) {
    const full = new URL(url, window.location.href);
    Object.keys(params).forEach((k) => full.searchParams.set(k, params[k]));
    return full.pathname + full.search;
  }

  // A page's status line (an element with role="status"): what is going on, or what failed.
  function showStatus(element, text, isError) {
    if (!element) return;
    element.hidden = !text;
    element.textContent = text || '';
    element.classList.toggle('is-error', Boolean(isError));
  }

  window.Api = {
    ApiError, json, send, withParams, showStatus,
  };
}());
