/*
  Visitor counter widget.

  1. Reads config.json (generated at deploy time, next to index.html; never
     commit it) to find the counter API: {"apiUrl": "https://.../count"}.
  2. POSTs once to apiUrl; the API answers {"views": n, "visitors": m}.
  3. Writes "N views · M unique visitors" into #visitor-counter-text.

  On any problem (no config, empty apiUrl, network error, timeout, non-2xx,
  bad JSON) the widget stays invisible and nothing is logged. Its space is
  reserved in CSS, so the layout never moves.

  State for tests and styling, on #visitor-counter:
    data-state="loading" | "shown" | "hidden"
    data-views, data-visitors  (set only when shown)
*/
(function () {
  'use strict';

  var TIMEOUT_MS = 5000;
  var widget = document.getElementById('visitor-counter');
  var text = document.getElementById('visitor-counter-text');
  if (!widget || !text) return;

  // config.json sits one level above this script (js/counter.js -> config.json),
  // which stays correct whatever page or path loaded the script.
  var script = document.currentScript;
  var configUrl = 'config.json';
  try {
    if (script && script.src) configUrl = new URL('../config.json', script.src).href;
  } catch (e) { /* keep the relative default */ }

  function hide() {
    widget.setAttribute('data-state', 'hidden');
  }

  function fetchJson(url, init) {
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    var timer;
    var options = init || {};
    if (controller) options.signal = controller.signal;
    var timeout = new Promise(function (resolve, reject) {
      timer = setTimeout(function () {
        if (controller) controller.abort();
        reject(new Error('timeout'));
      }, TIMEOUT_MS);
    });
    var request = fetch(url, options).then(function (res) {
      if (!res.ok) throw new Error('HTTP ' + res.status);
      return res.json();
    });
    // Whichever settles first wins; the loser's rejection is swallowed.
    request.catch(function () {});
    timeout.catch(function () {});
    return Promise.race([request, timeout]).then(
      function (value) { clearTimeout(timer); return value; },
      function (err) { clearTimeout(timer); throw err; }
    );
  }

  function isCount(n) {
    return typeof n === 'number' && isFinite(n) && n >= 0 && Math.floor(n) === n;
  }

  function plural(n, one, many) {
    return n.toLocaleString() + ' ' + (n === 1 ? one : many);
  }

  function apiUrlFrom(config) {
    var raw = config && typeof config === 'object' ? config.apiUrl : null;
    if (typeof raw !== 'string' || !raw.trim()) return null;
    var url = new URL(raw.trim(), location.href);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  }

  function show(data) {
    if (!data || !isCount(data.views) || !isCount(data.visitors)) throw new Error('bad data');
    text.textContent = plural(data.views, 'view', 'views') + ' · ' +
      plural(data.visitors, 'unique visitor', 'unique visitors');
    widget.setAttribute('data-views', String(data.views));
    widget.setAttribute('data-visitors', String(data.visitors));
    widget.setAttribute('data-state', 'shown');
  }

  try {
    fetchJson(configUrl, { cache: 'no-cache', credentials: 'same-origin' })
      .then(function (config) {
        var apiUrl = apiUrlFrom(config);
        if (!apiUrl) throw new Error('no apiUrl');
        return fetchJson(apiUrl, { method: 'POST' });
      })
      .then(show)
      .catch(hide);
  } catch (e) {
    hide();
  }
})();
