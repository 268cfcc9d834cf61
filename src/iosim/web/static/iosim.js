// iosim pages: live simulations and the workbench, through the JSON API (/api). No framework, no CDN.
"use strict";

const SERIES = [
  ["tumour_cells", "cancer cells", "#1f5fbf"],
  ["effector_cells", "killer T cells", "#2ca02c"],
  ["exhausted_cells", "exhausted T cells", "#999999"],
  ["nk_cells", "NK cells", "#9467bd"],
  ["treg_cells", "regulatory T cells", "#ff7f0e"],
  ["car_t_cells", "CAR-T cells", "#d62728"],
];
// Cell counts in words for lay readers: "30 billion", "2.1 million", "950" (never "3.00e+10").
function cells(x) {
  if (x === null || x === undefined || !isFinite(x)) return "–";
  if (!(Number(x) >= 1)) return "none";
  const n = Number(Number(x).toPrecision(2));  // round first: 999.7 billion is "1 trillion"
  for (const [size, word] of [[1e12, "trillion"], [1e9, "billion"], [1e6, "million"], [1e3, "thousand"]]) {
    if (n >= size) return `${Number((n / size).toPrecision(2))} ${word}`;
  }
  return String(Math.round(n));
}
const RESPONSES = {
  CR: "complete response (the tumour disappeared from the scans)",
  PR: "partial response (it shrank by at least 30%)",
  SD: "stable disease (it stayed about the same size)",
  PD: "progressive disease (it grew)",
};

async function api(path, body, method) {
  const r = await fetch(path, {
    method: method || (body ? "POST" : "GET"),
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!r.ok) {
    let detail = r.statusText;
    try { detail = (await r.json()).detail; } catch (e) { /* not JSON */ }
    throw new Error(detail);
  }
  return r;
}

function plotTrajectories(el, data) {
  // Below one cell a population is gone: the log axis shows nothing there.
  const traces = SERIES.filter(([k]) => data.series[k] && data.series[k].some((v) => v >= 1)).map(([k, label, color]) => ({
    x: data.t, y: data.series[k].map((v) => (v >= 1 ? v : null)), name: label, meta: k,
    line: { color, width: k === "tumour_cells" ? 3 : 1.5 },
  }));
  Plotly.react(el, traces, {
    margin: { t: 30, r: 10, b: 45, l: 70 }, height: 380,
    xaxis: { title: { text: "days" } }, yaxis: { title: { text: "cells" }, type: "log", exponentformat: "power" },
    legend: { orientation: "h", y: -0.2 },
  }, { displaylogo: false, responsive: true });
}

// The cancer shrank away and came back from cells without the therapy's target (CAR-T and CD19, for example).
function antigenLoss(d) {
  const pos = d.series.Tp, neg = d.series.Tn;
  if (!pos || !neg || !d.therapies.length) return false;
  const last = neg.length - 1, total = d.series.tumour_cells;
  const low = Math.min(...total);
  return pos[last] < 1 && neg[last] >= 1 && total[last] > 1.1 * low && total[0] > 10 * low && neg[0] < pos[0];
}

function summaryText(d) {
  const notes = d.notes.length ? " " + d.notes.join("; ") + "." : "";
  const start = d.series.tumour_cells[0], end = d.final.tumour_cells < 1 ? 0 : d.final.tumour_cells;
  const gone = end === 0 ? " The cancer was eliminated." : "";
  const change = `${d.best_pct_change > 0 ? "+" : ""}${d.best_pct_change}%`;
  let resp = "";
  if (d.response && d.therapies.length) {
    resp = ` Read as doctors read scans every 8 weeks (RECIST): ${RESPONSES[d.response] || d.response}, best change in size ${change}.`;
  } else if (!d.therapies.length && !gone) {  // no therapy: no response categories, just what the tumour did
    resp = end > start ? " Without treatment the tumour grew." : " Without treatment the immune system kept the tumour smaller than at the start.";
  }
  const loss = antigenLoss(d)
    ? " The cancer shrank and then grew back from cells that lack the therapy's target: the treatment cannot see them (antigen-loss relapse; even a tiny share of such cells is enough)."
    : "";
  return `Cancer cells: ${cells(start)} at the start, ${cells(end)} at day ${d.t[d.t.length - 1]}.${gone}${resp}${loss}${notes}`;
}

// -- explainer widgets -----------------------------------------------------------------------
async function runWidget(form) {
  const id = form.dataset.sim, f = new FormData(form);
  const therapy = f.get("therapy");
  const body = { cancer: f.get("cancer"), therapies: therapy ? therapy.split("+") : [], days: Number(f.get("days") || 365) };
  if (f.get("tumour_cells")) body.tumour_cells = Number(f.get("tumour_cells"));
  const out = document.getElementById(id + "-summary");
  out.textContent = "simulating…";
  try {
    const d = await (await api("/api/simulate", body)).json();
    plotTrajectories(document.getElementById(id + "-plot"), d);
    out.textContent = summaryText(d);
    out.dataset.response = d.response;
  } catch (e) { out.textContent = "Error: " + e.message; }
}

// -- workbench: one patient -------------------------------------------------------------------
function patientBody(form) {
  const f = new FormData(form), body = { cancer: f.get("cancer"), days: Number(f.get("days")) };
  body.therapies = String(f.get("therapies") || "").split(",").map((s) => s.trim()).filter(Boolean);
  for (const k of ["tumour_cells", "weight_kg", "height_cm"]) if (f.get(k)) body[k] = Number(f.get(k));
  return body;
}

async function runPatient(form) {
  const err = document.getElementById("wb-sim-error");
  err.textContent = "";
  try {
    const d = await (await api("/api/simulate", patientBody(form))).json();
    plotTrajectories(document.getElementById("wb-sim-plot"), d);
    document.getElementById("wb-sim-summary").textContent = summaryText(d);
  } catch (e) { err.textContent = e.message; }
}

async function downloadPatient(form, format) {
  const err = document.getElementById("wb-sim-error");
  try {
    const blob = await (await api("/api/simulate?format=" + format, patientBody(form))).blob();
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `iosim_patient.${format}`;
    document.body.appendChild(a); a.click(); a.remove();
  } catch (e) { err.textContent = e.message; }
}

// -- workbench: trials ------------------------------------------------------------------------
let currentJob = null;

function trialBody(form) {
  const f = new FormData(form), arms = [];
  for (const k of ["arm1", "arm2", "arm3"]) {
    const text = String(f.get(k) || "").trim();
    if (!text) continue;
    const [name, rest] = text.includes("=") ? text.split(/=(.*)/s) : [text, text];
    arms.push({ name: name.trim(), therapies: (rest || "").split(",").map((s) => s.trim()).filter(Boolean) });
  }
  return { cancer: f.get("cancer"), population: f.get("population"), arms, seed: Number(f.get("seed")),
           patients_per_arm: Number(f.get("patients_per_arm")), follow_up_months: Number(f.get("follow_up_months")) };
}

async function startTrial(form) {
  const err = document.getElementById("wb-trial-error");
  err.textContent = "";
  document.getElementById("wb-results").hidden = true;
  try {
    const job = await (await api("/api/trials", trialBody(form))).json();
    currentJob = job.id;
    document.getElementById("wb-cancel").disabled = false;
    document.getElementById("wb-progress").hidden = false;
    pollTrial(job.id);
  } catch (e) { err.textContent = e.message; }
}

async function pollTrial(id) {
  if (id !== currentJob) return;
  const job = await (await api("/api/trials/" + id)).json();
  document.getElementById("wb-progress-bar").value = job.progress;
  const text = document.getElementById("wb-progress-text");
  text.textContent = `${job.status}: ${job.done} of ${job.total || "?"} chunks, ${job.elapsed_s} s`;
  text.dataset.status = job.status;
  if (job.status === "queued" || job.status === "running") { setTimeout(() => pollTrial(id), 500); return; }
  document.getElementById("wb-cancel").disabled = true;
  if (job.status === "done") showTrial(job);
  else if (job.error) document.getElementById("wb-trial-error").textContent = job.error;
}

function showTrial(job) {
  const cols = [["arm", "arm"], ["n", "n"], ["orr", "ORR"], ["cr_rate", "CR"], ["dcr", "DCR"],
                ["median_pfs_months", "median PFS (mo)"], ["median_os_months", "median OS (mo)"]];
  const pct = (x) => (x === null ? "–" : (100 * x).toFixed(1) + "%"), num = (x) => (x === null ? "–" : x.toFixed(1));
  const table = document.getElementById("wb-summary");
  table.innerHTML = "<tr>" + cols.map(([, h]) => `<th>${h}</th>`).join("") + "</tr>" + job.summary.map((r) => "<tr>" + cols.map(([k]) => {
    const v = r[k];
    const s = typeof v === "string" ? v : ["orr", "cr_rate", "dcr"].includes(k) ? pct(v) : k === "n" ? String(v) : num(v);
    return `<td data-col="${k}">${s.replace(/</g, "&lt;")}</td>`;
  }).join("") + "</tr>").join("");
  const base = "/api/trials/" + job.id;
  document.getElementById("dl-csv").href = base + "/outcomes.csv";
  document.getElementById("dl-parquet").href = base + "/outcomes.parquet";
  document.getElementById("dl-summary").href = base + "/summary.csv";
  document.getElementById("dl-report").href = base + "/report.html";
  document.getElementById("wb-results").hidden = false;
  api(base + "/plots").then((r) => r.json()).then(plotTrial);
}

function plotTrial(p) {
  const layout = (title, x, y, extra) => ({ title: { text: title }, height: 330, margin: { t: 40, r: 10, b: 45, l: 55 },
    xaxis: { title: { text: x } }, yaxis: { title: { text: y }, ...(extra || {}) }, legend: { orientation: "h", y: -0.25 } });
  const cfg = { displaylogo: false, responsive: true };
  Plotly.react("wb-waterfall", p.arms.map((arm) => ({ type: "bar", name: arm, y: p.waterfall[arm].best_pct_change,
    text: p.waterfall[arm].response, meta: arm })), layout("Waterfall: best change per patient", "patients", "% change from baseline"), cfg);
  const spider = [];
  p.arms.forEach((arm, i) => p.spider[arm].forEach((s, j) => spider.push({ x: s.week, y: s.pct_change, mode: "lines",
    name: arm, legendgroup: arm, showlegend: j === 0, line: { width: 1, color: Plotly.d3 ? undefined : ["#1f5fbf", "#d62728", "#2ca02c", "#9467bd"][i] }, meta: arm })));
  Plotly.react("wb-spider", spider, layout("Spider: change over time", "weeks", "% change from baseline"), cfg);
  for (const ep of ["pfs", "os"]) {
    Plotly.react("wb-km-" + ep, p.arms.map((arm) => ({ x: p.km[ep][arm].months, y: p.km[ep][arm].survival, name: arm,
      line: { shape: "hv" }, meta: arm })), layout(`Kaplan–Meier: ${ep.toUpperCase()}`, "months", "probability", { range: [0, 1.02] }), cfg);
  }
}

// -- workbench: library models ----------------------------------------------------------------
async function runModel() {
  const id = document.querySelector("#model select[name=id]").value;
  const err = document.getElementById("wb-sim-error");
  try {
    const d = await (await api("/api/simulate-model", { model: id, days: id === "core" ? 365 : 365 })).json();
    const traces = Object.entries(d.series).filter(([, y]) => y.some((v) => v > 0)).map(([k, y]) => ({ x: d.t, y: y.map((v) => (v > 0 ? v : null)), name: k }));
    Plotly.react("wb-model-plot", traces, { height: 360, margin: { t: 30, r: 10, b: 45, l: 70 }, title: { text: d.model },
      xaxis: { title: { text: d.time_unit } }, yaxis: { type: "log", exponentformat: "power" } }, { displaylogo: false, responsive: true });
  } catch (e) { err.textContent = e.message; }
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form.sim-form").forEach((form) => {
    form.addEventListener("submit", (ev) => { ev.preventDefault(); runWidget(form); });
    form.querySelectorAll("select").forEach((s) => s.addEventListener("change", () => runWidget(form)));
    runWidget(form);
  });
  const sim = document.getElementById("wb-sim");
  if (sim) {
    sim.addEventListener("submit", (ev) => { ev.preventDefault(); runPatient(sim); });
    sim.querySelectorAll("[data-download]").forEach((b) => b.addEventListener("click", () => downloadPatient(sim, b.dataset.download)));
    const trial = document.getElementById("wb-trial");
    trial.addEventListener("submit", (ev) => { ev.preventDefault(); startTrial(trial); });
    document.getElementById("wb-cancel").addEventListener("click", () => currentJob && api(`/api/trials/${currentJob}/cancel`, {}, "POST"));
    document.getElementById("wb-model-run").addEventListener("click", runModel);
  }
});
