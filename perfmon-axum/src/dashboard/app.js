// perfmon dashboard: reads `report` and `endpoints` next to this page and
// renders them with plain DOM calls (data only ever goes through
// textContent, never through HTML parsing). No libraries, no network access
// beyond this origin.
(function () {
  'use strict';

  var REFRESH_MS = 30000;
  var TOKEN_KEY = 'perfmon.token';
  var SVG_NS = 'http://www.w3.org/2000/svg';
  // The page is the router's `/`: at `/performance` or `/performance/` alike,
  // its JSON routes are `/performance/report`, ...
  var BASE = location.pathname.slice(-1) === '/' ? location.pathname : location.pathname + '/';

  var state = {
    token: null,
    paused: false,
    loading: false,
    needToken: false,
    route: null,
    lastEndpoints: null,
    lastOk: null
  };

  function $(id) { return document.getElementById(id); }

  // ---- token -------------------------------------------------------------

  function storedToken() {
    try { return sessionStorage.getItem(TOKEN_KEY); } catch (e) { return null; }
  }
  function storeToken(t) {
    state.token = t || null;
    try {
      if (t) { sessionStorage.setItem(TOKEN_KEY, t); } else { sessionStorage.removeItem(TOKEN_KEY); }
    } catch (e) { /* storage disabled: keep it in memory only */ }
    $('forget').hidden = !state.token;
  }

  // `#token=...` prefills the token; it is then removed from the address bar
  // (and history) so it is not bookmarked or shared by accident. The value
  // is percent-decoded but `+` is kept (tokens may be base64).
  function takeFragmentToken() {
    var hash = location.hash.replace(/^#/, '');
    if (!hash) { return; }
    var found = null;
    var rest = hash.split('&').filter(function (part) {
      if (part.indexOf('token=') === 0) {
        try { found = decodeURIComponent(part.slice(6)); } catch (e) { found = part.slice(6); }
        return false;
      }
      return true;
    });
    if (found === null) { return; }
    var url = location.pathname + location.search + (rest.length ? '#' + rest.join('&') : '');
    try { history.replaceState(history.state, '', url); } catch (e) { location.hash = rest.join('&'); }
    if (found) { storeToken(found); }
  }

  // ---- fetching ----------------------------------------------------------

  function AuthError(status) { this.status = status; }
  function HttpError(status, path) { this.status = status; this.path = path; }
  function NetworkError(cause) { this.cause = cause; }

  function getJson(path) {
    var headers = { 'Accept': 'application/json' };
    if (state.token) { headers.Authorization = 'Bearer ' + state.token; }
    return fetch(BASE + path, { headers: headers, cache: 'no-store', credentials: 'same-origin' })
      .then(function (res) {
        if (res.status === 401 || res.status === 403) { throw new AuthError(res.status); }
        if (!res.ok) { throw new HttpError(res.status, path); }
        return res.json();
      }, function (e) { throw new NetworkError(e); });
  }

  function load() {
    if (state.loading) { return; }
    state.loading = true;
    $('updated').textContent = 'loading\u2026';
    var endpoints = getJson('endpoints').catch(function (e) {
      if (e instanceof AuthError) { throw e; }
      return { error: e };
    });
    Promise.all([getJson('report?format=dashboard'), endpoints])
      .then(function (r) {
        state.needToken = false;
        state.lastOk = new Date();
        hideBanner();
        $('login').hidden = true;
        $('content').hidden = false;
        render(r[0], r[1]);
      })
      .catch(function (e) {
        if (e instanceof AuthError) {
          askToken(e.status);
        } else if (e instanceof NetworkError) {
          showBanner('Cannot reach the server (' + String(e.cause && e.cause.message || e.cause) +
            '). ' + staleNote() + 'Retrying every 30 s.');
        } else if (e instanceof HttpError) {
          showBanner('The server answered HTTP ' + e.status + ' for ' + e.path + '. ' + staleNote());
        } else {
          showBanner('Could not show the report: ' + String(e && e.message || e) + '. ' + staleNote());
        }
      })
      .then(function () {
        state.loading = false;
        showUpdated();
      });
  }

  function staleNote() {
    return state.lastOk ? 'Showing data from ' + clock(state.lastOk) + '. ' : '';
  }

  function askToken(status) {
    var had = !!state.token;
    storeToken(null);
    state.needToken = true;
    $('content').hidden = true;
    hideBanner();
    $('login').hidden = false;
    $('login-reason').textContent = status === 403
      ? 'Access was refused (HTTP 403). Enter a token that may read these routes.'
      : had ? 'The token was not accepted (HTTP 401). Enter it again.'
        : 'These monitoring routes need a bearer token.';
    $('token-input').value = '';
    $('token-input').focus();
  }

  function showBanner(text) { var b = $('banner'); b.textContent = text; b.hidden = false; }
  function hideBanner() { $('banner').hidden = true; }

  function showUpdated() {
    var parts = [];
    if (state.needToken) { parts.push('waiting for a token'); }
    else if (state.lastOk) { parts.push('updated ' + clock(state.lastOk)); }
    else { parts.push('not loaded'); }
    if (state.paused) { parts.push('auto-refresh paused'); }
    $('updated').textContent = parts.join(' \u00b7 ');
  }

  // ---- formatting ---------------------------------------------------------

  function num(x) { return typeof x === 'number' && isFinite(x) ? x : null; }
  function ms(x) {
    x = num(x);
    if (x === null) { return '\u2013'; }
    if (x === 0) { return '0 ms'; }
    if (x >= 1000) { return (x / 1000).toFixed(x >= 10000 ? 1 : 2) + ' s'; }
    if (x >= 100) { return Math.round(x) + ' ms'; }
    if (x >= 10) { return x.toFixed(1) + ' ms'; }
    return x.toFixed(2) + ' ms';
  }
  function pct(r) { r = num(r); return r === null ? '\u2013' : (r * 100).toFixed(1) + ' %'; }
  function int(x) { x = num(x); return x === null ? '\u2013' : Math.round(x).toLocaleString('en-US'); }
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function clock(d) { return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()); }
  function hm(unixMs) { var d = new Date(unixMs); return pad(d.getHours()) + ':' + pad(d.getMinutes()); }
  function ago(unixMs) {
    var s = Math.max(0, Math.round((Date.now() - unixMs) / 1000));
    if (s < 60) { return s + ' s ago'; }
    if (s < 3600) { return Math.round(s / 60) + ' min ago'; }
    return (s / 3600).toFixed(1) + ' h ago';
  }
  function words(s) { return String(s == null ? '' : s).replace(/_/g, ' '); }
  function cls(s) { return String(s == null ? '' : s).replace(/[^A-Za-z0-9_-]/g, ''); }

  // el('td', {class: 'num'}, ['text', node, ...])
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }
  function svg(tag, attrs, children) {
    var node = document.createElementNS(SVG_NS, tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }
  function setAttrs(node, attrs) {
    if (!attrs) { return; }
    Object.keys(attrs).forEach(function (k) {
      if (attrs[k] !== null && attrs[k] !== undefined) { node.setAttribute(k, String(attrs[k])); }
    });
  }
  function append(node, children) {
    if (children === null || children === undefined) { return; }
    if (!Array.isArray(children)) { children = [children]; }
    children.forEach(function (c) {
      if (c === null || c === undefined) { return; }
      node.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
    });
  }
  function fill(id, children) {
    var node = $(id);
    while (node.firstChild) { node.removeChild(node.firstChild); }
    append(node, children);
  }
  function empty(text) { return el('div', { class: 'empty' }, text); }
  function table(headers, rows) {
    return el('table', null, [
      el('thead', null, el('tr', null, headers.map(function (h) {
        return el('th', { class: h.num ? 'num' : null }, h.label || h);
      }))),
      el('tbody', null, rows)
    ]);
  }
  function badge(kind, text) { return el('span', { class: 'badge sev-' + cls(kind) }, words(text)); }

  // ---- rendering ----------------------------------------------------------

  function render(report, endpoints) {
    var s = report.summary || {};
    var grade = s.grade || null;
    fill('grade', grade || '\u2013');
    $('grade').className = 'grade g-' + cls(grade);
    fill('compliance-pct', s.compliance == null ? 'no calls yet' : pct(s.compliance) + ' within target');
    fill('score', s.score == null ? '\u2013' : s.score + ' / 100');
    fill('score-band', words(s.score_band || ''));
    $('score-band').className = 's-' + cls(s.score_band);
    fill('status', words(s.status || 'unknown'));
    $('status').className = 'big status s-' + cls(s.status || 'unknown');
    var active = (report.alerts && report.alerts.active) || [];
    fill('alerts-count', active.length === 1 ? '1 active alert' : active.length + ' active alerts');
    fill('calls', int(s.calls));
    fill('error-rate', int(s.failures) + ' failed \u00b7 ' + int(s.cancelled || 0) + ' cancelled \u00b7 ' + pct(s.error_rate));
    fill('p95', ms(s.p95_ms));
    fill('mean', 'mean ' + ms(s.mean_ms));
    document.title = 'perfmon \u00b7 ' + (grade || '\u2013') + ' \u00b7 ' + words(s.status || '');

    renderCompliance(report.compliance || {});
    renderAlerts(report.alerts || {});
    renderEndpoints(endpoints);
    renderSlow(report.slow_operations || []);
    renderRecommendations(report.recommendations || []);
    if (report.generated_at_unix_ms) {
      var w = report.window || {};
      var judged = w.last_minutes ? 'judging the last ' + w.last_minutes + ' minutes' : 'judging every call since the start';
      fill('footer', 'perfmon \u00b7 report generated ' + clock(new Date(report.generated_at_unix_ms)) +
        ' \u00b7 ' + judged + ' \u00b7 refreshes every 30 s');
    }
  }

  function barRow(name, title, ratio, gradeLetter, figure, marker) {
    var r = Math.max(0, Math.min(1, num(ratio) || 0));
    return el('div', { class: 'bar-row', title: title }, [
      el('div', { class: 'bar-name' }, name),
      el('div', { class: 'bar' }, [
        el('span', { class: 'fill-' + cls(gradeLetter), style: 'width:' + (r * 100).toFixed(1) + '%' }),
        marker == null ? null : el('i', { style: 'left:' + (Math.max(0, Math.min(1, marker)) * 100).toFixed(1) + '%' })
      ]),
      el('div', { class: 'bar-fig' }, [figure + ' ', el('b', { class: 'g-' + cls(gradeLetter) }, gradeLetter || '')])
    ]);
  }

  function renderCompliance(c) {
    var kinds = c.kinds || [];
    fill('compliance', kinds.length ? kinds.map(function (k) {
      return barRow(words(k.kind),
        int(k.within_target) + ' of ' + int(k.calls) + ' calls within ' + ms(k.target_ms),
        k.compliance, k.grade, pct(k.compliance), null);
    }).concat(c.overall ? [el('div', { class: 'muted' },
      'Overall: ' + pct(c.overall.compliance) + ' of ' + int(c.overall.calls) + ' calls, grade ' + c.overall.grade)] : [])
      : empty('No calls recorded yet.'));
    var caches = c.caches || [];
    fill('caches', caches.length ? caches.map(function (k) {
      return barRow(k.name, int(k.hits) + ' hits in ' + int(k.lookups) + ' lookups; target ' + pct(k.target),
        k.hit_rate, k.grade, pct(k.hit_rate), k.target);
    }) : empty('No cache lookups recorded.'));
  }

  function renderAlerts(alerts) {
    var active = alerts.active || [];
    var recent = alerts.recent || [];
    var items = active.map(function (a) {
      return el('div', { class: 'alert sev-' + cls(a.severity) }, [
        el('div', null, [badge(a.severity, a.severity), ' ', el('span', { class: 'msg' }, a.message)]),
        el('div', { class: 'meta' }, words(a.rule) + ' \u00b7 ' + a.subject +
          (a.first_seen ? ' \u00b7 since ' + hm(a.first_seen) + ' (' + ago(a.first_seen) + ')' : '') +
          (a.last_seen ? ' \u00b7 last seen ' + ago(a.last_seen) : '') +
          (a.state && a.state !== 'active' ? ' \u00b7 ' + words(a.state) : ''))
      ]);
    });
    if (!items.length) { items.push(empty('No active alerts.')); }
    if (recent.length) {
      items.push(el('div', { class: 'muted' }, recent.length + ' resolved recently: ' +
        recent.slice(0, 3).map(function (a) { return a.subject; }).join(', ') + (recent.length > 3 ? ', \u2026' : '')));
    }
    fill('alerts', items);
  }

  function renderEndpoints(ep) {
    if (!ep || ep.error) {
      fill('in-flight', '\u2013');
      fill('peak', '');
      fill('chart', null);
      fill('route-select', null);
      var e = ep && ep.error;
      fill('routes', empty('Route statistics unavailable' +
        (e instanceof HttpError ? ' (HTTP ' + e.status + ')' : e instanceof NetworkError ? ' (network error)' : '') + '.'));
      return;
    }
    state.lastEndpoints = ep;
    fill('in-flight', int(ep.in_flight));
    fill('peak', 'peak ' + int(ep.peak_in_flight));
    var routes = (ep.routes || []).slice().sort(function (a, b) { return (b.requests || 0) - (a.requests || 0); });
    var names = routes.map(function (r) { return r.operation; });
    if (names.indexOf(state.route) < 0) { state.route = names.length ? names[0] : null; }

    var select = $('route-select');
    fill('route-select', routes.map(function (r) {
      var o = el('option', { value: r.operation }, r.operation);
      if (r.operation === state.route) { o.selected = true; }
      return o;
    }));
    select.disabled = !routes.length;

    if (!routes.length) {
      fill('chart', null);
      fill('routes', empty('No requests recorded yet.'));
      return;
    }
    fill('routes', table([
      'Route', { label: 'Requests', num: 1 }, { label: '4xx', num: 1 }, { label: '5xx', num: 1 },
      { label: 'p50', num: 1 }, { label: 'p95', num: 1 }, { label: 'Mean', num: 1 }, { label: 'Queries / req', num: 1 }
    ], routes.map(function (r) {
      var tr = el('tr', { class: 'clickable' + (r.operation === state.route ? ' selected' : ''), title: 'Show in the chart' }, [
        el('td', { class: 'mono' }, r.operation),
        el('td', { class: 'num' }, int(r.requests)),
        el('td', { class: 'num' }, int(r.client_errors)),
        el('td', { class: 'num' + (r.server_errors ? ' s-critical' : '') }, int(r.server_errors)),
        el('td', { class: 'num' }, ms(r.p50_ms)),
        el('td', { class: 'num' }, ms(r.p95_ms)),
        el('td', { class: 'num' }, ms(r.mean_ms)),
        el('td', { class: 'num' + (r.queries_per_request > 10 ? ' s-slow' : ''),
          title: r.queries_per_request > 10 ? 'Many queries per request: an N+1 pattern?' : null },
          num(r.queries_per_request) === null ? '\u2013' : r.queries_per_request.toFixed(1))
      ]);
      tr.addEventListener('click', function () { state.route = r.operation; renderEndpoints(state.lastEndpoints); });
      return tr;
    })));
    var chosen = routes[names.indexOf(state.route)];
    fill('chart', chart(chosen));
  }

  // Latency of one route per minute: p95 and the median (or the mean when
  // the series has no median), request counts as faint bars underneath.
  function chart(route) {
    // From the first minute with requests (at least the last 10 minutes):
    // a route that started a minute ago should not be one dot at the edge.
    var series = (route && route.series) || [];
    var first = 0;
    while (first < series.length && !series[first].count) { first++; }
    series = series.slice(Math.max(0, Math.min(first, series.length - 10)));
    var W = 1160, H = 260, L = 58, R = 16, T = 12, B = 28, BARS = 36;
    var plotH = H - T - B - BARS - 8;
    var mid = series.some(function (p) { return num(p.p50_ms) !== null; }) ? 'p50_ms' : 'mean_ms';
    var midLabel = mid === 'p50_ms' ? 'p50' : 'mean';
    var legend = el('div', { class: 'legend' }, [
      el('span', null, [el('b', { style: 'background:var(--p95)' }), 'p95']),
      el('span', null, [el('b', { style: 'background:var(--mid)' }), midLabel]),
      el('span', null, [el('b', { style: 'background:#cfd6e1;height:8px' }), 'requests / min']),
      el('span', null, route.operation + ' \u00b7 last ' + series.length + ' min')
    ]);
    if (!series.length) { return [legend, empty('No per-minute series for this route.')]; }
    var maxY = 0, maxC = 0;
    series.forEach(function (p) {
      if (p.count > 0) { maxY = Math.max(maxY, num(p.p95_ms) || 0, num(p[mid]) || 0); }
      maxC = Math.max(maxC, p.count || 0);
    });
    var top = niceCeil(maxY || 1);
    var n = series.length;
    var x = function (i) { return L + (n === 1 ? (W - L - R) / 2 : i * (W - L - R) / (n - 1)); };
    var y = function (v) { return T + plotH - (v / top) * plotH; };
    var kids = [];
    for (var t = 0; t <= 4; t++) {
      var v = top * t / 4, yy = y(v);
      kids.push(svg('line', { x1: L, x2: W - R, y1: yy, y2: yy, class: 'axis' }));
      kids.push(svg('text', { x: L - 6, y: yy + 4, 'text-anchor': 'end' }, ms(v)));
    }
    var barW = Math.max(2, Math.min(24, (W - L - R) / n * 0.6));
    var barBase = H - B;
    series.forEach(function (p, i) {
      if (!p.count) { return; }
      var h = Math.max(1, p.count / maxC * BARS);
      kids.push(svg('rect', { x: x(i) - barW / 2, y: barBase - h, width: barW, height: h, fill: '#cfd6e1' },
        svg('title', null, hm(p.minute_start_unix_ms) + ': ' + p.count + ' requests, ' + (p.errors || 0) + ' errors')));
    });
    var ticks = n <= 6 ? series.map(function (_, i) { return i; }) : [0, Math.round((n - 1) / 3), Math.round(2 * (n - 1) / 3), n - 1];
    ticks.forEach(function (i) {
      kids.push(svg('text', { x: x(i), y: H - 8, 'text-anchor': 'middle' }, hm(series[i].minute_start_unix_ms)));
    });
    [[mid, 'var(--mid)'], ['p95_ms', 'var(--p95)']].forEach(function (line) {
      var key = line[0], d = '', pen = false;
      series.forEach(function (p, i) {
        var v = num(p[key]);
        if (!p.count || v === null) { pen = false; return; }
        d += (pen ? 'L' : 'M') + x(i).toFixed(1) + ' ' + y(v).toFixed(1) + ' ';
        pen = true;
        kids.push(svg('circle', { cx: x(i), cy: y(v), r: 2.5, fill: line[1] },
          svg('title', null, hm(p.minute_start_unix_ms) + ' ' + key.replace('_ms', '') + ' ' + ms(v))));
      });
      if (d) { kids.push(svg('path', { d: d, fill: 'none', stroke: line[1], 'stroke-width': 2, 'stroke-linejoin': 'round' })); }
    });
    var root = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img',
      'aria-label': 'Latency of ' + route.operation + ' per minute' }, kids);
    return [legend, root];
  }

  function niceCeil(v) {
    var p = Math.pow(10, Math.floor(Math.log(v) / Math.LN10));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) { if (steps[i] * p >= v) { return steps[i] * p; } }
    return 10 * p;
  }

  function renderSlow(ops) {
    fill('slow', ops.length ? table([
      'Operation', 'Kind', { label: 'Calls', num: 1 }, { label: 'p95', num: 1 }, { label: 'Target', num: 1 },
      { label: 'p95 / target', num: 1 }, 'Level'
    ], ops.map(function (o) {
      return el('tr', null, [
        el('td', { class: 'mono' }, o.name),
        el('td', null, words(o.kind)),
        el('td', { class: 'num' }, int(o.calls)),
        el('td', { class: 'num' }, ms(o.p95_ms)),
        el('td', { class: 'num' }, ms(o.target_ms)),
        el('td', { class: 'num' }, num(o.p95_over_target) === null ? '\u2013' : o.p95_over_target.toFixed(1) + '\u00d7'),
        el('td', { class: 's-' + cls(o.level) }, words(o.level))
      ]);
    })) : empty('No operation is over its target.'));
  }

  function renderRecommendations(recs) {
    fill('recommendations', recs.length ? recs.map(function (r) {
      var ev = r.evidence || {};
      var figures = Object.keys(ev.figures || {}).map(function (k) {
        var v = ev.figures[k];
        return words(k) + ' ' + (Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 100) / 100);
      });
      return el('div', { class: 'rec' }, [
        el('div', null, [badge(r.priority, r.priority), ' ', el('span', { class: 'title' }, r.title)]),
        el('p', null, r.description),
        el('div', { class: 'meta' }, [words(r.category), 'impact ' + words(r.impact), 'effort ' + words(r.effort)]
          .concat(ev.operation ? [ev.operation] : []).concat(figures).join(' \u00b7 '))
      ]);
    }) : empty('Nothing to recommend.'));
  }

  // ---- controls -----------------------------------------------------------

  function tick() {
    if (!state.paused && !state.needToken) { load(); }
  }

  $('pause').addEventListener('click', function () {
    state.paused = !state.paused;
    this.textContent = state.paused ? 'Resume auto-refresh' : 'Pause auto-refresh';
    this.setAttribute('aria-pressed', state.paused ? 'true' : 'false');
    showUpdated();
  });
  $('refresh').addEventListener('click', function () { if (!state.needToken) { load(); } });
  $('forget').addEventListener('click', function () { askToken(0); $('login-reason').textContent = 'Token forgotten. Enter a token to continue.'; });
  $('route-select').addEventListener('change', function () {
    state.route = this.value;
    renderEndpoints(state.lastEndpoints);
  });
  $('login-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var t = $('token-input').value.trim();
    if (!t) { return; }
    storeToken(t);
    state.needToken = false;
    $('login').hidden = true;
    load();
  });

  storeToken(storedToken());
  takeFragmentToken();
  load();
  setInterval(tick, REFRESH_MS);
})();
