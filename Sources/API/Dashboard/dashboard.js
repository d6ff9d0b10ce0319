/*
 * Reelay operator dashboard: a single page over the JSON API under /api/v1, in plain JavaScript with no dependency.
 *
 * - The API key lives in sessionStorage and goes out as a bearer token; a 401 returns to the sign-in screen.
 * - Hash routes (#/queues, #/posts?status=failed, #/posts/<id>, …); the visible page refreshes every 5 s.
 * - Text from the API only ever enters the page through textContent, createTextNode or setAttribute: no markup is
 *   parsed from data, so nothing it holds can run. Charts are SVG elements built one by one.
 * - Strict CSP friendly: no inline script, no inline handler, no style attribute (sizes go through the CSSOM).
 */
(() => {
  'use strict';

  const KEY_STORAGE = 'reelay.dashboard.key';
  const REFRESH_MS = 5000;
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const POST_STATUSES = ['pending', 'scheduled', 'queued', 'running', 'retrying', 'unconfirmed', 'completed', 'failed', 'cancelled', 'missed'];
  const RETRYABLE = new Set(['failed', 'missed', 'cancelled']);
  const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'missed']);
  const ACCOUNT_STATUSES = ['active', 'cooldown', 'needs_reauth', 'restricted', 'disabled'];
  const CAMPAIGN_STATUSES = ['draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled'];
  // Colour-blind friendly series colours for accounts; failures are always red.
  const PALETTE = ['#2563eb', '#d97706', '#0d9488', '#7c3aed', '#db2777', '#65a30d', '#0891b2', '#9a3412', '#475569'];
  const STATUS_TONE = {
    completed: 'ok', active: 'ok', running: 'info', queued: 'info', scheduled: 'muted', pending: 'muted', retrying: 'warn',
    unconfirmed: 'warn', failed: 'bad', missed: 'bad', cancelled: 'muted', cooldown: 'warn', needs_reauth: 'bad',
    restricted: 'bad', disabled: 'muted', draft: 'muted', paused: 'warn', ok: 'ok', lagging: 'warn', stale: 'warn',
    no_leader: 'bad', unavailable: 'bad',
  };

  // ---------------------------------------------------------------------------------------------------------------
  // DOM helpers: every string becomes a text node or an attribute value, never markup.

  function addChildren(el, children) {
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      if (Array.isArray(child)) addChildren(el, child);
      else if (child instanceof Node) el.appendChild(child);
      else el.appendChild(document.createTextNode(String(child)));
    }
    return el;
  }

  function setProps(el, props) {
    for (const [name, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === 'class') el.setAttribute('class', value);
      else if (name === 'text') el.textContent = String(value);
      else if (name === 'testid') el.setAttribute('data-testid', value);
      else if (name === 'dataset') for (const [k, v] of Object.entries(value)) { if (v !== null && v !== undefined) el.dataset[k] = String(v); }
      else if (name === 'css') for (const [k, v] of Object.entries(value)) el.style.setProperty(k, String(v));  // CSSOM: allowed by the CSP
      else if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
      else if (name === 'value' && 'value' in el) el.value = value;
      else if (value === true) el.setAttribute(name, '');
      else el.setAttribute(name, String(value));
    }
    return el;
  }

  function h(tag, props, ...children) {
    return addChildren(setProps(document.createElement(tag), props), children);
  }

  function s(tag, attrs, ...children) {
    return addChildren(setProps(document.createElementNS(SVG_NS, tag), attrs), children);
  }

  const $ = (selector, root = document) => root.querySelector(selector);
  const enc = encodeURIComponent;

  // ---------------------------------------------------------------------------------------------------------------
  // Formatting

  const numberFormat = new Intl.NumberFormat('en');
  const fmtNumber = (n) => (n === null || n === undefined || Number.isNaN(n) ? '—' : numberFormat.format(n));
  const pad = (n) => String(n).padStart(2, '0');

  function parseTime(value) {
    if (!value) return null;
    const t = Date.parse(value);
    return Number.isNaN(t) ? null : t;
  }

  function fmtClock(ms) {
    const d = new Date(ms);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }

  function fmtDateTime(value) {
    const t = parseTime(value);
    if (t === null) return '—';
    const d = new Date(t);
    const today = new Date();
    const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    if (d.toDateString() === today.toDateString()) return time;
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
  }

  // "42 s", "3 min", "2 h 5 min", "3 d 4 h"
  function fmtSpan(seconds) {
    if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return '—';
    const sec = Math.abs(seconds);
    if (sec < 1) return `${Math.round(sec * 1000)} ms`;
    if (sec < 60) return `${Math.round(sec)} s`;
    if (sec < 3600) return `${Math.floor(sec / 60)} min${sec % 60 >= 1 && sec < 600 ? ` ${Math.floor(sec % 60)} s` : ''}`;
    if (sec < 86400) {
      const m = Math.floor((sec % 3600) / 60);
      return `${Math.floor(sec / 3600)} h${m ? ` ${m} min` : ''}`;
    }
    const hrs = Math.floor((sec % 86400) / 3600);
    return `${Math.floor(sec / 86400)} d${hrs ? ` ${hrs} h` : ''}`;
  }

  function fmtMs(ms) {
    if (ms === null || ms === undefined) return '—';
    return ms < 1000 ? `${Math.round(ms)} ms` : fmtSpan(ms / 1000);
  }

  function fmtRelative(value) {
    const t = parseTime(value);
    if (t === null) return '—';
    const diff = (t - Date.now()) / 1000;
    if (Math.abs(diff) < 2) return 'just now';
    return diff > 0 ? `in ${fmtSpan(diff)}` : `${fmtSpan(diff)} ago`;
  }

  function timeEl(value, relative = false) {
    const t = parseTime(value);
    if (t === null) return h('span', { class: 'muted', text: '—' });
    return h('time', { datetime: new Date(t).toISOString(), title: new Date(t).toISOString() }, relative ? fmtRelative(value) : fmtDateTime(value));
  }

  function shortId(id) {
    const text = String(id || '');
    return text.length > 13 ? `${text.slice(0, 8)}…` : text;
  }

  function badge(status, extra) {
    const text = String(status ?? 'unknown');
    return h('span', { class: `badge tone-${STATUS_TONE[text] || 'muted'}`, dataset: { status: text }, testid: extra }, text.replace(/_/g, ' '));
  }

  function errorText(error) {
    if (!(error instanceof ApiError)) return String(error && error.message ? error.message : error);
    return `${error.status ? `${error.status} ` : ''}${error.code}: ${error.message}`;
  }

  function detailLines(details) {
    if (!details) return [];
    if (Array.isArray(details)) return details.map((d) => (d && typeof d === 'object' ? `${d.field ?? '?'}: ${d.problem ?? JSON.stringify(d)}` : String(d)));
    if (typeof details === 'object') return Object.entries(details).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
    return [String(details)];
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The API

  class ApiError extends Error {
    constructor(status, code, message, details, method, path) {
      super(message);
      this.status = status;
      this.code = code;
      this.details = details;
      this.method = method;
      this.path = path;
    }

    /** The server has no such route (yet): shown as "unavailable", not as a failure. */
    get missingRoute() {
      return this.status === 404 && (this.code === 'route_not_found' || this.code === 'http_404');
    }
  }

  const session = { key: sessionStorage.getItem(KEY_STORAGE) || '' };

  async function request(method, path, body, { auth = true, headers: extra = {} } = {}) {
    const headers = { Accept: 'application/json', ...extra };
    if (auth && session.key) headers.Authorization = `Bearer ${session.key}`;
    const init = { method, headers, cache: 'no-store', credentials: 'omit', redirect: 'error' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (error) {
      throw new ApiError(0, 'network_error', `the API did not answer (${error.message})`, null, method, path);
    }
    const text = await response.text();
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch { data = null; }
    }
    return { response, data };
  }

  async function api(method, path, body) {
    const { response, data } = await request(method, path, body);
    if (response.ok) return data;
    const err = data && typeof data.error === 'object' && data.error ? data.error : {};
    const error = new ApiError(response.status, err.code || `http_${response.status}`,
      err.message || response.statusText || 'the request failed', err.details, method, path);
    if (response.status === 401) expireSession(error);
    throw error;
  }

  /** /readyz answers its JSON with 200 and with 503 alike. */
  async function readiness() {
    const { response, data } = await request('GET', '/readyz', undefined, { auth: false });
    if (data && typeof data === 'object' && data.status) return data;
    throw new ApiError(response.status, `http_${response.status}`, 'no readiness report', null, 'GET', '/readyz');
  }

  // Answers fetched once per refresh round and shared by the views and the header.
  let roundCache = new Map();
  function shared(key, fetcher) {
    if (!roundCache.has(key)) {
      const promise = fetcher();
      promise.catch(() => {});
      roundCache.set(key, promise);
    }
    return roundCache.get(key);
  }
  const fetchQueues = () => shared('queues', () => api('GET', '/api/v1/queues'));
  const fetchReadiness = () => shared('readyz', readiness);

  // Names of accounts and campaigns for lists and filters, kept a minute.
  const lookups = { accounts: null, campaigns: null, at: 0 };
  async function loadLookups(force = false) {
    if (!force && lookups.accounts && Date.now() - lookups.at < 60000) return lookups;
    const [accounts, campaigns] = await Promise.allSettled([
      collectPages('/api/v1/accounts', 5), collectPages('/api/v1/campaigns', 2),
    ]);
    lookups.accounts = accounts.status === 'fulfilled' ? accounts.value : (lookups.accounts || []);
    lookups.campaigns = campaigns.status === 'fulfilled' ? campaigns.value : (lookups.campaigns || []);
    lookups.at = Date.now();
    return lookups;
  }

  async function collectPages(path, maxPages) {
    const items = [];
    let cursor = null;
    for (let page = 0; page < maxPages; page += 1) {
      const query = new URLSearchParams({ limit: '200' });
      if (cursor) query.set('cursor', cursor);
      const data = await api('GET', `${path}?${query}`);
      items.push(...(data.items || []));
      cursor = data.next_cursor;
      if (!cursor) break;
    }
    return items;
  }

  function accountName(id) {
    const account = (lookups.accounts || []).find((a) => a.id === id);
    return account ? account.nickname || account.username || shortId(id) : shortId(id);
  }

  function campaignName(id) {
    if (!id) return null;
    const campaign = (lookups.campaigns || []).find((c) => c.id === id);
    return campaign ? campaign.name : shortId(id);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Toasts and notes

  function toast(message, kind = 'info') {
    const box = $('#toasts');
    const el = h('div', { class: `toast toast-${kind}`, testid: 'toast', dataset: { kind }, role: kind === 'error' ? 'alert' : 'status' }, message);
    box.appendChild(el);
    setTimeout(() => el.remove(), kind === 'error' ? 9000 : 5000);
  }

  function errorNote(error, what) {
    if (error instanceof ApiError && error.missingRoute) {
      return h('div', { class: 'note note-unavailable', testid: 'unavailable' },
        h('strong', null, `${what} unavailable. `),
        `This server does not provide ${error.method} ${error.path.split('?')[0]} (404 ${error.code}).`);
    }
    const lines = error instanceof ApiError ? detailLines(error.details) : [];
    return h('div', { class: 'note note-error', testid: 'error', role: 'alert' },
      h('strong', null, `${what}: `), errorText(error),
      lines.length ? h('ul', null, lines.map((line) => h('li', null, line))) : null);
  }

  function emptyNote(text) {
    return h('p', { class: 'empty', testid: 'empty' }, text);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Page building blocks

  function pageHeader(title, subtitle, ...actions) {
    return h('div', { class: 'page-head' },
      h('div', null, h('h1', { text: title }), subtitle ? h('p', { class: 'muted', text: subtitle }) : null),
      actions.length ? h('div', { class: 'page-actions' }, actions) : null);
  }

  /**
   * A titled panel whose content comes from one or more API calls. `load` renders fresh data; a failed refresh keeps
   * the last good content under a note saying what went wrong (or that the endpoint is unavailable).
   */
  function panel(ctx, title, { testid, id, wide } = {}) {
    const actions = h('div', { class: 'panel-actions' });
    const note = h('div', { class: 'panel-note' });
    const body = h('div', { class: 'panel-body' });
    const heading = h('h2', { text: title });
    const el = h('section', { class: `panel${wide ? ' panel-wide' : ''}`, testid, id },
      h('header', { class: 'panel-head' }, heading, actions), note, body);
    let sequence = 0;
    let rendered = false;
    return {
      el, body, actions, heading,
      async load(fetcher, render, what = title) {
        const mine = ++sequence;
        try {
          const data = await fetcher();
          if (mine !== sequence || !ctx.alive()) return undefined;
          note.replaceChildren();
          body.replaceChildren();
          render(data, body);
          rendered = true;
          el.dataset.state = 'ready';
          return data;
        } catch (error) {
          if (mine !== sequence || !ctx.alive()) return undefined;
          if (error instanceof ApiError && error.status === 401) return undefined;
          if (!(error instanceof ApiError)) console.error(error);
          const message = errorNote(error, what);
          if (rendered) note.replaceChildren(message);
          else { note.replaceChildren(); body.replaceChildren(message); }
          el.dataset.state = error instanceof ApiError && error.missingRoute ? 'unavailable' : 'error';
          return undefined;
        }
      },
    };
  }

  function table(columns, rows, { testid, empty = 'Nothing to show.' } = {}) {
    if (!rows.length) return emptyNote(empty);
    return h('div', { class: 'table-wrap' },
      h('table', { class: 'table', testid },
        h('thead', null, h('tr', null, columns.map((c) => h('th', { class: c.num ? 'num' : null, scope: 'col' }, c.title)))),
        h('tbody', null, rows)));
  }

  function card(label, value, { tone, testid, hint } = {}) {
    return h('div', { class: `card${tone ? ` tone-${tone}` : ''}`, testid },
      h('div', { class: 'card-label', text: label }),
      h('div', { class: 'card-value' }, value),
      hint ? h('div', { class: 'card-hint muted' }, hint) : null);
  }

  function button(label, onClick, { kind = '', testid, dataset, title, disabled } = {}) {
    return h('button', { type: 'button', class: `btn ${kind}`.trim(), testid, dataset, title, disabled, onclick: onClick }, label);
  }

  /** A button that asks for a second click within 5 s before running `action`. */
  function confirmButton(label, confirmLabel, action, opts = {}) {
    let armed = false;
    let timer = null;
    const el = button(label, async () => {
      if (!armed) {
        armed = true;
        el.textContent = confirmLabel;
        el.classList.add('btn-danger');
        el.dataset.armed = 'true';
        timer = setTimeout(() => { armed = false; el.textContent = label; el.classList.remove('btn-danger'); delete el.dataset.armed; }, 5000);
        return;
      }
      clearTimeout(timer);
      el.disabled = true;
      try { await action(); } finally { el.disabled = false; armed = false; el.textContent = label; el.classList.remove('btn-danger'); delete el.dataset.armed; }
    }, opts);
    return el;
  }

  /** Cursor paging over a newest-first list: remembers the cursors of the pages before the current one. */
  function pager(onChange, testPrefix) {
    const state = { stack: [], cursor: null, next: null };
    const prev = button('← Newer', () => { state.cursor = state.stack.pop() ?? null; onChange(); }, { kind: 'btn-small', testid: `${testPrefix}-prev` });
    const next = button('Older →', () => { if (!state.next) return; state.stack.push(state.cursor); state.cursor = state.next; onChange(); }, { kind: 'btn-small', testid: `${testPrefix}-next` });
    const label = h('span', { class: 'muted pager-label', testid: `${testPrefix}-page` });
    const el = h('div', { class: 'pager' }, prev, label, next);
    return {
      el, state,
      update(nextCursor) {
        state.next = nextCursor || null;
        prev.disabled = state.stack.length === 0;
        next.disabled = !state.next;
        label.textContent = `Page ${state.stack.length + 1}`;
      },
    };
  }

  function progressBar(counts, total, testid) {
    const order = ['completed', 'failed', 'missed', 'cancelled', 'unconfirmed', 'retrying', 'running', 'queued', 'scheduled', 'pending'];
    const bar = h('div', { class: 'progress', testid, role: 'img' });
    const parts = [];
    for (const status of order) {
      const n = counts[status] || 0;
      if (!n || !total) continue;
      parts.push(`${n} ${status}`);
      bar.appendChild(h('span', { class: `seg seg-${status}`, dataset: { status, count: n }, title: `${n} ${status}`, css: { width: `${(100 * n) / total}%` } }));
    }
    bar.setAttribute('aria-label', total ? parts.join(', ') : 'no posts');
    return bar;
  }

  function meter(value, max, testid) {
    const pct = max > 0 ? Math.min(100, (100 * value) / max) : 0;
    return h('span', { class: 'meter', testid, title: `${value} of ${max}` },
      h('span', { class: `meter-fill${pct >= 100 ? ' full' : ''}`, css: { width: `${pct}%` } }));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Charts (inline SVG)

  /** A round axis maximum for counts: an even number up to 10, then 1, 2, 2.5 or 5 times a power of ten. */
  function niceCeiling(value) {
    if (value <= 0) return 2;
    if (value <= 10) return Math.max(2, Math.ceil(value / 2) * 2);
    const exponent = 10 ** Math.floor(Math.log10(value));
    for (const step of [1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6, 8, 10]) if (value <= step * exponent) return step * exponent;
    return 10 * exponent;
  }

  function chartFrame(width, height, max, margin, testid, label) {
    const svgEl = s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', testid, role: 'img', 'aria-label': label, preserveAspectRatio: 'xMidYMid meet' });
    svgEl.appendChild(s('title', null, label));
    const plotH = height - margin.top - margin.bottom;
    const grid = s('g', { class: 'grid' });
    for (const fraction of [0, 0.25, 0.5, 0.75, 1]) {
      const y = margin.top + plotH * (1 - fraction);
      const value = max * fraction;
      grid.appendChild(s('line', { x1: margin.left, x2: width - margin.right, y1: y, y2: y, class: fraction === 0 ? 'axis' : 'gridline' }));
      if (fraction === 0 || fraction === 0.5 || fraction === 1) {
        grid.appendChild(s('text', { x: margin.left - 6, y: y + 4, class: 'tick tick-y', 'text-anchor': 'end' }, Number.isInteger(value) ? String(value) : value.toFixed(1)));
      }
    }
    svgEl.appendChild(grid);
    return { svgEl, plotH, y: (v) => margin.top + plotH * (1 - v / max) };
  }

  /** Completed (green) and failed (red) jobs per minute, stacked, with enqueued as a line. */
  function throughputChart(queue, points) {
    const width = 760;
    const height = 200;
    const margin = { top: 12, right: 10, bottom: 26, left: 40 };
    const totals = points.map((p) => (p.completed || 0) + (p.failed || 0));
    const max = niceCeiling(Math.max(1, ...totals, ...points.map((p) => p.enqueued || 0)));
    const { svgEl, y } = chartFrame(width, height, max, margin, 'throughput-chart', `Jobs completed and failed per minute on ${queue}`);
    svgEl.dataset.queue = queue;
    const n = Math.max(points.length, 1);
    const slot = (width - margin.left - margin.right) / n;
    const barW = Math.max(1, slot * 0.72);
    const bars = s('g', { class: 'bars' });
    const labels = s('g', { class: 'labels' });
    points.forEach((p, i) => {
      const x = margin.left + i * slot + (slot - barW) / 2;
      const completed = p.completed || 0;
      const failed = p.failed || 0;
      const t = parseTime(p.at);
      const when = t === null ? String(p.at) : fmtClock(t).slice(0, 5);
      const tip = `${when}: ${completed} completed, ${failed} failed, ${p.retried || 0} retried, ${p.dead || 0} dead, ${p.enqueued || 0} enqueued`;
      const group = s('g', { class: 'minute' }, s('title', null, tip));
      group.appendChild(s('rect', { x: margin.left + i * slot, y: margin.top, width: slot, height: height - margin.top - margin.bottom, class: 'hover-target' }));
      if (completed > 0) group.appendChild(s('rect', { x, y: y(completed), width: barW, height: y(0) - y(completed), class: 'bar bar-completed', 'data-count': completed }));
      if (failed > 0) group.appendChild(s('rect', { x, y: y(completed + failed), width: barW, height: y(completed) - y(completed + failed), class: 'bar bar-failed', 'data-count': failed }));
      bars.appendChild(group);
      const last = i === points.length - 1;
      const quarter = t !== null && new Date(t).getMinutes() % 15 === 0;
      if (t !== null && (last || (quarter && points.length - 1 - i >= 5))) {
        labels.appendChild(s('text', { x: margin.left + i * slot + slot / 2, y: height - 8, class: 'tick tick-x', 'text-anchor': 'middle' }, when));
      }
    });
    svgEl.appendChild(bars);
    if (points.some((p) => p.enqueued)) {
      const d = points.map((p, i) => `${i ? 'L' : 'M'}${(margin.left + i * slot + slot / 2).toFixed(1)},${y(p.enqueued || 0).toFixed(1)}`).join(' ');
      svgEl.appendChild(s('path', { d, class: 'line line-enqueued' }));
    }
    svgEl.appendChild(labels);
    if (!totals.some((v) => v > 0)) {
      svgEl.appendChild(s('text', { x: width / 2, y: height / 2, class: 'chart-empty', 'text-anchor': 'middle' }, 'No job finished in this window'));
    }
    return svgEl;
  }

  function legend(items) {
    return h('div', { class: 'legend' }, items.map(([label, cls, color]) =>
      h('span', { class: 'legend-item' }, h('span', { class: `swatch ${cls || ''}`, css: color ? { 'background-color': color } : null }), label)));
  }

  function throughputPanelContent(queue, history) {
    const points = Array.isArray(history.points) ? history.points : [];
    const sum = (field) => points.reduce((a, p) => a + (p[field] || 0), 0);
    return h('div', { class: 'chart-block', testid: 'throughput', dataset: { queue } },
      h('div', { class: 'chart-title' }, h('strong', null, queue),
        h('span', { class: 'muted' }, ` · ${fmtNumber(sum('completed'))} completed · ${fmtNumber(sum('failed'))} failed · ${fmtNumber(sum('retried'))} retried · ${fmtNumber(sum('enqueued'))} enqueued`)),
      throughputChart(queue, points),
      legend([['completed', 'swatch-completed'], ['failed', 'swatch-failed'], ['enqueued', 'swatch-line']]));
  }

  async function loadThroughput(target, queueNames) {
    const results = await Promise.allSettled(queueNames.map((q) => api('GET', `/api/v1/queues/${enc(q)}/history?minutes=60`)));
    const blocks = queueNames.map((q, i) => (results[i].status === 'fulfilled'
      ? throughputPanelContent(q, results[i].value || {})
      : h('div', { class: 'chart-block', dataset: { queue: q } }, h('div', { class: 'chart-title' }, h('strong', null, q)), errorNote(results[i].reason, 'Throughput history'))));
    if (results.length && results.every((r) => r.status === 'rejected') && results[0].reason instanceof ApiError && results[0].reason.status === 401) throw results[0].reason;
    target.replaceChildren(...(blocks.length ? blocks : [emptyNote('No queue known yet.')]));
  }

  /** Per account per day: for each day a group of bars, one per account, each stacked completed / other / failed. */
  function accountDayChart(rows, nameOf) {
    const dates = [...new Set(rows.map((r) => r.date))].sort().slice(-14);
    const totalsByAccount = new Map();
    for (const r of rows) totalsByAccount.set(r.account_id, (totalsByAccount.get(r.account_id) || 0) + (r.total || 0));
    const ranked = [...totalsByAccount.entries()].sort((a, b) => b[1] - a[1]).map(([id]) => id);
    const shown = ranked.length > 8 ? ranked.slice(0, 7) : ranked;
    const OTHERS = '__others__';
    const series = ranked.length > 8 ? [...shown, OTHERS] : shown;
    const cell = new Map();
    for (const r of rows) {
      if (!dates.includes(r.date)) continue;
      const who = shown.includes(r.account_id) ? r.account_id : OTHERS;
      const key = `${r.date}|${who}`;
      const c = cell.get(key) || { completed: 0, failed: 0, total: 0 };
      c.completed += r.completed || 0; c.failed += r.failed || 0; c.total += r.total || 0;
      cell.set(key, c);
    }
    const max = niceCeiling(Math.max(1, ...[...cell.values()].map((c) => c.total)));
    const width = 760;
    const height = 240;
    const margin = { top: 12, right: 10, bottom: 30, left: 40 };
    const { svgEl, y } = chartFrame(width, height, max, margin, 'account-day-chart', 'Publishes per account per day');
    const groupW = (width - margin.left - margin.right) / Math.max(dates.length, 1);
    const barW = Math.max(3, Math.min(26, (groupW * 0.8) / Math.max(series.length, 1)));
    const color = (i) => PALETTE[i % PALETTE.length];
    dates.forEach((date, gi) => {
      const start = margin.left + gi * groupW + (groupW - barW * series.length) / 2;
      const group = s('g', { class: 'day-group', 'data-date': date });
      series.forEach((who, si) => {
        const c = cell.get(`${date}|${who}`);
        if (!c || !c.total) return;
        const name = who === OTHERS ? 'other accounts' : nameOf(who);
        const other = Math.max(0, c.total - c.completed - c.failed);
        const x = start + si * barW;
        const bar = s('g', { class: 'account-bar', 'data-account': who }, s('title', null, `${name}, ${date}: ${c.completed} completed, ${c.failed} failed, ${other} not finished`));
        let base = 0;
        for (const [n, cls, fill, opacity] of [[c.completed, 'bar bar-account', color(si), 1], [other, 'bar bar-account-open', color(si), 0.35], [c.failed, 'bar bar-failed', null, 1]]) {
          if (!n) continue;
          const attrs = { x: x + 0.5, y: y(base + n), width: barW - 1, height: y(base) - y(base + n), class: cls, 'data-count': n };
          if (fill) { attrs.fill = fill; attrs['fill-opacity'] = opacity; }
          bar.appendChild(s('rect', attrs));
          base += n;
        }
        // A stripe of the account's colour under the axis keeps the bar recognisable when it is all failures.
        bar.appendChild(s('rect', { x: x + 0.5, y: y(0) + 2, width: barW - 1, height: 3, fill: color(si), class: 'account-key' }));
        group.appendChild(bar);
      });
      const [yy, mm, dd] = date.split('-');
      const label = yy && mm && dd ? `${new Date(Date.UTC(+yy, +mm - 1, +dd)).toLocaleString('en', { month: 'short', timeZone: 'UTC' })} ${+dd}` : date;
      group.appendChild(s('text', { x: margin.left + gi * groupW + groupW / 2, y: height - 10, class: 'tick tick-x', 'text-anchor': 'middle' }, label));
      svgEl.appendChild(group);
    });
    const legendItems = series.map((who, si) => [who === OTHERS ? 'other accounts' : nameOf(who), '', color(si)]);
    legendItems.push(['failed', 'swatch-failed'], ['not finished (lighter)', 'swatch-open']);
    return h('div', { class: 'chart-block' }, svgEl, legend(legendItems));
  }

  /** Fallback when per_account_day is missing: stacked bars per day. */
  function perDayChart(days) {
    const list = [...days].sort((a, b) => (a.date < b.date ? -1 : 1)).slice(-14);
    const max = niceCeiling(Math.max(1, ...list.map((d) => d.total || 0)));
    const width = 520;   // drawn half-width, beside the per-account chart
    const height = 220;
    const margin = { top: 12, right: 10, bottom: 30, left: 40 };
    const { svgEl, y } = chartFrame(width, height, max, margin, 'per-day-chart', 'Posts per day');
    const slot = (width - margin.left - margin.right) / Math.max(list.length, 1);
    const barW = Math.min(48, slot * 0.6);
    list.forEach((d, i) => {
      const x = margin.left + i * slot + (slot - barW) / 2;
      const other = Math.max(0, (d.total || 0) - (d.completed || 0) - (d.failed || 0));
      const g = s('g', null, s('title', null, `${d.date}: ${d.completed} completed, ${d.failed} failed, ${other} not finished`));
      let base = 0;
      for (const [n, cls] of [[d.completed || 0, 'bar bar-completed'], [other, 'bar bar-open'], [d.failed || 0, 'bar bar-failed']]) {
        if (!n) continue;
        g.appendChild(s('rect', { x, y: y(base + n), width: barW, height: y(base) - y(base + n), class: cls }));
        base += n;
      }
      g.appendChild(s('text', { x: x + barW / 2, y: height - 10, class: 'tick tick-x', 'text-anchor': 'middle' }, d.date.slice(5)));
      svgEl.appendChild(g);
    });
    return h('div', { class: 'chart-block' }, svgEl, legend([['completed', 'swatch-completed'], ['not finished', 'swatch-open'], ['failed', 'swatch-failed']]));
  }

  /** Fallback: horizontal bars per account. */
  function perAccountChart(accounts, nameOf) {
    const list = [...accounts].sort((a, b) => (b.total || 0) - (a.total || 0)).slice(0, 12);
    const max = Math.max(1, ...list.map((a) => a.total || 0));
    const rowH = 24;
    const width = 520;
    const left = 140;
    const height = list.length * rowH + 10;
    const svgEl = s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', testid: 'per-account-chart', role: 'img', 'aria-label': 'Posts per account' });
    list.forEach((a, i) => {
      const yTop = 5 + i * rowH;
      const scale = (n) => ((width - left - 40) * n) / max;
      const g = s('g', null, s('title', null, `${nameOf(a.account_id)}: ${a.completed} completed, ${a.failed} failed of ${a.total}`));
      g.appendChild(s('text', { x: left - 8, y: yTop + 15, class: 'tick', 'text-anchor': 'end' }, nameOf(a.account_id)));
      let x = left;
      const other = Math.max(0, (a.total || 0) - (a.completed || 0) - (a.failed || 0));
      for (const [n, cls] of [[a.completed || 0, 'bar bar-completed'], [other, 'bar bar-open'], [a.failed || 0, 'bar bar-failed']]) {
        if (!n) continue;
        g.appendChild(s('rect', { x, y: yTop + 3, width: scale(n), height: rowH - 8, class: cls }));
        x += scale(n);
      }
      g.appendChild(s('text', { x: x + 6, y: yTop + 15, class: 'tick' }, String(a.total || 0)));
      svgEl.appendChild(g);
    });
    return h('div', { class: 'chart-block' }, svgEl);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Views. Each takes the page element and a context, builds its static frame and answers { refresh }.

  function queuesView(page, ctx) {
    const cards = h('div', { class: 'cards', testid: 'overview-cards' });
    const queues = panel(ctx, 'Queues', { testid: 'queues-panel' });
    const charts = panel(ctx, 'Throughput, last 60 minutes', { testid: 'throughput-panel' });
    page.append(pageHeader('Queues', 'Ready, scheduled, in-flight and dead jobs per queue; pause or resume a queue; what finished in the last hour.'),
      cards, queues.el, charts.el);
    let names = [];

    async function setPaused(name, pause, btn) {
      btn.disabled = true;
      btn.textContent = pause ? 'Pausing…' : 'Resuming…';
      try {
        await api('POST', `/api/v1/queues/${enc(name)}/${pause ? 'pause' : 'resume'}`);
        const after = await api('GET', '/api/v1/queues');
        const q = (after.items || []).find((item) => item.name === name);
        if (!q) throw new Error(`queue ${name} is no longer listed`);
        if (q.paused !== pause) throw new Error(`queue ${name} still reads as ${q.paused ? 'paused' : 'running'}`);
        toast(`Queue ${name} ${pause ? 'paused: workers take no new job from it' : 'resumed'}.`, 'ok');
      } catch (error) {
        toast(`Could not ${pause ? 'pause' : 'resume'} ${name}: ${errorText(error)}`, 'error');
      }
      await ctx.refreshNow();
    }

    function render(data) {
      const items = data.items || [];
      names = items.map((q) => q.name);
      const sum = (f) => items.reduce((a, q) => a + (q[f] || 0), 0);
      const oldest = Math.max(0, ...items.map((q) => q.oldest_age_seconds || 0));
      cards.replaceChildren(
        card('Ready', fmtNumber(sum('depth')), { testid: 'card-ready' }),
        card('Scheduled', fmtNumber(sum('scheduled')), { testid: 'card-scheduled' }),
        card('In flight', fmtNumber(sum('in_flight')), { testid: 'card-in-flight' }),
        card('Dead', fmtNumber(sum('dead')), { testid: 'card-dead', tone: sum('dead') ? 'bad' : null }),
        card('Oldest ready job', oldest ? fmtSpan(oldest) : '—', { testid: 'card-oldest', tone: oldest > 300 ? 'warn' : null }),
        card('Paused queues', fmtNumber(items.filter((q) => q.paused).length), { testid: 'card-paused', tone: items.some((q) => q.paused) ? 'warn' : null }),
        schedulerCard(),
      );
      const rows = items.map((q) => h('tr', { testid: 'queue-row', dataset: { queue: q.name, paused: q.paused } },
        h('td', null, h('strong', null, q.name)),
        h('td', null, badge(q.paused ? 'paused' : 'running', 'queue-state')),
        h('td', { class: 'num', dataset: { field: 'depth' } }, fmtNumber(q.depth)),
        h('td', { class: 'num', dataset: { field: 'scheduled' } }, fmtNumber(q.scheduled)),
        h('td', { class: 'num', dataset: { field: 'in_flight' } }, fmtNumber(q.in_flight)),
        h('td', { class: 'num', dataset: { field: 'dead' } }, q.dead ? h('a', { href: `#/dead?queue=${enc(q.name)}`, class: 'bad-text' }, fmtNumber(q.dead)) : '0'),
        h('td', { class: 'num', dataset: { field: 'oldest' } }, q.oldest_age_seconds === null || q.oldest_age_seconds === undefined ? '—' : fmtSpan(q.oldest_age_seconds)),
        h('td', { class: 'num', dataset: { field: 'workers' } }, q.workers ? fmtNumber(q.workers) : h('span', { class: 'warn-text', title: 'No live worker serves this queue' }, '0')),
        h('td', { class: 'actions' }, q.paused
          ? button('Resume', (e) => setPaused(q.name, false, e.currentTarget), { kind: 'btn-small btn-primary', testid: 'queue-resume', dataset: { queue: q.name } })
          : button('Pause', (e) => setPaused(q.name, true, e.currentTarget), { kind: 'btn-small', testid: 'queue-pause', dataset: { queue: q.name } }))));
      queues.body.append(table([
        { title: 'Queue' }, { title: 'State' }, { title: 'Ready', num: true }, { title: 'Scheduled', num: true }, { title: 'In flight', num: true },
        { title: 'Dead', num: true }, { title: 'Oldest ready', num: true }, { title: 'Workers', num: true }, { title: '' },
      ], rows, { testid: 'queues-table', empty: 'No queue known yet.' }));
    }

    let readyz = null;
    function schedulerCard() {
      const sch = readyz && readyz.scheduler;
      if (!sch) return card('Scheduler', readyz ? 'not reported' : '—', { testid: 'card-scheduler' });
      return card('Scheduler', badge(sch.status), { testid: 'card-scheduler', hint: sch.leader ? `leader ${sch.leader} · lag ${fmtMs(sch.lag_ms)}` : 'no leader' });
    }

    return {
      async refresh() {
        readyz = await fetchReadiness().catch(() => null);
        await queues.load(fetchQueues, render, 'Queues');
        await charts.load(async () => { const box = h('div', { class: 'chart-grid' }); await loadThroughput(box, names); return box; },
          (box, body) => body.append(box), 'Throughput history');
      },
    };
  }

  function workersView(page, ctx) {
    const cards = h('div', { class: 'cards', testid: 'workers-cards' });
    const list = panel(ctx, 'Live workers', { testid: 'workers-panel' });
    page.append(pageHeader('Workers', 'Every worker process that sent a heartbeat recently: where it runs, what it serves and how busy it is.'), cards, list.el);
    return {
      async refresh() {
        await list.load(() => api('GET', '/api/v1/workers'), (data) => {
          const items = data.items || [];
          const slots = items.reduce((a, w) => a + (w.concurrency || 0), 0);
          const busy = items.reduce((a, w) => a + (w.in_flight || 0), 0);
          const hosts = new Set(items.map((w) => w.host)).size;
          cards.replaceChildren(card('Workers', fmtNumber(items.length), { testid: 'card-workers' }), card('Hosts', fmtNumber(hosts)),
            card('Busy slots', `${fmtNumber(busy)} / ${fmtNumber(slots)}`, { testid: 'card-slots' }));
          const rows = items.map((w) => {
            // The API measures the age on Redis's clock; the browser's clock is only a fallback.
            const beat = parseTime(w.beat_at);
            const age = typeof w.beat_age_seconds === 'number' ? w.beat_age_seconds
              : beat === null ? null : Math.max(0, (Date.now() - beat) / 1000);
            const tone = age === null ? 'muted' : age < 15 ? 'ok' : age < 60 ? 'warn' : 'bad';
            return h('tr', { testid: 'worker-row', dataset: { workerId: w.id, host: w.host } },
              h('td', null, h('strong', null, w.host || '—'), h('div', { class: 'muted small mono' }, w.id)),
              h('td', { class: 'num' }, w.pid ?? '—'),
              h('td', null, (w.queues || []).map((q) => h('span', { class: 'chip' }, q))),
              h('td', null, h('div', { class: 'inflight' }, meter(w.in_flight || 0, w.concurrency || 0), h('span', { testid: 'worker-inflight' }, `${w.in_flight ?? 0} / ${w.concurrency ?? 0}`))),
              h('td', null, h('span', { class: `tone-text-${tone}`, testid: 'worker-heartbeat', title: w.beat_at || '' }, age === null ? '—' : `${fmtSpan(age)} ago`)),
              h('td', null, w.started_at ? timeEl(w.started_at, true) : '—'),
              h('td', { class: 'muted' }, w.version || '—'));
          });
          list.body.append(table([{ title: 'Host / id' }, { title: 'PID', num: true }, { title: 'Queues' }, { title: 'In flight / concurrency' },
            { title: 'Last heartbeat' }, { title: 'Started' }, { title: 'Version' }], rows, { testid: 'workers-table', empty: 'No worker is alive: nothing takes jobs from the queues.' }));
        }, 'Workers');
      },
    };
  }

  function schedulerView(page, ctx) {
    const status = panel(ctx, 'Leader', { testid: 'scheduler-panel' });
    const checks = panel(ctx, 'Readiness checks', { testid: 'checks-panel' });
    page.append(pageHeader('Scheduler', 'Several schedulers may run; one leads (a Redis lease with a fencing token) and fires timed posts, runs the queue maintenance and refreshes tokens.'),
      status.el, checks.el);
    return {
      async refresh() {
        const data = await status.load(fetchReadiness, (r) => {
          const sch = r.scheduler;
          if (!sch) { status.body.append(emptyNote('This server reports no scheduler figures.')); return; }
          const lagTone = (sch.lag_ms || 0) > 1000 ? 'warn' : 'ok';
          status.body.append(h('div', { class: 'cards' },
            card('Status', badge(sch.status, 'scheduler-status'), { testid: 'card-scheduler-status', tone: STATUS_TONE[sch.status] === 'ok' ? null : STATUS_TONE[sch.status] }),
            card('Leader', h('span', { class: 'mono', testid: 'scheduler-leader' }, sch.leader || 'none'), { hint: sch.fencing_token !== null && sch.fencing_token !== undefined ? `term (fencing token) ${sch.fencing_token}` : null }),
            card('Lag', h('span', { testid: 'scheduler-lag' }, fmtMs(sch.lag_ms)), { tone: lagTone === 'ok' ? null : lagTone, hint: 'how long the oldest due item has waited to fire' }),
            card('Stuck past due', h('span', { testid: 'scheduler-stuck' }, fmtNumber(sch.stuck_past_due)), { tone: sch.stuck_past_due ? 'warn' : null, hint: 'posts due over a minute ago, not running' }),
            card('Recorder lag', fmtMs(sch.recorder_lag_ms), { hint: 'oldest result not yet written to PostgreSQL' }),
            card('Figures published', sch.updated_ms_ago === null || sch.updated_ms_ago === undefined ? '—' : `${fmtMs(sch.updated_ms_ago)} ago`, { tone: (sch.updated_ms_ago || 0) > 30000 ? 'warn' : null })));
        }, 'Readiness (/readyz)');
        checks.body.replaceChildren();
        if (data) {
          const entries = Object.entries(data.checks || {});
          checks.body.append(h('div', { class: 'cards' }, card('Overall', badge(data.status), { testid: 'ready-status' }),
            entries.map(([name, value]) => card(name, badge(value), { testid: `check-${name}` }))));
        }
      },
    };
  }

  function scheduleText(schedule) {
    if (!schedule) return '—';
    if (schedule.type === 'now') return 'Now';
    if (schedule.type === 'at') return `At ${String(schedule.at).replace('T', ' ')} (${schedule.timezone})`;
    if (schedule.type === 'slots') {
      const slots = (schedule.slots || []).map((slot) => `${slot.weekday} ${slot.time}`);
      return `Weekly: ${slots.slice(0, 3).join(', ')}${slots.length > 3 ? ` +${slots.length - 3}` : ''} (${schedule.timezone})`;
    }
    return schedule.type || '—';
  }

  function campaignsView(page, ctx) {
    const filter = ctx.params.get('status') || '';
    const select = h('select', { id: 'campaigns-filter-status', testid: 'campaigns-filter-status', 'aria-label': 'Status',
      onchange: (e) => go('campaigns', { status: e.target.value }) },
    h('option', { value: '' }, 'All statuses'), CAMPAIGN_STATUSES.map((st) => h('option', { value: st, selected: st === filter }, st)));
    const list = panel(ctx, 'Campaigns', { testid: 'campaigns-panel' });
    const paging = pager(() => ctx.refreshNow(), 'campaigns');
    page.append(pageHeader('Campaigns', 'What to post, to whom and when; the bar shows where each campaign\'s posts are.', h('label', { class: 'inline-field' }, 'Status ', select)), list.el);
    // Progress of campaigns that cannot change any more (drafts, finished ones) is asked once, not every 5 s.
    const settled = new Map();
    const progressOf = async (c) => {
      const key = `${c.id}|${c.status}|${c.updated_at}`;
      if (settled.has(key)) return settled.get(key);
      const p = await api('GET', `/api/v1/campaigns/${enc(c.id)}/progress`);
      if (['draft', 'completed', 'cancelled'].includes(c.status)) settled.set(key, p);
      return p;
    };
    return {
      async refresh() {
        await list.load(async () => {
          const query = new URLSearchParams({ limit: '25' });
          if (filter) query.set('status', filter);
          if (paging.state.cursor) query.set('cursor', paging.state.cursor);
          const data = await api('GET', `/api/v1/campaigns?${query}`);
          const progress = await Promise.allSettled((data.items || []).map(progressOf));
          return { data, progress };
        }, ({ data, progress }) => {
          const rows = (data.items || []).map((c, i) => {
            const p = progress[i].status === 'fulfilled' ? progress[i].value : null;
            const counts = p ? p.by_status || {} : {};
            const total = p ? p.total || 0 : 0;
            const finished = ['completed', 'failed', 'cancelled', 'missed'].reduce((a, k) => a + (counts[k] || 0), 0);
            let progressCell;
            if (!p) progressCell = errorNote(progress[i].reason, 'Progress');
            else if (!total) progressCell = h('span', { class: 'muted' }, c.status === 'draft' ? 'draft: no posts until it starts' : 'no posts');
            else {
              const failed = (counts.failed || 0) + (counts.missed || 0);
              progressCell = h('div', { class: 'progress-cell' }, progressBar(counts, total, 'campaign-progress'),
                h('div', { class: 'small muted', testid: 'campaign-progress-text' },
                  `${finished} of ${total} finished · ${counts.completed || 0} completed${failed ? ` · ${failed} failed` : ''}${counts.scheduled ? ` · ${counts.scheduled} scheduled` : ''}${counts.running ? ` · ${counts.running} running` : ''}`));
            }
            return h('tr', { testid: 'campaign-row', dataset: { campaignId: c.id, status: c.status } },
              h('td', null, h('a', { href: `#/posts?campaign_id=${enc(c.id)}`, class: 'strong-link', title: 'Show this campaign\'s posts' }, c.name), h('div', { class: 'muted small' }, `${c.mode === 'inbox' ? 'inbox drafts' : 'direct post'} · ${(c.media_ids || []).length} video(s)`)),
              h('td', null, badge(c.status)),
              h('td', { class: 'small' }, scheduleText(c.schedule)),
              h('td', { class: 'progress-col' }, progressCell),
              h('td', { class: 'small' }, timeEl(c.started_at || c.created_at, true)));
          });
          list.body.append(table([{ title: 'Campaign' }, { title: 'Status' }, { title: 'Schedule' }, { title: 'Progress' }, { title: 'Started / created' }], rows,
            { testid: 'campaigns-table', empty: filter ? `No ${filter} campaign.` : 'No campaign yet.' }), paging.el);
          paging.update(data.next_cursor);
        }, 'Campaigns');
      },
    };
  }

  function postsView(page, ctx) {
    const params = ctx.params;
    const current = { status: params.get('status') || '', account_id: params.get('account_id') || '', campaign_id: params.get('campaign_id') || '' };
    const pageSize = Math.min(200, Math.max(1, parseInt(params.get('limit'), 10) || 25));
    const change = (field) => (e) => go('posts', { ...current, [field]: e.target.value, limit: pageSize === 25 ? '' : String(pageSize) });
    const statusSelect = h('select', { id: 'posts-filter-status', testid: 'posts-filter-status', onchange: change('status') },
      h('option', { value: '' }, 'All statuses'), POST_STATUSES.map((st) => h('option', { value: st, selected: st === current.status }, st)));
    const accountSelect = h('select', { id: 'posts-filter-account', testid: 'posts-filter-account', onchange: change('account_id') }, h('option', { value: '' }, 'All accounts'));
    const campaignSelect = h('select', { id: 'posts-filter-campaign', testid: 'posts-filter-campaign', onchange: change('campaign_id') }, h('option', { value: '' }, 'All campaigns'));
    const clearLink = h('a', { href: '#/posts', class: 'small', testid: 'posts-filter-clear' }, 'Clear filters');
    const filters = h('form', { class: 'filters', testid: 'posts-filters', onsubmit: (e) => e.preventDefault() },
      h('label', null, h('span', null, 'Status'), statusSelect), h('label', null, h('span', null, 'Account'), accountSelect),
      h('label', null, h('span', null, 'Campaign'), campaignSelect), clearLink);
    const list = panel(ctx, 'Posts', { testid: 'posts-panel' });
    const paging = pager(() => ctx.refreshNow(), 'posts');
    page.append(pageHeader('Posts', 'One video to one account at one time, newest first. Click a post for its timeline.'), filters, list.el);

    function fillSelect(select, items, label, selected) {
      const keep = select.value || selected;
      const options = [h('option', { value: '' }, label)];
      const seen = new Set();
      for (const item of items) { seen.add(item.value); options.push(h('option', { value: item.value, selected: item.value === keep }, item.label)); }
      if (keep && !seen.has(keep)) options.push(h('option', { value: keep, selected: true }, shortId(keep)));
      select.replaceChildren(...options);
    }

    let lookupsFilled = false;
    return {
      async refresh() {
        const names = await loadLookups().catch(() => lookups);
        if (!lookupsFilled) {
          fillSelect(accountSelect, (names.accounts || []).map((a) => ({ value: a.id, label: a.nickname || a.username || a.open_id })), 'All accounts', current.account_id);
          fillSelect(campaignSelect, (names.campaigns || []).map((c) => ({ value: c.id, label: c.name })), 'All campaigns', current.campaign_id);
          lookupsFilled = true;
        }
        await list.load(() => {
          const query = new URLSearchParams({ limit: String(pageSize) });
          for (const [k, v] of Object.entries(current)) if (v) query.set(k, v);
          if (paging.state.cursor) query.set('cursor', paging.state.cursor);
          return api('GET', `/api/v1/posts?${query}`);
        }, (data) => {
          const rows = (data.items || []).map((p) => {
            const open = () => { location.hash = `#/posts/${enc(p.id)}`; };
            return h('tr', { class: 'clickable', testid: 'post-row', dataset: { postId: p.id, status: p.status }, onclick: (e) => { if (!(e.target instanceof HTMLAnchorElement)) open(); } },
              h('td', null, h('a', { href: `#/posts/${enc(p.id)}`, class: 'mono', testid: 'post-link' }, shortId(p.id))),
              h('td', null, badge(p.status, 'post-status')),
              h('td', null, accountName(p.account_id)),
              h('td', { class: 'small' }, p.campaign_id ? campaignName(p.campaign_id) : h('span', { class: 'muted' }, 'standalone')),
              h('td', { class: 'caption' }, h('span', { title: p.caption || '' }, p.caption || '')),
              h('td', { class: 'small' }, timeEl(p.run_at)),
              h('td', { class: 'num' }, `${p.attempts}/${p.max_attempts}`),
              h('td', { class: 'small' }, p.error_code ? h('span', { class: 'bad-text', title: p.error_message || '' }, p.error_code) : ''));
          });
          const filtered = Object.values(current).some(Boolean);
          list.body.append(table([{ title: 'Post' }, { title: 'Status' }, { title: 'Account' }, { title: 'Campaign' }, { title: 'Caption' }, { title: 'Run at' },
            { title: 'Attempts', num: true }, { title: 'Error' }], rows, { testid: 'posts-table', empty: filtered ? 'No post matches these filters.' : 'No post yet.' }), paging.el);
          paging.update(data.next_cursor);
        }, 'Posts');
      },
    };
  }

  function postDetailView(page, ctx) {
    const id = ctx.segments[1];
    const actions = h('div', { class: 'page-actions' });
    const summary = panel(ctx, 'Post', { testid: 'post-panel' });
    const timeline = panel(ctx, 'Timeline', { testid: 'timeline-panel' });
    page.append(h('p', { class: 'crumbs' }, h('a', { href: '#/posts', testid: 'back-to-posts' }, '← Posts')),
      h('div', { class: 'page-head' }, h('div', null, h('h1', { testid: 'post-title' }, `Post ${shortId(id)}`), h('p', { class: 'muted mono small' }, id)), actions),
      summary.el, timeline.el);

    async function act(path, okText) {
      try {
        await api('POST', path);
        toast(okText, 'ok');
      } catch (error) {
        toast(`${errorText(error)}${error instanceof ApiError && detailLines(error.details).length ? ` (${detailLines(error.details).join('; ')})` : ''}`, 'error');
      }
      await ctx.refreshNow();
    }

    return {
      async refresh() {
        await loadLookups().catch(() => lookups);
        const post = await summary.load(() => api('GET', `/api/v1/posts/${enc(id)}`), (p) => {
          const field = (label, value, testid) => [h('dt', null, label), h('dd', { testid }, value)];
          summary.body.append(h('dl', { class: 'fields' },
            field('Status', badge(p.status, 'post-status'), null),
            field('Account', h('a', { href: `#/posts?account_id=${enc(p.account_id)}` }, accountName(p.account_id))),
            field('Campaign', p.campaign_id ? h('a', { href: `#/posts?campaign_id=${enc(p.campaign_id)}` }, campaignName(p.campaign_id)) : 'standalone'),
            field('Caption', h('span', { class: 'pre' }, p.caption || '—'), 'post-caption'),
            field('Mode', p.mode === 'inbox' ? 'inbox draft' : 'direct post'),
            field('Privacy', (p.post_settings && p.post_settings.privacy_level) || '—'),
            field('Run at', timeEl(p.run_at)), field('Started', timeEl(p.started_at)), field('Finished', timeEl(p.finished_at)),
            field('Attempts', `${p.attempts} of ${p.max_attempts}`),
            field('Queue', p.queue), field('Media', h('span', { class: 'mono' }, p.media_id)),
            field('TikTok publish id', p.publish_id ? h('span', { class: 'mono' }, p.publish_id) : '—'),
            field('TikTok post ids', (p.tiktok_post_ids || []).length ? p.tiktok_post_ids.join(', ') : '—'),
            p.error_code ? field('Error', h('span', { class: 'bad-text' }, p.error_message && p.error_message.startsWith(p.error_code) ? p.error_message : `${p.error_code}${p.error_message ? `: ${p.error_message}` : ''}`), 'post-error') : null));
          actions.replaceChildren();
          if (RETRYABLE.has(p.status)) actions.append(button('Retry', () => act(`/api/v1/posts/${enc(id)}/retry`, 'Post queued again.'), { kind: 'btn-primary', testid: 'post-retry' }));
          if (!TERMINAL.has(p.status)) actions.append(confirmButton('Cancel', 'Click again to cancel', () => act(`/api/v1/posts/${enc(id)}/cancel`, 'Post cancelled.'), { testid: 'post-cancel' }));
        }, 'Post');
        timeline.body.replaceChildren();
        if (!post) return;
        const events = post.events || [];
        if (!events.length) { timeline.body.append(emptyNote('No event recorded.')); return; }
        timeline.body.append(h('ol', { class: 'timeline', testid: 'post-timeline' }, events.map((ev) => {
          const detail = ev.detail && typeof ev.detail === 'object' ? Object.entries(ev.detail) : [];
          return h('li', { class: `event tone-${STATUS_TONE[ev.to_status] || 'muted'}`, testid: 'post-event', dataset: { event: ev.event } },
            h('span', { class: 'event-dot', 'aria-hidden': 'true' }),
            h('div', { class: 'event-body' },
              h('div', { class: 'event-head' }, h('strong', null, ev.event), ev.from_status || ev.to_status
                ? h('span', { class: 'transition' }, ev.from_status ? badge(ev.from_status) : null, ev.from_status && ev.to_status ? ' → ' : null, ev.to_status ? badge(ev.to_status) : null) : null,
              h('span', { class: 'muted small' }, timeEl(ev.occurred_at), ' · ', fmtRelative(ev.occurred_at))),
              h('div', { class: 'small muted' }, [ev.attempt !== null && ev.attempt !== undefined ? `attempt ${ev.attempt}` : null, ev.actor ? `by ${ev.actor}` : null].filter(Boolean).join(' · ')),
              detail.length ? h('div', { class: 'chips' }, detail.map(([k, v]) => h('span', { class: 'chip', title: typeof v === 'string' ? v : JSON.stringify(v) }, `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`))) : null));
        })));
      },
    };
  }

  function deadView(page, ctx) {
    let queue = ctx.params.get('queue') || '';
    const tabs = h('div', { class: 'tabs', role: 'tablist', testid: 'dead-tabs' });
    const list = panel(ctx, 'Dead jobs', { testid: 'dead-panel' });
    const paging = pager(() => ctx.refreshNow(), 'dead');
    const retryAll = confirmButton('Retry all', 'Click again: retry every dead job', async () => {
      try {
        const r = await api('POST', `/api/v1/queues/${enc(queue)}/dead/retry`, {});
        toast(`${r.retried} dead job(s) of ${queue} put back in the queue.`, 'ok');
      } catch (error) { toast(`Retry all failed: ${errorText(error)}`, 'error'); }
      await ctx.refreshNow();
    }, { testid: 'dead-retry-all', kind: 'btn-small' });
    list.actions.append(retryAll);
    page.append(pageHeader('Dead letters', 'Jobs that used all their attempts or failed for good. Retrying puts them back in the queue with their payload.'), tabs, list.el);

    async function retryOne(id, btn) {
      btn.disabled = true;
      btn.textContent = 'Retrying…';
      try {
        const r = await api('POST', `/api/v1/queues/${enc(queue)}/dead/retry`, { ids: [id] });
        if (r.retried > 0) toast(`Job ${shortId(id)} put back in ${queue}.`, 'ok');
        else toast(`Nothing retried: job ${shortId(id)} is no longer dead.`, 'warn');
      } catch (error) { toast(`Retry failed: ${errorText(error)}`, 'error'); }
      await ctx.refreshNow();
    }

    const uuidLike = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
    return {
      async refresh() {
        const queues = await fetchQueues().catch(() => null);
        const items = queues ? queues.items || [] : [];
        if (!queue) queue = (items.find((q) => q.dead > 0) || items[0] || { name: 'publish' }).name;
        tabs.replaceChildren(...(items.length ? items : [{ name: queue, dead: null }]).map((q) => h('a', {
          href: `#/dead?queue=${enc(q.name)}`, role: 'tab', class: `tab${q.name === queue ? ' active' : ''}`, 'aria-selected': q.name === queue ? 'true' : 'false', testid: 'dead-tab', dataset: { queue: q.name },
        }, q.name, q.dead !== null && q.dead !== undefined ? h('span', { class: `count${q.dead ? ' count-bad' : ''}` }, fmtNumber(q.dead)) : null)));
        list.heading.textContent = `Dead jobs in ${queue}`;
        await list.load(() => {
          const query = new URLSearchParams({ limit: '50' });
          if (paging.state.cursor) query.set('cursor', paging.state.cursor);
          return api('GET', `/api/v1/queues/${enc(queue)}/dead?${query}`);
        }, (data) => {
          const rows = (data.items || []).map((job) => h('tr', { testid: 'dead-row', dataset: { jobId: job.id, queue } },
            h('td', null, uuidLike.test(job.id) && queue === 'publish' ? h('a', { href: `#/posts/${enc(job.id)}`, class: 'mono', title: job.id }, shortId(job.id)) : h('span', { class: 'mono', title: job.id }, shortId(job.id))),
            h('td', { class: 'small' }, job.name || '—'),
            h('td', { class: 'num' }, fmtNumber(job.attempts)),
            h('td', { class: 'error-cell' }, job.last_error ? h('span', { class: 'bad-text' }, job.last_error) : h('span', { class: 'muted' }, '—')),
            h('td', { class: 'small' }, job.died_at ? h('span', { title: job.died_at }, fmtRelative(job.died_at)) : '—'),
            h('td', { class: 'actions' }, button('Retry', (e) => retryOne(job.id, e.currentTarget), { kind: 'btn-small btn-primary', testid: 'dead-retry', dataset: { jobId: job.id } }))));
          retryAll.hidden = rows.length === 0;
          list.body.append(table([{ title: 'Job' }, { title: 'Name' }, { title: 'Attempts', num: true }, { title: 'Last error' }, { title: 'Died' }, { title: '' }], rows,
            { testid: 'dead-table', empty: `No dead job in ${queue}.` }), paging.el);
          paging.update(data.next_cursor);
        }, 'Dead jobs');
      },
    };
  }

  function expiryCell(value, warnSeconds, testid) {
    const t = parseTime(value);
    if (t === null) return h('span', { class: 'muted', testid }, '—');
    const left = (t - Date.now()) / 1000;
    const tone = left <= 0 ? 'bad' : left < warnSeconds ? 'warn' : 'ok';
    return h('span', { class: `expiry expiry-${tone}`, testid, dataset: { tone }, title: new Date(t).toISOString() },
      left <= 0 ? `expired ${fmtSpan(-left)} ago` : `in ${fmtSpan(left)}`);
  }

  function accountsView(page, ctx) {
    const filter = ctx.params.get('status') || '';
    const select = h('select', { id: 'accounts-filter-status', testid: 'accounts-filter-status', 'aria-label': 'Status', onchange: (e) => go('accounts', { status: e.target.value }) },
      h('option', { value: '' }, 'All statuses'), ACCOUNT_STATUSES.map((st) => h('option', { value: st, selected: st === filter }, st.replace(/_/g, ' '))));
    const list = panel(ctx, 'Accounts', { testid: 'accounts-panel' });
    const paging = pager(() => ctx.refreshNow(), 'accounts');
    page.append(pageHeader('Accounts', 'TikTok creators Reelay posts for: status, token lifetimes (amber within 2 h / 7 d, red when past) and daily caps.',
      h('label', { class: 'inline-field' }, 'Status ', select)), list.el);
    return {
      async refresh() {
        await list.load(() => {
          const query = new URLSearchParams({ limit: '50' });
          if (filter) query.set('status', filter);
          if (paging.state.cursor) query.set('cursor', paging.state.cursor);
          return api('GET', `/api/v1/accounts?${query}`);
        }, (data) => {
          const rows = (data.items || []).map((a) => h('tr', { testid: 'account-row', dataset: { accountId: a.id, status: a.status } },
            h('td', null, h('a', { href: `#/posts?account_id=${enc(a.id)}`, class: 'strong-link', title: 'Show this account\'s posts' }, a.nickname || a.open_id),
              h('div', { class: 'muted small' }, a.username ? `@${a.username}` : a.open_id)),
            h('td', null, badge(a.status, 'account-status'),
              a.status_reason ? h('div', { class: 'small muted', testid: 'account-reason' }, a.status_reason) : null,
              a.cooldown_until ? h('div', { class: 'small warn-text' }, 'until ', timeEl(a.cooldown_until)) : null),
            h('td', null, (a.labels || []).map((l) => h('span', { class: 'chip' }, l))),
            h('td', { class: 'small' }, a.timezone),
            h('td', { class: 'num', testid: 'account-cap' }, fmtNumber(a.daily_cap)),
            h('td', null, expiryCell(a.access_token_expires_at, 2 * 3600, 'access-expiry')),
            h('td', null, expiryCell(a.refresh_token_expires_at, 7 * 86400, 'refresh-expiry'))));
          list.body.append(table([{ title: 'Account' }, { title: 'Status' }, { title: 'Labels' }, { title: 'Time zone' }, { title: 'Daily cap', num: true },
            { title: 'Access token' }, { title: 'Refresh token' }], rows, { testid: 'accounts-table', empty: filter ? `No ${filter.replace(/_/g, ' ')} account.` : 'No account yet.' }), paging.el);
          paging.update(data.next_cursor);
        }, 'Accounts');
      },
    };
  }

  function chartsView(page, ctx) {
    const cards = h('div', { class: 'cards', testid: 'stats-cards' });
    const perAccount = panel(ctx, 'Publishes per account per day (last 14 days)', { testid: 'account-day-panel' });
    const byStatus = panel(ctx, 'Posts by status', { testid: 'status-panel' });
    const throughput = panel(ctx, 'Throughput and failures per queue, last 60 minutes', { testid: 'charts-throughput-panel' });
    page.append(pageHeader('Charts', 'Publishing outcomes from /posts/stats and per-minute queue throughput.'), cards, perAccount.el, byStatus.el, throughput.el);
    return {
      async refresh() {
        await loadLookups().catch(() => lookups);
        const since = new Date();
        since.setUTCHours(0, 0, 0, 0);
        since.setUTCDate(since.getUTCDate() - 13);
        const stats = await perAccount.load(() => api('GET', `/api/v1/posts/stats?from=${enc(since.toISOString().replace(/\.\d{3}Z$/, 'Z'))}`), (st) => {
          if (Array.isArray(st.per_account_day)) {
            perAccount.body.append(st.per_account_day.length ? accountDayChart(st.per_account_day, accountName) : emptyNote('No post in the last 14 days.'));
          } else {
            perAccount.body.append(h('div', { class: 'note note-unavailable', testid: 'unavailable' }, h('strong', null, 'Per-account-per-day figures unavailable. '),
              'This server\'s /posts/stats has no per_account_day: showing totals per day and per account instead.'));
            perAccount.body.append(h('div', { class: 'chart-grid' },
              (st.per_day || []).length ? perDayChart(st.per_day) : emptyNote('No post per day.'),
              (st.per_account || []).length ? perAccountChart(st.per_account, accountName) : emptyNote('No post per account.')));
          }
        }, 'Post statistics');
        cards.replaceChildren();
        byStatus.body.replaceChildren();
        if (stats) {
          cards.append(card('Posts (14 days)', fmtNumber(stats.total), { testid: 'card-total' }),
            card('Success rate', stats.success_rate === null || stats.success_rate === undefined ? '—' : `${(stats.success_rate * 100).toFixed(1)} %`, { testid: 'card-success', tone: stats.success_rate !== null && stats.success_rate < 0.9 ? 'warn' : null }),
            card('Median time to publish', stats.median_seconds_to_publish === null || stats.median_seconds_to_publish === undefined ? '—' : fmtSpan(stats.median_seconds_to_publish), { testid: 'card-median' }));
          const counts = stats.by_status || {};
          byStatus.body.append(progressBar(counts, stats.total || 0, 'status-bar'),
            h('div', { class: 'status-counts' }, POST_STATUSES.filter((st) => counts[st]).map((st) =>
              h('a', { href: `#/posts?status=${enc(st)}`, class: 'status-count' }, badge(st), ` ${fmtNumber(counts[st])}`))));
        }
        const queues = await fetchQueues().catch(() => null);
        await throughput.load(async () => {
          const box = h('div', { class: 'chart-grid' });
          await loadThroughput(box, queues ? (queues.items || []).map((q) => q.name) : ['publish']);
          return box;
        }, (box, body) => body.append(box), 'Throughput history');
      },
    };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Router, refresh loop, header

  const ROUTES = {
    queues: { title: 'Queues', view: queuesView },
    workers: { title: 'Workers', view: workersView },
    scheduler: { title: 'Scheduler', view: schedulerView },
    campaigns: { title: 'Campaigns', view: campaignsView },
    posts: { title: 'Posts', view: postsView, detail: postDetailView },
    dead: { title: 'Dead letters', view: deadView },
    accounts: { title: 'Accounts', view: accountsView },
    charts: { title: 'Charts', view: chartsView },
  };

  function go(name, params = {}) {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v) query.set(k, v);
    const text = query.toString();
    location.hash = `#/${name}${text ? `?${text}` : ''}`;
  }

  function parseHash() {
    const raw = location.hash.replace(/^#\/?/, '');
    const cut = raw.indexOf('?');
    const path = cut < 0 ? raw : raw.slice(0, cut);
    const query = cut < 0 ? '' : raw.slice(cut + 1);
    let segments;
    try { segments = path.split('/').filter(Boolean).map(decodeURIComponent); } catch { segments = []; }
    return { segments, params: new URLSearchParams(query) };
  }

  let generation = 0;
  let current = null;   // { gen, view, timer, running, again }
  let autoRefresh = true;

  function stopView() {
    generation += 1;
    if (current) clearTimeout(current.timer);
    current = null;
  }

  function render() {
    if (!session.key) { showSignIn(); return; }
    showShell();
    stopView();
    const { segments, params } = parseHash();
    let name = segments[0];
    if (!ROUTES[name]) {
      name = 'queues';
      if (location.hash !== '#/queues') { history.replaceState(null, '', '#/queues'); }
    }
    const route = ROUTES[name];
    const detail = Boolean(segments[1] && route.detail);
    const page = $('#page');
    page.replaceChildren();
    page.dataset.page = detail ? `${name}-detail` : name;
    page.dataset.route = location.hash;
    page.dataset.state = 'loading';
    for (const link of document.querySelectorAll('#nav a')) {
      if (link.dataset.route === name) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
    }
    document.title = `${route.title} · Reelay`;
    const gen = generation;
    const ctx = {
      params, segments,
      alive: () => gen === generation && Boolean(session.key),
      refreshNow: () => refreshRound(gen, true),
    };
    current = { gen, view: (detail ? route.detail : route.view)(page, ctx), timer: null, running: null };
    refreshRound(gen, true);
  }

  /** One refresh of the visible page and the header; then the next is scheduled. */
  async function refreshRound(gen, forced = false) {
    if (!current || current.gen !== gen) return;
    if (current.running) { current.again = true; return current.running; }
    clearTimeout(current.timer);
    const page = $('#page');
    const run = (async () => {
      if (forced || (autoRefresh && !document.hidden)) {
        roundCache = new Map();
        page.dataset.busy = 'true';
        try {
          await Promise.all([current.view.refresh(), refreshHeader()]);
        } catch (error) {
          console.error(error);
        }
        if (!current || current.gen !== gen) return;
        delete page.dataset.busy;
        page.dataset.state = 'ready';
        page.dataset.refreshedAt = String(Date.now());
        $('#last-refresh').textContent = `Updated ${fmtClock(Date.now())}`;
      }
    })();
    current.running = run;
    await run;
    if (!current || current.gen !== gen) return;
    current.running = null;
    if (current.again) { current.again = false; return refreshRound(gen, true); }
    current.timer = setTimeout(() => refreshRound(gen), REFRESH_MS);
  }

  async function refreshHeader() {
    const health = $('#health');
    const text = $('#health-text');
    try {
      const r = await fetchReadiness();
      const failing = Object.entries(r.checks || {}).filter(([, v]) => v !== 'ok').map(([k]) => k);
      const sch = r.scheduler;
      let status = r.status === 'ok' ? 'ok' : 'bad';
      let message = r.status === 'ok' ? 'API ready' : `Not ready: ${failing.join(', ') || r.status}`;
      if (status === 'ok' && sch && sch.status !== 'ok') { status = 'warn'; message = `Scheduler ${sch.status.replace(/_/g, ' ')}`; }
      health.dataset.status = status;
      text.textContent = message;
    } catch (error) {
      health.dataset.status = 'bad';
      text.textContent = 'API unreachable';
    }
    try {
      const q = await fetchQueues();
      const dead = (q.items || []).reduce((a, item) => a + (item.dead || 0), 0);
      const count = $('#nav-dead-count');
      count.hidden = dead === 0;
      count.textContent = fmtNumber(dead);
    } catch { /* the page shows the error */ }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Sign-in

  function showSignIn(message, kind = 'info') {
    stopView();
    $('#shell').hidden = true;
    $('#signin').hidden = false;
    const note = $('#signin-message');
    if (message) {
      note.textContent = message;
      note.dataset.kind = kind;
      note.hidden = false;
    } else if (!note.dataset.kind) {
      note.hidden = true;
    }
    const input = $('#signin-key');
    input.value = '';
    input.focus();
    document.title = 'Sign in · Reelay';
  }

  function showShell() {
    $('#signin').hidden = true;
    $('#shell').hidden = false;
  }

  function expireSession(error) {
    if (!session.key) return;
    session.key = '';
    sessionStorage.removeItem(KEY_STORAGE);
    showSignIn(`The API refused the key (${error.status} ${error.code}: ${error.message}). Sign in again.`, 'error');
  }

  async function signIn(event) {
    event.preventDefault();
    const input = $('#signin-key');
    const submit = $('#signin-submit');
    const note = $('#signin-message');
    const key = input.value.trim();
    if (!key) return;
    submit.disabled = true;
    submit.textContent = 'Checking…';
    note.hidden = true;
    delete note.dataset.kind;
    try {
      // A read every role may do: 401 means the key itself is wrong.
      const { response, data } = await request('GET', '/api/v1/accounts?limit=1', undefined, { auth: false, headers: { Authorization: `Bearer ${key}` } });
      if (!response.ok) {
        const err = data && data.error ? data.error : {};
        throw new ApiError(response.status, err.code || `http_${response.status}`, err.message || response.statusText, err.details, 'GET', '/api/v1/accounts');
      }
      session.key = key;
      sessionStorage.setItem(KEY_STORAGE, key);
      input.value = '';
      lookups.at = 0;
      if (!location.hash || location.hash === '#' || location.hash === '#/') history.replaceState(null, '', '#/queues');
      render();
    } catch (error) {
      note.textContent = error instanceof ApiError && error.status === 401
        ? `That key was refused (${error.code}: ${error.message}).`
        : `Could not sign in: ${error instanceof ApiError ? errorText(error) : error.message}`;
      note.dataset.kind = 'error';
      note.hidden = false;
    } finally {
      submit.disabled = false;
      submit.textContent = 'Sign in';
    }
  }

  function signOut() {
    session.key = '';
    sessionStorage.removeItem(KEY_STORAGE);
    lookups.accounts = null;
    lookups.campaigns = null;
    showSignIn('Signed out.', 'info');
  }

  function start() {
    $('#signin-form').addEventListener('submit', signIn);
    $('#signout').addEventListener('click', signOut);
    $('#auto-refresh').addEventListener('click', (e) => {
      autoRefresh = !autoRefresh;
      e.currentTarget.textContent = autoRefresh ? 'Auto-refresh on' : 'Auto-refresh off';
      e.currentTarget.setAttribute('aria-pressed', String(autoRefresh));
      if (autoRefresh && current) refreshRound(current.gen, true);
    });
    window.addEventListener('hashchange', render);
    document.addEventListener('visibilitychange', () => { if (!document.hidden && current && autoRefresh) refreshRound(current.gen, true); });
    render();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
