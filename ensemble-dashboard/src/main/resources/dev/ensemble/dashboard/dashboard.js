// Ensemble dashboard: renders the pools sent by /events (server-sent events). Plain DOM, no framework.
"use strict";

const openFailures = new Set();   // failures the user unfolded or folded stay as they were between updates
const closedFailures = new Set();

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function duration(nanos) {
  if (nanos === null || nanos === undefined) return "–";
  if (nanos < 1e3) return nanos.toFixed(0) + " ns";
  if (nanos < 1e6) return (nanos / 1e3).toFixed(1) + " µs";
  if (nanos < 1e9) return (nanos / 1e6).toFixed(1) + " ms";
  const s = nanos / 1e9;
  if (s < 60) return s.toFixed(2) + " s";
  const whole = Math.round(s);
  const h = Math.floor(whole / 3600), m = Math.floor(whole / 60) % 60, sec = whole % 60;
  return (h > 0 ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(sec).padStart(2, "0");
}

function rate(perSecond) {
  if (perSecond >= 1e6) return (perSecond / 1e6).toFixed(2) + "M/s";
  if (perSecond >= 1e4) return (perSecond / 1e3).toFixed(1) + "k/s";
  return perSecond.toFixed(1) + "/s";
}

function time(epochMillis) {
  return new Date(epochMillis).toLocaleTimeString();
}

function plural(count, noun) {
  return count + " " + noun + (count === 1 ? "" : "s");
}

function percent(share) {
  return (share * 100).toFixed(1) + "%";
}

function progressCell(call) {
  const bar = el("div", {class: "bar" + (call.total < 0 ? " indefinite" : "")}, el("div"));
  if (call.total >= 0) {
    bar.firstChild.style.width = (call.total === 0 ? 100 : Math.min(100, 100 * call.done / call.total)) + "%";
  }
  return bar;
}

function doneText(call) {
  return call.total >= 0 ? call.done + " / " + call.total : call.done + " / ?";
}

function runningCalls(pool) {
  if (pool.running.length === 0) return el("p", {class: "none"}, "No call running.");
  const head = el("tr", {}, el("th", {}, "call"), el("th", {}, "progress"), el("th", {class: "num"}, "done"),
      el("th", {class: "num"}, "%"), el("th", {class: "num"}, "rate"), el("th", {class: "num"}, "elapsed"),
      el("th", {class: "num"}, "ETA"), el("th", {}, "started"), el("th", {}, "call site"));
  const rows = pool.running.map(call => el("tr", {class: "call", "data-call": call.id},
      el("td", {class: "name"}, call.name + " #" + call.id),
      el("td", {}, progressCell(call)),
      el("td", {class: "num done"}, doneText(call)),
      el("td", {class: "num"}, call.total > 0 ? Math.floor(100 * call.done / call.total) + "%" : "–"),
      el("td", {class: "num"}, rate(call.rate)),
      el("td", {class: "num"}, duration(call.elapsedNanos)),
      el("td", {class: "num"}, duration(call.etaNanos)),
      el("td", {}, time(call.started)),
      el("td", {class: "site", title: call.caller}, call.site)));
  return el("table", {class: "running"}, el("thead", {}, head), el("tbody", {}, ...rows));
}

function workers(pool) {
  const stats = pool.insights.workers;
  return el("div", {class: "workers"}, ...pool.workerStates.map((state, i) => {
    const w = stats[i] || {tasks: 0, utilization: 0, restarts: 0};
    return el("div", {class: "worker " + state, "data-worker": i},
        el("b", {}, "worker " + i + " · " + state),
        el("span", {}, w.tasks + " tasks · " + percent(w.utilization) + " busy"
            + (w.restarts > 0 ? " · " + w.restarts + " restarts" : "")));
  }));
}

function insights(pool) {
  const ins = pool.insights;
  const phases = ins.phases;
  const head = el("tr", {}, el("th", {}, "worker"), el("th", {class: "num"}, "tasks"),
      ...phases.map(p => el("th", {class: "num"}, p.name)), el("th", {class: "num"}, "util"),
      el("th", {class: "num"}, "restarts"));
  const rows = ins.workers.map(w => el("tr", {}, el("td", {}, w.id), el("td", {class: "num"}, w.tasks),
      ...w.phaseNanos.map(n => el("td", {class: "num"}, duration(n))),
      el("td", {class: "num"}, percent(w.utilization)), el("td", {class: "num"}, w.restarts)));
  rows.push(el("tr", {class: "total"}, el("th", {}, "total"), el("td", {class: "num"}, ins.tasksCompleted),
      ...phases.map(p => el("td", {class: "num"}, duration(p.totalNanos))),
      el("td", {class: "num"}, percent(phases.find(p => p.name === "working").share)),
      el("td", {class: "num"}, ins.restarts)));
  rows.push(el("tr", {}, el("th", {}, "mean"), el("td", {class: "num"},
      ins.workers.length ? Math.floor(ins.tasksCompleted / ins.workers.length) : 0),
      ...phases.map(p => el("td", {class: "num"}, duration(p.meanNanos))), el("td"), el("td")));
  rows.push(el("tr", {}, el("th", {}, "share"), el("td"),
      ...phases.map(p => el("td", {class: "num"}, percent(p.share))), el("td"), el("td")));
  const table = el("table", {class: "insights"}, el("thead", {}, head), el("tbody", {}, ...rows));
  const slow = ins.slowest.length === 0 ? el("p", {class: "none"}, "No task finished yet.")
      : el("table", {class: "slowest"},
          el("thead", {}, el("tr", {}, el("th", {class: "num"}, "duration"), el("th", {class: "num"}, "worker"),
              el("th", {class: "num"}, "index"), el("th", {}, "input"))),
          el("tbody", {}, ...ins.slowest.map(t => el("tr", {}, el("td", {class: "num"}, duration(t.nanos)),
              el("td", {class: "num"}, t.worker), el("td", {class: "num"}, t.index),
              el("td", {class: "site"}, t.input)))));
  return [el("p", {class: "tag"}, plural(ins.tasksCompleted, "task") + ", mean task time "
      + duration(ins.meanTaskNanos)),
    table, el("h3", {}, "Slowest tasks"), slow];
}

function failures(pool) {
  if (pool.failures.length === 0) return el("p", {class: "none"}, "No call failed.");
  return el("div", {}, ...pool.failures.map(call => {
    const key = pool.id + "/" + call.id;
    const details = el("details", {class: "failure", "data-call": call.id},
        el("summary", {}, call.name + " #" + call.id + " failed at " + time(call.started + call.elapsedNanos / 1e6)
            + " after " + call.done + (call.total >= 0 ? " / " + call.total : "") + " tasks · " + call.site),
        el("pre", {class: "stack"}, call.failure));
    details.open = openFailures.has(key) || (!closedFailures.has(key));
    details.addEventListener("toggle", () => {
      if (details.open) { openFailures.add(key); closedFailures.delete(key); }
      else { closedFailures.add(key); openFailures.delete(key); }
    });
    return details;
  }));
}

function recent(pool) {
  if (pool.recent.length === 0) return el("p", {class: "none"}, "No call finished yet.");
  return el("table", {class: "recent"},
      el("thead", {}, el("tr", {}, el("th", {}, "call"), el("th", {}, "status"), el("th", {class: "num"}, "done"),
          el("th", {class: "num"}, "rate"), el("th", {class: "num"}, "took"), el("th", {}, "started"),
          el("th", {}, "call site"))),
      el("tbody", {}, ...pool.recent.map(call => el("tr", {"data-call": call.id},
          el("td", {}, call.name + " #" + call.id), el("td", {class: "status-" + call.status}, call.status),
          el("td", {class: "num"}, doneText(call)), el("td", {class: "num"}, rate(call.rate)),
          el("td", {class: "num"}, duration(call.elapsedNanos)), el("td", {}, time(call.started)),
          el("td", {class: "site", title: call.caller}, call.site)))));
}

function render(state) {
  const main = document.getElementById("pools");
  // Keep the page where the reader left it while it is rebuilt.
  const scroll = window.scrollY;
  main.replaceChildren();
  if (state.pools.length === 0) {
    main.append(el("p", {class: "empty"}, "No live pools in this JVM."));
  }
  for (const pool of state.pools) {
    main.append(el("section", {class: "pool", "data-pool": pool.name},
        el("div", {class: "pool-head"},
            el("h2", {}, pool.name),
            el("span", {class: "tag state-" + pool.state}, pool.state),
            el("span", {class: "tag"}, pool.workerStates.length + " " + pool.kind),
            el("span", {class: "tag"}, "started " + time(pool.started)),
            el("span", {class: "tag"}, plural(pool.callsCompleted, "call") + " finished, " + pool.callsFailed
                + " failed")),
        el("h3", {}, "Running calls"), runningCalls(pool),
        el("h3", {}, "Workers"), workers(pool),
        el("h3", {}, "Insights"), ...insights(pool),
        el("h3", {}, "Failures"), failures(pool),
        el("h3", {}, "Recent calls"), recent(pool)));
  }
  window.scrollTo(0, scroll);
  const connection = document.getElementById("connection");
  connection.textContent = "live · " + time(state.time);
  connection.className = "connection live";
}

function connect() {
  const source = new EventSource("events");
  source.onmessage = event => render(JSON.parse(event.data));
  source.onerror = () => {
    const connection = document.getElementById("connection");
    connection.textContent = "connection lost, retrying…";
    connection.className = "connection lost";
  };
}

connect();
