/* CSAS-graph web UI: a small single-page app over the JSON API (no build step, no framework).
 *
 * The token lives in sessionStorage (this tab only) and goes out as a Bearer header; every
 * value from the server is put into the page as text, never as HTML. Charts are drawn by
 * /static/js/charts.js from the same payloads the standalone downloads embed.
 */
(function () {
  "use strict";

  var TOKEN_KEY = "csas.token";
  var state = { me: null, caseId: null, caseInfo: null, analyses: null, views: {}, tab: "import" };

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else if (k.indexOf("on") === 0) node.addEventListener(k.slice(2), attrs[k]);
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function token() { return sessionStorage.getItem(TOKEN_KEY); }
  function enc(v) { return encodeURIComponent(v); }

  function say(text, isError) {
    var box = $("message");
    box.textContent = text || "";
    box.className = isError ? "error" : "";
  }
  function fail(err) { say(err && err.message ? err.message : String(err), true); }

  /* ------------------------------------------------------------------ API */

  function api(path, opts) {
    opts = opts || {};
    var headers = { Authorization: "Bearer " + token() };
    var body = opts.body;
    if (opts.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(opts.json);
    }
    return fetch(path, { method: opts.method || "GET", headers: headers, body: body }).then(function (r) {
      if (r.status === 401) {
        signOut("Sign in again: the token was refused.");
        throw new Error("Not signed in");
      }
      if (!r.ok) {
        return r.json().catch(function () { return {}; }).then(function (p) {
          throw new Error((p.title || ("HTTP " + r.status)) + (p.detail ? ": " + p.detail : ""));
        });
      }
      return opts.raw ? r : r.json();
    });
  }

  function query(params) {
    var parts = [];
    Object.keys(params).forEach(function (k) {
      var v = params[k];
      if (v === undefined || v === null || v === "" || v === false) return;
      parts.push(enc(k) + "=" + enc(v));
    });
    return parts.length ? "?" + parts.join("&") : "";
  }

  function formValues(form) {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name) return;
      if (input.type === "checkbox") out[input.name] = input.checked;
      else if (input.type === "datetime-local") out[input.name] = input.value ? utc(input.value) : "";
      else out[input.name] = input.value.trim();
    });
    return out;
  }
  function utc(local) { return (local.length === 16 ? local + ":00" : local) + "Z"; }

  function saveBlob(blob, name) {
    var url = URL.createObjectURL(blob);
    CsasCharts.save(url, name);
    setTimeout(function () { URL.revokeObjectURL(url); }, 5000);
  }
  function fileName(response, fallback) {
    var header = response.headers.get("Content-Disposition") || "";
    var m = /filename="([^"]+)"/.exec(header);
    return m ? m[1] : fallback;
  }

  /* ------------------------------------------------------------------ routing */

  function show(view) {
    ["signin", "cases", "case"].forEach(function (v) { $("view-" + v).hidden = v !== view; });
  }

  function route() {
    if (!token()) { show("signin"); return; }
    if (!state.me) {
      api("/me").then(function (me) { state.me = me; whoAmI(); route(); }).catch(fail);
      return;
    }
    var parts = location.hash.replace(/^#\/?/, "").split("/");
    if (parts[0] === "cases" && parts[1]) openCase(decodeURIComponent(parts[1]), parts[2] || "import");
    else listCases();
  }

  function whoAmI() {
    $("who").textContent = state.me ? state.me.username + " (" + state.me.role + "; " + state.me.teams.join(", ") + ")" : "";
    $("signout").hidden = !state.me;
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    state.me = null;
    whoAmI();
    show("signin");
    say(message || "Signed out.");
  }

  /* ------------------------------------------------------------------ cases */

  function listCases() {
    show("cases");
    var select = clear($("case-team"));
    state.me.teams.forEach(function (t) { select.appendChild(el("option", { text: t })); });
    api("/cases").then(function (list) {
      var table = clear($("case-table"));
      table.appendChild(el("tr", {}, ["Case", "Name", "Team", "Review date", "Time zone"].map(function (h) {
        return el("th", { text: h });
      })));
      list.data.forEach(function (c) {
        table.appendChild(el("tr", { "data-case": c.case_id }, [
          el("td", {}, [el("a", { href: "#/cases/" + enc(c.case_id) + "/import", text: c.case_id })]),
          el("td", { text: c.name || "" }), el("td", { text: c.team || "" }),
          el("td", { text: (c.review_date || "") + (c.past_review ? " (past review)" : "") }),
          el("td", { text: c.timezone })
        ]));
      });
      if (!list.data.length) table.appendChild(el("tr", {}, [el("td", { text: "No cases yet." })]));
    }).catch(fail);
  }

  $("case-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var v = formValues(ev.target);
    var body = { case_id: v.case_id, team: v.team, timezone: v.timezone || "Europe/London" };
    if (v.name) body.name = v.name;
    if (v.review_date) body.review_date = v.review_date;
    api("/cases", { method: "POST", json: body }).then(function (c) {
      say("Created case " + c.case_id + ".");
      location.hash = "#/cases/" + enc(c.case_id) + "/import";
    }).catch(fail);
  });

  function openCase(caseId, tab) {
    show("case");
    if (state.caseId !== caseId) {
      state.caseId = caseId;
      state.views = {};
      ["chart-view", "map-view", "timeline-view", "heatmap-view", "analysis-result", "import-jobs", "search-table"]
        .forEach(function (id) { clear($(id)); });
      $("case-title").textContent = caseId;
      refreshCase();
    }
    selectTab(tab);
  }

  function refreshCase() {
    return api("/cases/" + enc(state.caseId)).then(function (c) {
      state.caseInfo = c;
      $("case-title").textContent = c.case_id + (c.name && c.name !== c.case_id ? " — " + c.name : "");
      $("case-summary").textContent = "Team " + (c.team || "-") + " · " + c.files + " files · " + c.rows_read +
        " rows read · times shown in UTC unless marked (case time zone " + c.timezone + ")";
    }).catch(fail);
  }

  function selectTab(tab) {
    state.tab = tab;
    Array.prototype.forEach.call(document.querySelectorAll("#tabs a"), function (a) {
      a.classList.toggle("active", a.dataset.tab === tab);
      a.href = "#/cases/" + enc(state.caseId) + "/" + a.dataset.tab;
    });
    Array.prototype.forEach.call(document.querySelectorAll(".tab"), function (t) {
      t.classList.toggle("active", t.id === "tab-" + tab);
    });
    if (tab === "import") listImports();
    if (tab === "analyses") loadAnalyses();
    if (tab === "map" && state.views.map) state.views.map.refresh();
    if (tab === "chart" && state.views.chart) state.views.chart.network.redraw();
  }

  /* ------------------------------------------------------------------ imports */

  function listImports() {
    api("/cases/" + enc(state.caseId) + "/imports").then(function (list) {
      var table = clear($("import-table"));
      table.appendChild(el("tr", {}, ["File", "State", "Rows", "SHA-256"].map(function (h) { return el("th", { text: h }); })));
      list.data.forEach(function (f) {
        table.appendChild(el("tr", {}, [el("td", { text: f.file_name }), el("td", { text: f.state }),
          el("td", { text: String(f.rows_done) + (f.rows_total ? " / " + f.rows_total : "") }),
          el("td", { text: f.sha256 || "" })]));
      });
    }).catch(fail);
  }

  $("import-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var files = $("import-file").files;
    var template = $("import-template").value.trim();
    Array.prototype.forEach.call(files, function (file) { upload(file, template); });
  });

  function upload(file, template) {
    var box = el("div", { className: "job", "data-file": file.name });
    var status = el("span", { text: "uploading " + file.name + " …" });
    var bar = el("progress", { max: "1", value: "0" });
    var report = el("div");
    box.appendChild(el("div", {}, [el("b", { text: file.name }), " ", status]));
    box.appendChild(bar);
    box.appendChild(report);
    $("import-jobs").appendChild(box);
    var form = new FormData();
    form.append("file", file, file.name);
    if (template) form.append("template", template);
    api("/cases/" + enc(state.caseId) + "/imports", { method: "POST", body: form }).then(function (accepted) {
      box.dataset.importId = accepted.import_id;
      poll(accepted.import_id, status, bar, report, box);
    }).catch(function (err) { status.textContent = "failed: " + err.message; box.dataset.state = "failed"; });
  }

  function poll(importId, status, bar, report, box) {
    api("/cases/" + enc(state.caseId) + "/imports/" + enc(importId)).then(function (job) {
      box.dataset.state = job.state;
      status.textContent = job.state + " · " + job.rows_done + (job.rows_total ? " / " + job.rows_total : "") + " rows";
      if (job.rows_total) { bar.max = job.rows_total; bar.value = job.rows_done; }
      if (job.state === "done" || job.state === "failed") {
        bar.max = 1; bar.value = job.state === "done" ? 1 : 0;
        if (job.error) report.appendChild(el("p", { className: "error", text: job.error }));
        if (job.report) showReport(report, job);
        listImports();
        refreshCase();
        return;
      }
      setTimeout(function () { poll(importId, status, bar, report, box); }, 400);
    }).catch(function (err) { status.textContent = "failed: " + err.message; });
  }

  function showReport(box, job) {
    var r = job.report;
    var dl = el("dl", { className: "kv" });
    [["SHA-256", job.sha256], ["Already imported", job.already_imported ? "yes" : "no"]].forEach(function (kv) {
      dl.appendChild(el("dt", { text: kv[0] })); dl.appendChild(el("dd", { text: String(kv[1]) }));
    });
    Object.keys(r).forEach(function (k) {
      var v = r[k];
      if (v === null || typeof v === "object") return;
      dl.appendChild(el("dt", { text: k })); dl.appendChild(el("dd", { text: String(v) }));
    });
    box.appendChild(el("h4", { text: "Reconciliation report" }));
    box.appendChild(dl);
    box.appendChild(el("details", {}, [el("summary", { text: "Full report (JSON)" }),
      el("pre", { className: "report", text: JSON.stringify(r, null, 2) })]));
  }

  /* ------------------------------------------------------------------ search */

  $("search-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var q = query({ q: $("search-q").value.trim(), kind: $("search-kind").value });
    api("/cases/" + enc(state.caseId) + "/entities" + q).then(function (list) {
      var table = clear($("search-table"));
      var keys = list.data.length ? Object.keys(list.data[0]) : ["result"];
      table.appendChild(el("tr", {}, keys.concat([""]).map(function (h) { return el("th", { text: h }); })));
      list.data.forEach(function (row) {
        var cells = keys.map(function (k) { return el("td", { text: cellText(row[k]) }); });
        var value = row.key || row.value || row.number || row.id;
        var actions = el("td");
        if (row.kind === "number" && value) {
          actions.appendChild(el("button", { type: "button", text: "Chart", onclick: function () { goChart(value); } }));
          actions.appendChild(el("button", { type: "button", text: "Map", onclick: function () { goMap({ number: value }); } }));
          actions.appendChild(el("button", { type: "button", text: "Timeline", onclick: function () { goTimeline(value); } }));
        } else if (row.kind === "vrm" && value) {
          actions.appendChild(el("button", { type: "button", text: "Map", onclick: function () { goMap({ vrm: value }); } }));
        }
        cells.push(actions);
        table.appendChild(el("tr", {}, cells));
      });
      if (!list.data.length) table.appendChild(el("tr", {}, [el("td", { text: "Nothing found." })]));
    }).catch(fail);
  });

  function cellText(v) {
    if (v === null || v === undefined) return "";
    if (Array.isArray(v)) return v.length > 6 ? v.slice(0, 6).join(", ") + " … (" + v.length + ")" : v.join(", ");
    if (typeof v === "object") return JSON.stringify(v);
    return String(v);
  }

  /* ------------------------------------------------------------------ analyses */

  function loadAnalyses() {
    if (state.analyses) return;
    api("/analyses").then(function (cat) {
      state.analyses = {};
      var select = clear($("analysis-name"));
      select.appendChild(el("option", { value: "", text: "Choose an analysis…" }));
      cat.data.forEach(function (a) {
        state.analyses[a.name] = a;
        select.appendChild(el("option", { value: a.name, text: a.name + " — " + a.summary }));
      });
    }).catch(fail);
  }

  $("analysis-name").addEventListener("change", function () { buildForm(this.value); });

  function resolve(schema, root) {
    if (schema && schema.$ref) {
      var name = schema.$ref.split("/").pop();
      return (root.$defs || root.definitions || {})[name] || {};
    }
    if (schema && schema.anyOf) {
      var real = schema.anyOf.filter(function (s) { return s.type !== "null"; });
      if (real.length === 1) return Object.assign({}, resolve(real[0], root), { nullable: true });
    }
    return schema || {};
  }

  function buildForm(name, values) {
    var form = clear($("analysis-form"));
    clear($("analysis-result"));
    var a = state.analyses && state.analyses[name];
    $("analysis-summary").textContent = a ? a.summary + (a.method ? " Method: " + a.method : "") : "";
    if (!a) return;
    var schema = a.params_schema || {};
    var required = schema.required || [];
    Object.keys(schema.properties || {}).forEach(function (key) {
      var prop = schema.properties[key];
      var s = resolve(prop, schema);
      var input;
      var kind = s.type;
      if (kind === "boolean") {
        input = el("input", { type: "checkbox" });
        input.checked = prop["default"] === true;
      } else if (s["enum"]) {
        input = el("select", {}, [el("option", { value: "", text: "" })].concat(s["enum"].map(function (v) {
          return el("option", { value: v, text: v });
        })));
      } else if (kind === "integer" || kind === "number") {
        input = el("input", { type: "number", step: kind === "integer" ? "1" : "any" });
      } else if (kind === "string" && s.format === "date-time") {
        input = el("input", { type: "datetime-local", step: "1" });
      } else if (kind === "array" && (!s.items || resolve(s.items, schema).type === "string")) {
        input = el("input", { placeholder: "comma-separated", size: "40" });
        kind = "list";
      } else if (kind === "string") {
        input = el("input", { size: "30" });
      } else {
        input = el("textarea", { rows: "3", cols: "40", placeholder: "JSON" });
        kind = "json";
      }
      input.name = key;
      input.dataset.kind = kind || "json";
      if (prop["default"] !== undefined && prop["default"] !== null && input.type !== "checkbox") {
        input.value = Array.isArray(prop["default"]) ? prop["default"].join(", ") : String(prop["default"]);
      }
      if (values && values[key] !== undefined) input.value = values[key];
      var label = el("label", {}, [el("span", { text: key + (required.indexOf(key) >= 0 ? " *" : "") }), input]);
      form.appendChild(label);
      if (prop.description || s.description) form.appendChild(el("span", { className: "desc", text: prop.description || s.description }));
    });
    form.appendChild(el("button", { type: "submit", text: "Run " + name }));
    form.onsubmit = function (ev) { ev.preventDefault(); runAnalysis(name, form); };
  }

  function analysisParams(form) {
    var params = {};
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name) return;
      var kind = input.dataset.kind;
      if (input.type === "checkbox") { if (input.checked) params[input.name] = true; return; }
      var v = input.value.trim();
      if (v === "") return;
      if (kind === "integer") params[input.name] = parseInt(v, 10);
      else if (kind === "number") params[input.name] = parseFloat(v);
      else if (input.type === "datetime-local") params[input.name] = utc(v);
      else if (kind === "list") params[input.name] = v.split(",").map(function (x) { return x.trim(); }).filter(Boolean);
      else if (kind === "json") params[input.name] = JSON.parse(v);
      else params[input.name] = v;
    });
    return params;
  }

  function runAnalysis(name, form) {
    var box = clear($("analysis-result"));
    var params;
    try { params = analysisParams(form); } catch (e) { fail(new Error("A JSON field is not valid JSON: " + e.message)); return; }
    box.appendChild(el("p", { className: "hint", text: "Running…" }));
    api("/cases/" + enc(state.caseId) + "/analyses/" + enc(name), { method: "POST", json: params }).then(function (res) {
      showResult(box, name, res);
    }).catch(function (err) { clear(box); fail(err); });
  }

  function showResult(box, name, res) {
    clear(box);
    var dl = el("dl", { className: "kv" });
    [["Analysis", name], ["Rows", res.rows.length], ["Result hash", res.result_hash],
     ["Parameters", JSON.stringify(res.params)], ["Evidence events", (res.evidence || []).length],
     ["Excluded", (res.excluded || []).map(function (x) { return (x.number || x.key) + " (" + x.reason + ")"; }).join(", ") || "none"]
    ].forEach(function (kv) { dl.appendChild(el("dt", { text: kv[0] })); dl.appendChild(el("dd", { text: String(kv[1]) })); });
    box.appendChild(dl);
    box.appendChild(followUps(name, res));
    var rows = res.rows.slice(0, 500);
    var keys = [];
    rows.slice(0, 50).forEach(function (r) { Object.keys(r).forEach(function (k) { if (keys.indexOf(k) < 0) keys.push(k); }); });
    var table = el("table", { className: "grid", id: "analysis-rows" });
    table.appendChild(el("tr", {}, keys.map(function (k) { return el("th", { text: k }); })));
    rows.forEach(function (r) {
      table.appendChild(el("tr", {}, keys.map(function (k) { return el("td", { text: cellText(r[k]) }); })));
    });
    box.appendChild(table);
    if (res.rows.length > rows.length) box.appendChild(el("p", { className: "hint", text: "First 500 rows shown; export for all." }));
    if (res.extra && Object.keys(res.extra).length) {
      box.appendChild(el("details", {}, [el("summary", { text: "Extra" }),
        el("pre", { className: "report", text: JSON.stringify(res.extra, null, 1) })]));
    }
  }

  function followUps(name, res) {
    var p = res.params || {};
    var bar = el("div", { className: "row" });
    function button(text, fn) { bar.appendChild(el("button", { type: "button", text: text, onclick: fn })); }
    if (name === "contacts") button("Open as link chart", function () { goChart((p.numbers || []).join(","), p.hops, p.since, p.until); });
    if (name === "timeline") {
      button("Show timeline", function () { goTimeline(p.number); });
      button("Show on map", function () { goMap({ number: p.number }); });
    }
    if (name === "top-contacts") button("Heat map", function () { goTimeline(p.number); });
    if (name === "co-location" && res.rows.length) {
      button("Map the first pair", function () { goMap({ number: res.rows[0].a, meet: res.rows[0].b }); });
    }
    return bar;
  }

  /* ------------------------------------------------------------------ charts */

  function setForm(form, values) {
    Object.keys(values).forEach(function (k) {
      var input = form.elements[k];
      if (!input || values[k] === undefined || values[k] === null) return;
      if (input.type === "checkbox") input.checked = !!values[k];
      else if (input.type === "datetime-local") input.value = String(values[k]).replace(/(Z|[+-]\d\d:\d\d)$/, "").slice(0, 19);
      else input.value = values[k];
    });
  }

  function goChart(seeds, hops, since, until) {
    setForm($("chart-form"), { seeds: seeds, hops: hops || 1, since: since, until: until });
    location.hash = "#/cases/" + enc(state.caseId) + "/chart";
    drawChart();
  }
  function goMap(values) {
    setForm($("map-form"), Object.assign({ number: "", meet: "", vrm: "" }, values));
    location.hash = "#/cases/" + enc(state.caseId) + "/map";
    setTimeout(drawMap, 0);
  }
  function goTimeline(number) {
    setForm($("timeline-form"), { number: number });
    location.hash = "#/cases/" + enc(state.caseId) + "/timeline";
    drawTimeline();
  }

  function chartParams() {
    var v = formValues($("chart-form"));
    return { seeds: v.seeds, hops: v.hops, since: v.since, until: v.until, identifiers: v.identifiers };
  }
  function chartPath(kind, params) { return "/cases/" + enc(state.caseId) + "/charts/" + kind + query(params); }

  function drawChart() {
    var params = chartParams();
    say("Drawing the link chart…");
    return api(chartPath("contacts", params)).then(function (payload) {
      $("chart-meta").textContent = payload.nodes.length + " nodes, " + payload.edges.length + " links · layout " +
        payload.layout + " · contacts result hash " + (payload.meta.result_hash || "") + " · " + payload.captions.join(" ");
      state.views.chart = CsasCharts.linkChart($("chart-view"), payload, {
        expand: function (id, view) {
          var node = view.nodes.get(id);
          if (!node || node.group !== "number") return null;
          return api(chartPath("contacts", { seeds: id, hops: 1, since: params.since, until: params.until,
                                            layout: "physics" }));
        },
        onError: fail
      });
      say("");
    }).catch(fail);
  }
  $("chart-form").addEventListener("submit", function (ev) { ev.preventDefault(); drawChart(); });

  function mapParams() {
    var v = formValues($("map-form"));
    return { number: v.number, meet: v.meet, vrm: v.vrm, since: v.since, until: v.until, all_cells: v.all_cells };
  }
  function drawMap() {
    say("Drawing the map…");
    return api(chartPath("map", mapParams())).then(function (payload) {
      var list = clear($("map-captions"));
      payload.captions.forEach(function (c) { list.appendChild(el("li", { text: c })); });
      state.views.map = CsasCharts.sectorMap($("map-view"), payload, {});
      say("");
    }).catch(fail);
  }
  $("map-form").addEventListener("submit", function (ev) { ev.preventDefault(); drawMap(); });

  function timelineParams() {
    var v = formValues($("timeline-form"));
    return { number: v.number, since: v.since, until: v.until };
  }
  function drawTimeline() {
    var params = timelineParams();
    say("Drawing the timeline…");
    var first = params.number.split(",")[0].trim();
    return Promise.all([
      api(chartPath("timeline", params)).then(function (payload) {
        var list = clear($("timeline-captions"));
        payload.captions.forEach(function (c) { list.appendChild(el("li", { text: c })); });
        state.views.timeline = CsasCharts.svgView($("timeline-view"), payload);
      }),
      api(chartPath("heatmap", { number: first, since: params.since, until: params.until })).then(function (payload) {
        $("heatmap-title").textContent = payload.title + " (" + payload.total + " events, " + payload.timezone + ")";
        state.views.heatmap = CsasCharts.svgView($("heatmap-view"), payload);
      })
    ]).then(function () { say(""); }).catch(fail);
  }
  $("timeline-form").addEventListener("submit", function (ev) { ev.preventDefault(); drawTimeline(); });

  /* ------------------------------------------------------------------ downloads */

  Array.prototype.forEach.call(document.querySelectorAll("[data-download]"), function (button) {
    button.addEventListener("click", function () {
      var target = button.dataset.target;
      var kind = { chart: "contacts", map: "map", timeline: "timeline", heatmap: "heatmap" }[target];
      if (button.dataset.download === "png") {
        var view = state.views[target];
        if (!view) { fail(new Error("Draw it first.")); return; }
        CsasCharts.downloadPng(view, state.caseId + "-" + kind + ".png");
        return;
      }
      var params = target === "chart" ? chartParams() : target === "map" ? mapParams() : timelineParams();
      params = Object.assign({}, params, { format: "html", download: true });
      api(chartPath(kind, params), { raw: true }).then(function (r) {
        var name = fileName(r, state.caseId + "-" + kind + ".html");
        return r.blob().then(function (b) { saveBlob(b, name); say("Downloaded " + name + "."); });
      }).catch(fail);
    });
  });

  $("export-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var v = formValues(ev.target);
    var path = "/cases/" + enc(state.caseId) + "/exports/" + enc(v.fmt) + query({ since: v.since, until: v.until, number: v.number });
    api(path, { raw: true }).then(function (r) {
      var name = fileName(r, state.caseId + "." + v.fmt);
      var digest = r.headers.get("X-Content-SHA256") || "";
      return r.blob().then(function (b) {
        saveBlob(b, name);
        $("export-result").textContent = "Downloaded " + name + (digest ? " · SHA-256 " + digest : "");
      });
    }).catch(fail);
  });

  /* ------------------------------------------------------------------ start */

  $("signin-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("signin-token").value.trim());
    $("signin-token").value = "";
    state.me = null;
    say("");
    route();
  });
  $("signout").addEventListener("click", function () { signOut(); });
  window.addEventListener("hashchange", route);
  window.csasApp = state;
  route();
})();
