/**
 * The dashboard's only script, served as /dashboard/static/dashboard.js (the CSP forbids inline
 * script). Plain ES2020 for the browser, kept in a string because the build copies only .ts
 * files. It never uses innerHTML: log lines arrive from the live stream as JSON and become text
 * nodes, so a line like `<img src=x onerror=…>` is shown, not run.
 */
export const CLIENT_SCRIPT = String.raw`"use strict";
(function () {
  // Times are rendered in UTC; the reader's local time goes in the tooltip.
  function localizeTimes(root) {
    var times = root.querySelectorAll("time[datetime]");
    for (var i = 0; i < times.length; i++) {
      var d = new Date(times[i].getAttribute("datetime"));
      if (!isNaN(d.getTime())) times[i].title = d.toLocaleString();
    }
  }

  var MAX_LINES = 5000;

  function startLive(section) {
    var url = section.getAttribute("data-stream");
    var out = section.querySelector(".live-lines");
    var status = section.querySelector(".live-status");
    var phase = section.querySelector(".live-phase");
    if (!url || !out || !window.EventSource) return;
    var setStatus = function (text, tone) {
      if (!status) return;
      status.textContent = text;
      status.className = "live-status badge " + tone;
    };
    var follow = true;
    out.addEventListener("scroll", function () {
      follow = out.scrollTop + out.clientHeight >= out.scrollHeight - 8;
    });
    var append = function (row) {
      out.appendChild(row);
      while (out.childNodes.length > MAX_LINES) out.removeChild(out.firstChild);
      if (follow) out.scrollTop = out.scrollHeight;
    };
    var source = new EventSource(url);
    source.addEventListener("open", function () { setStatus("live", "info"); });
    source.addEventListener("error", function () {
      if (source.readyState === EventSource.CLOSED) setStatus("disconnected", "bad");
      else setStatus("reconnecting…", "warn");
    });
    source.addEventListener("line", function (e) {
      var ev;
      try { ev = JSON.parse(e.data); } catch (err) { return; } // a garbled event is skipped; the next one comes
      var row = document.createElement("div");
      row.className = "live-line" + (ev.finding ? " finding sev-" + String(ev.finding.severity).replace(/[^a-z]/g, "") : "");
      var step = document.createElement("span");
      step.className = "step";
      step.textContent = ev.step;
      var num = document.createElement("span");
      num.className = "num";
      num.textContent = String(ev.lineNumber);
      var text = document.createElement("span");
      text.className = "text";
      text.textContent = ev.text;
      row.appendChild(step);
      row.appendChild(num);
      row.appendChild(text);
      if (ev.finding) {
        var tag = document.createElement("span");
        tag.className = "tag";
        tag.textContent = (ev.finding.category || ev.finding.classification) + " · " + ev.finding.ruleId;
        row.appendChild(tag);
      }
      append(row);
    });
    source.addEventListener("phase", function (e) {
      var ev;
      try { ev = JSON.parse(e.data); } catch (err) { return; } // a garbled event is skipped; the next one comes
      if (phase) phase.textContent = ev.phase;
      var row = document.createElement("div");
      row.className = "live-line phase";
      row.textContent = "── " + ev.phase + " ──";
      append(row);
    });
    source.addEventListener("end", function (e) {
      var ev = {};
      try { ev = JSON.parse(e.data); } catch (err) { /* keep the default */ }
      source.close();
      setStatus("finished: " + (ev.status || "done"), "good");
      var row = document.createElement("div");
      row.className = "live-line phase";
      row.textContent = "── run finished: " + (ev.status || "") + (ev.reason ? " (" + ev.reason + ")" : "") + " ──";
      append(row);
      var reload = section.querySelector(".live-reload");
      if (reload) reload.hidden = false;
    });
  }

  function init() {
    localizeTimes(document);
    var live = document.querySelectorAll("[data-stream]");
    for (var i = 0; i < live.length; i++) startLive(live[i]);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
`;
