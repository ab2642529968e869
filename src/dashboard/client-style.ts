/** The dashboard's stylesheet, served as /dashboard/static/dashboard.css (no inline styles under the CSP). */
export const CLIENT_STYLE = String.raw`
:root {
  --bg: #f6f7f9; --panel: #ffffff; --ink: #1d2330; --muted: #6a7385; --line: #e2e5ea;
  --accent: #2f5fd0; --good: #1f8a4c; --bad: #c0392b; --warn: #b7791f; --info: #2f5fd0;
  --mono: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace;
}
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); background: var(--bg); }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre, .mono { font-family: var(--mono); font-size: 12.5px; }
header.top { display: flex; align-items: center; gap: 24px; padding: 10px 24px; background: #1d2330; color: #fff; }
header.top .brand { color: #fff; font-weight: 700; font-size: 16px; letter-spacing: .02em; }
header.top nav { display: flex; gap: 4px; flex: 1; }
header.top nav a { color: #c8cfdb; padding: 6px 10px; border-radius: 6px; }
header.top nav a.active, header.top nav a:hover { color: #fff; background: #2e3648; text-decoration: none; }
header.top form.logout { margin-left: auto; }
header.top button { background: transparent; color: #c8cfdb; border: 1px solid #4a5468; border-radius: 6px; padding: 5px 10px; cursor: pointer; font: inherit; }
main { padding: 20px 24px 40px; max-width: 1400px; margin: 0 auto; }
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 16px; }
h1 { font-size: 20px; margin: 0 0 16px; }
h2 { font-size: 16px; margin: 28px 0 10px; }
h3 { font-size: 14px; margin: 16px 0 6px; }
.muted { color: var(--muted); }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; margin-bottom: 8px; }
.stat { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.stat .n { font-size: 24px; font-weight: 700; }
.stat .l { color: var(--muted); font-size: 12px; }
table { width: 100%; border-collapse: collapse; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; background: #fafbfc; }
tr:last-child td { border-bottom: none; }
tr.empty td { color: var(--muted); text-align: center; padding: 18px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; background: #eef0f4; color: #4d5666; white-space: nowrap; }
.badge.good { background: #e3f4ea; color: var(--good); }
.badge.bad { background: #fbe7e5; color: var(--bad); }
.badge.warn { background: #fdf1dc; color: var(--warn); }
.badge.info { background: #e6edfb; color: var(--info); }
.cat { display: inline-block; white-space: nowrap; padding: 1px 8px; border-radius: 4px; font-size: 12px; font-weight: 600; background: #eef0f4; }
.summary { max-width: 560px; }
details > summary { cursor: pointer; color: var(--accent); font-size: 12px; }
pre.evidence, pre.output { margin: 6px 0 0; padding: 8px 10px; background: #10141c; color: #dfe5ee; border-radius: 6px; overflow-x: auto; max-width: 760px; max-height: 320px; white-space: pre; }
pre.evidence .ln { color: #6c7689; user-select: none; display: inline-block; min-width: 4ch; text-align: right; margin-right: 10px; }
pre.evidence .hit { background: #4a1f1f; display: block; }
form.filter { margin: 0 0 10px; display: flex; gap: 8px; align-items: center; }
form.filter input { padding: 5px 8px; border: 1px solid var(--line); border-radius: 6px; font: inherit; min-width: 260px; }
form.filter button, .login button { padding: 5px 12px; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 6px; font: inherit; cursor: pointer; }
.chart svg { width: 100%; height: auto; max-height: 300px; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; }
.chart .axis { font-size: 10px; fill: var(--muted); }
.chart .total { font-size: 10px; fill: var(--ink); font-weight: 600; }
.chart .grid { stroke: var(--line); stroke-width: 1; }
.chart { margin: 0; }
ul.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 14px; padding: 0; margin: 8px 0 0; font-size: 12px; }
ul.legend li { display: flex; align-items: center; gap: 5px; }
.timeline svg { width: 100%; height: auto; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; }
.timeline .seg-label { font-size: 11px; fill: #fff; font-weight: 600; }
.phase-block { margin: 12px 0; }
.phase-block h3 { display: flex; gap: 10px; align-items: baseline; }
.events { list-style: none; margin: 0; padding: 0; }
.events li { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; margin: 6px 0; }
.events ul.notes { margin: 4px 0 0; padding-left: 18px; }
.events ul.notes li { background: none; border: none; padding: 0; margin: 2px 0; list-style: disc; }
.events .kind { font-family: var(--mono); font-size: 12px; color: var(--muted); margin-right: 8px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.live { margin-top: 20px; }
.live-head { display: flex; gap: 10px; align-items: center; margin-bottom: 6px; }
.live-lines { background: #10141c; color: #dfe5ee; font-family: var(--mono); font-size: 12.5px; border-radius: 6px; padding: 8px 0; height: 420px; overflow-y: auto; }
.live-line { white-space: pre-wrap; word-break: break-all; padding: 0 10px; }
.live-line .step { color: #7f8ba0; margin-right: 8px; }
.live-line .num { color: #5c6678; display: inline-block; min-width: 5ch; text-align: right; margin-right: 10px; }
.live-line.finding { background: #3a1d1d; }
.live-line.finding.sev-warning { background: #3a321d; }
.live-line .tag { margin-left: 10px; color: #f2a7a0; font-size: 11px; }
.live-line.phase { color: #8fb3ff; padding-top: 4px; padding-bottom: 4px; }
.login { max-width: 380px; margin: 60px auto; }
.login label { display: block; margin-bottom: 6px; font-weight: 600; }
.login input { width: 100%; padding: 8px 10px; border: 1px solid var(--line); border-radius: 6px; font: inherit; margin-bottom: 12px; }
.error { color: var(--bad); }
.repo-group { margin-bottom: 18px; }
`;
