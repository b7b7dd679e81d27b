/* Every state-changing fetch() to this site carries the session's CSRF token (the one the
   HTML forms send), as the API requires for requests with the session cookie. */
(function () {
  'use strict';
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (!meta || !window.fetch) return;
  const token = meta.content;
  const plain = window.fetch.bind(window);
  window.fetch = function (resource, options) {
    const opts = Object.assign({}, options || {});
    const method = (opts.method || (resource instanceof Request ? resource.method : 'GET')).toUpperCase();
    const url = new URL(resource instanceof Request ? resource.url : String(resource), window.location.href);
    if (!['GET', 'HEAD', 'OPTIONS'].includes(method) && url.origin === window.location.origin) {
      const headers = new Headers(opts.headers || (resource instanceof Request ? resource.headers : undefined));
      headers.set('X-CSRF-Token', token);
      opts.headers = headers;
    }
    return plain(resource, opts);
  };
}());
