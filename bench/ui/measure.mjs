// Times page loads of Ferry's and MLflow's web UIs in headless Chromium.
//
//   node bench/ui/measure.mjs CONFIG.json OUT.json
//
// CONFIG (written by ui_bench.py): {targets: [{name: "ferry"|"mlflow", base,
// experiment_id, history_run_ids, metrics, steps, total_runs}], views,
// repeats, warmup, timeout_ms, chromium, viewport}.
//
// Every page load gets a fresh browser context (empty HTTP cache, cookies and
// storage). An init script, injected before any of the page's own scripts,
// checks a readiness condition ("probe") once per animation frame from the
// document's start; the first frame in which it holds is recorded as
// performance.now(), i.e. milliseconds since the navigation started (the
// document's time origin). The same clock, the same frame-by-frame check and
// the same browser serve both systems; only the DOM conditions differ, since
// the two UIs differ (see README.md).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

function loadPlaywright() {
  const roots = [...(process.env.NODE_PATH || '').split(path.delimiter).filter(Boolean),
    path.join(here, '..', '..', 'ui', 'node_modules')];
  for (const root of roots) {
    try {
      return createRequire(path.join(root, 'noop.js'))('playwright-core');
    } catch { /* next */ }
  }
  throw new Error(`playwright-core not found under ${roots.join(', ')} (cd ui && npm ci)`);
}

// --- readiness probes ---------------------------------------------------------
// Each runs in the page, once per frame, with `arg`; returns a truthy detail
// object when ready, else null. They must be self-contained (serialized).

function visible(el) {
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 &&
    r.top < window.innerHeight && r.left < window.innerWidth;
}

// Ferry: the first run row shows a number in one of its metric cells.
function ferryRunsTable() {
  const row = document.querySelector('[data-testid="run-row"]');
  if (!row || !visible(row)) return null;
  for (const cell of row.querySelectorAll('[data-testid="metric-cell"]')) {
    const text = cell.textContent.trim();
    if (/\d/.test(text) && visible(cell)) {
      const total = document.querySelector('[data-testid="runs-total"]');
      return {
        metric: text,
        row: row.textContent.trim().slice(0, 80),
        rows: document.querySelectorAll('[data-testid="run-row"]').length,
        total: total ? total.textContent.trim() : null,
      };
    }
  }
  return null;
}

// Ferry: all comparison charts (one per metric) are drawn.
function ferryCompare(arg) {
  const charts = document.querySelectorAll('[data-testid="compare-chart"]');
  if (charts.length !== arg.charts) return null;
  for (const c of charts) if (c.getAttribute('data-drawn') !== 'true') return null;
  // uPlot draws on a canvas; its legend lists the series (the first is x).
  return { charts: charts.length,
    series_per_chart: [...charts].map((c) => Math.max(0, c.querySelectorAll('.u-legend .u-series').length - 1)) };
}

// MLflow (ag-grid): the first data row shows the run's name. row-index="0" is
// the first row; its pinned-left part holds the "Run Name" column.
function mlflowRunsTableName() {
  const cell = document.querySelector('.ag-row[row-index="0"] .ag-cell[col-id="attributes.`Run Name`"]');
  if (!cell || !visible(cell)) return null;
  const link = cell.querySelector('a');
  const text = (link || cell).textContent.trim();
  if (!text) return null;
  return {
    name: text,
    rows: document.querySelectorAll('.ag-center-cols-container .ag-row').length,
    metric_cells_in_first_row: document.querySelectorAll('.ag-row[row-index="0"] .ag-cell[col-id^="metrics."]').length,
  };
}

// MLflow (ag-grid): the first data row shows a number in a metric column.
function mlflowRunsTableMetric() {
  for (const cell of document.querySelectorAll('.ag-row[row-index="0"] .ag-cell[col-id^="metrics."]')) {
    const text = cell.textContent.trim();
    if (/\d/.test(text) && visible(cell)) {
      const name = document.querySelector('.ag-row[row-index="0"] .ag-cell[col-id="attributes.`Run Name`"] a');
      return {
        metric: `${cell.getAttribute('col-id')}=${text}`,
        name: name ? name.textContent.trim() : null,
        rows: document.querySelectorAll('.ag-center-cols-container .ag-row').length,
      };
    }
  }
  return null;
}

// MLflow (plotly): `arg.plots` plots hold at least `arg.paths` drawn line
// paths (non-empty `d`) in all. MLflow draws every curve as two traces (the
// line, and a faint copy at stroke-opacity 0.15 for smoothing), so 10 runs x 2
// metrics = 40 paths.
function mlflowPlotly(arg) {
  const plots = document.querySelectorAll('.js-plotly-plot');
  if (plots.length < arg.plots) return null;
  let paths = 0;
  const per = [];
  for (const p of plots) {
    let n = 0;
    for (const path of p.querySelectorAll('.scatterlayer .trace path.js-line')) {
      const d = path.getAttribute('d');
      if (d && d.length > 1) n++;
    }
    per.push(n);
    paths += n;
  }
  if (paths < arg.paths) return null;
  return { plots: plots.length, paths, per_plot: per };
}

const PROBES = { ferryRunsTable, ferryCompare, mlflowRunsTableName, mlflowRunsTableMetric, mlflowPlotly };

// Installed in every document before its own scripts.
function installer(probe, arg, helpers) {
  const state = { t: null, detail: null, frames: 0, error: null };
  window.__uiBench = state;
  const tick = () => {
    if (state.t !== null) return;
    state.frames++;
    try {
      const d = probe(arg);
      if (d) {
        state.t = performance.now();
        state.detail = d;
        return;
      }
    } catch (e) {
      state.error = String(e);
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  void helpers;
}

function initScript(probeName, arg) {
  // Inline source (no eval, so a Content-Security-Policy cannot get in the way).
  return `(() => { const visible = ${visible.toString()};
    const probe = ${PROBES[probeName].toString()};
    (${installer.toString()})(probe, ${JSON.stringify(arg ?? null)}, null); })();`;
}

// --- views ----------------------------------------------------------------------

const q = (v) => encodeURIComponent(JSON.stringify(v));

function mlflowMetricPageUrl(t) {
  // What MLflow's own links build (Routes.getMetricPageRoute, default settings).
  return `${t.base}/#/metric?runs=${JSON.stringify(t.history_run_ids)}&metric=${q(t.metrics[0])}` +
    `&experiments=${JSON.stringify([t.experiment_id])}&plot_metric_keys=${q(t.metrics)}` +
    `&plot_layout={}&x_axis=step&y_axis_scale=linear&line_smoothness=1&show_point=false` +
    `&deselected_curves=[]&last_linear_y_axis_range=[]`;
}

const mlflowMetricColumns = (t) => [...t.metrics, ...Array.from({ length: 10 }, (_, i) => `m${i}`)]
  .map((k) => `metrics.\`${k}\``);

const VIEWS = {
  ferry: {
    runs_table: {
      url: (t) => `${t.base}/experiments/${t.experiment_id}`,
      probe: 'ferryRunsTable',
    },
    compare: {
      url: (t) => `${t.base}/compare?runs=${t.history_run_ids.join(',')}&metrics=${t.metrics.join(',')}`,
      probe: 'ferryCompare',
      arg: (t) => ({ charts: t.metrics.length }),
    },
  },
  mlflow: {
    // Fresh profile: MLflow 3 shows no metric columns by default, so this is
    // the first row with its run name.
    runs_table: {
      url: (t) => `${t.base}/#/experiments/${t.experiment_id}/runs?workflowType=machine_learning`,
      probe: 'mlflowRunsTableName',
    },
    // A returning user who picked the metric columns: MLflow keeps that choice
    // in localStorage, seeded here before the page loads (HTTP cache still cold).
    runs_table_metric_columns: {
      url: (t) => `${t.base}/#/experiments/${t.experiment_id}/runs?workflowType=machine_learning`,
      probe: 'mlflowRunsTableMetric',
      storage: (t) => ({
        [`MLflowLocalStorage-1.1-ExperimentPage-${JSON.stringify([t.experiment_id])}-ReactComponentState`]:
          JSON.stringify({ selectedColumns: mlflowMetricColumns(t) }),
      }),
    },
    // The metric page: full histories (metrics/get-history per run and key),
    // both metrics in one plotly chart.
    compare: {
      url: mlflowMetricPageUrl,
      probe: 'mlflowPlotly',
      arg: (t) => ({ plots: 1, paths: 2 * t.history_run_ids.length * t.metrics.length }),
    },
    // The experiment page's chart view (MLflow's in-page run comparison): the
    // 10 newest runs are the visible ones by default; one chart per metric,
    // from sampled histories (get-history-bulk-interval, 320 points a run).
    compare_chart_view: {
      url: (t) => `${t.base}/#/experiments/${t.experiment_id}/runs?workflowType=machine_learning&compareRunsMode=CHART`,
      probe: 'mlflowPlotly',
      arg: (t) => ({ plots: t.metrics.length, paths: 2 * t.history_run_ids.length * t.metrics.length }),
    },
  },
};

// Which measurements stand against each other ("runs_table" of Ferry against
// both MLflow runs-table variants, and so on).
const GROUP = { runs_table: 'runs_table', runs_table_metric_columns: 'runs_table', compare: 'compare',
  compare_chart_view: 'compare' };

// --- measuring ------------------------------------------------------------------

async function measureOnce(browser, cfg, target, viewName, view) {
  const context = await browser.newContext({ viewport: cfg.viewport, serviceWorkers: 'block' });
  try {
    if (view.storage) {
      const items = view.storage(target);
      await context.addInitScript((its) => {
        for (const [k, v] of Object.entries(its)) {
          if (localStorage.getItem(k) === null) localStorage.setItem(k, v);
        }
      }, items);
    }
    await context.addInitScript({ content: initScript(view.probe, view.arg ? view.arg(target) : null) });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e).slice(0, 300)));
    let requests = 0;
    let bytes = 0;
    const pending = [];
    // Metric points each UI fetched for its charts (from the history APIs).
    const history = { requests: 0, points: 0 };
    page.on('requestfinished', (r) => {
      requests++;
      pending.push((async () => {
        try { bytes += (await r.sizes()).responseBodySize; } catch { /* gone */ }
        const u = r.url();
        if (!/\/metrics\/(get-history|get-history-bulk-interval|history)(\?|$)/.test(u)) return;
        try {
          const body = await (await r.response()).json();
          history.requests++;
          if (Array.isArray(body.metrics)) history.points += body.metrics.length;
          if (Array.isArray(body.series)) for (const x of body.series) history.points += (x.steps || x.values || []).length;
        } catch { /* not JSON */ }
      })());
    });
    const url = view.url(target);
    const wall0 = Date.now();
    await page.goto(url, { waitUntil: 'commit', timeout: cfg.timeout_ms });
    try {
      await page.waitForFunction(() => window.__uiBench && window.__uiBench.t !== null, null,
        { timeout: cfg.timeout_ms, polling: 50 });
    } catch (e) {
      const st = await page.evaluate(() => window.__uiBench).catch(() => null);
      const shot = path.join(cfg.shots_dir || '/tmp', `fail-${target.name}-${viewName}-${Date.now()}.png`);
      await page.screenshot({ path: shot }).catch(() => {});
      return { ms: null, error: `not ready in ${cfg.timeout_ms} ms: ${String(e).split('\n')[0]}`,
        state: st, page_errors: errors, screenshot: shot, url };
    }
    const wall = Date.now() - wall0;
    const st = await page.evaluate(() => window.__uiBench);
    const nav = await page.evaluate(() => {
      const n = performance.getEntriesByType('navigation')[0];
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      return {
        response_end: n ? n.responseEnd : null,
        dom_content_loaded: n ? n.domContentLoadedEventEnd : null,
        load: n ? n.loadEventEnd : null,
        first_contentful_paint: fcp ? fcp.startTime : null,
      };
    });
    // The API calls, on the page's clock (ms since navigation start).
    const api = await page.evaluate(() => performance.getEntriesByType('resource')
      .filter((e) => /\/(api|ajax-api)\//.test(e.name))
      .map((e) => ({ url: e.name.replace(location.origin, '').slice(0, 160), start: Math.round(e.startTime),
        ttfb: Math.round(e.responseStart), end: Math.round(e.responseEnd) })));
    // Let it settle, then look again: the state must not have been partial.
    await page.waitForTimeout(cfg.settle_ms ?? 1500);
    const settled = await page.evaluate(`(() => { const visible = ${visible.toString()};
      return (${PROBES[view.probe].toString()})(${JSON.stringify(view.arg ? view.arg(target) : null)}); })()`);
    await Promise.all(pending);
    return { ms: st.t, detail: st.detail, settled, frames: st.frames, wall_ms: wall, nav,
      requests, response_bytes: bytes, history, api, page_errors: errors, url, loadavg: os.loadavg()[0] };
  } finally {
    await context.close();
  }
}

async function main() {
  const [cfgPath, outPath] = process.argv.slice(2);
  if (!cfgPath || !outPath) {
    console.error('usage: node measure.mjs CONFIG.json OUT.json');
    process.exit(2);
  }
  const cfg = JSON.parse(fs.readFileSync(cfgPath, 'utf8'));
  const { chromium } = loadPlaywright();
  const browser = await chromium.launch({
    executablePath: cfg.chromium || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const out = { browser: `Chromium ${browser.version()} (headless)`, samples: {}, warmup: {}, views: {} };
  try {
    // Interleave: each round loads every (system, view) once, so slow drifts
    // of the machine's load hit both systems alike.
    const jobs = [];
    for (const target of cfg.targets) {
      for (const [viewName, view] of Object.entries(VIEWS[target.name] || {})) {
        if (!cfg.views.includes(GROUP[viewName])) continue;
        jobs.push({ target, viewName, view });
        out.views[`${target.name}/${viewName}`] = view.url(target);
      }
    }
    for (let round = 0; round < cfg.warmup + cfg.repeats; round++) {
      const warm = round < cfg.warmup;
      for (const { target, viewName, view } of jobs) {
        const r = await measureOnce(browser, cfg, target, viewName, view);
        const bucket = warm ? out.warmup : out.samples;
        ((bucket[target.name] ??= {})[viewName] ??= []).push(r);
        const label = warm ? 'warm-up' : `round ${round - cfg.warmup + 1}/${cfg.repeats}`;
        console.error(`[measure] ${label} ${target.name} ${viewName}: ` +
          (r.ms === null ? `FAILED ${r.error}` : `${r.ms.toFixed(0)} ms ${JSON.stringify(r.detail)}`));
      }
    }
  } finally {
    await browser.close();
  }
  fs.writeFileSync(outPath, JSON.stringify(out, null, 1));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
