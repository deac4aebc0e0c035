/* CSAS-graph chart renderers: link charts (vis-network), sector maps (Leaflet), SVG timelines.
 *
 * Shared by the web UI and by every standalone download, so both draw the same thing from the
 * same JSON payload (built in Python by viz/*.py). No network access: vis and L are the vendored
 * copies, and a map only asks for tiles when the payload names a tile URL.
 */
(function (global) {
  "use strict";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function textTooltip(text) {
    // Leaflet tooltips take HTML; build it from text so nothing in the data can run as markup.
    var box = el("div", "csas-tip");
    String(text || "").split("\n").forEach(function (line, i) {
      if (i) box.appendChild(document.createElement("br"));
      box.appendChild(document.createTextNode(line));
    });
    return box;
  }

  function legend(payload) {
    var list = el("ul", "csas-legend");
    (payload.legend || []).forEach(function (entry) {
      var item = el("li");
      var img = document.createElement("img");
      img.src = entry.icon;
      img.alt = "";
      img.width = 16;
      img.height = 16;
      item.appendChild(img);
      item.appendChild(document.createTextNode(" " + entry.label));
      list.appendChild(item);
    });
    return list;
  }

  /* ---------------------------------------------------------------- link chart */

  function linkChart(container, payload, opts) {
    opts = opts || {};
    container.innerHTML = "";
    container.dataset.ready = "0";
    var box = el("div", "csas-network");
    container.appendChild(box);
    container.appendChild(legend(payload));
    var nodes = new vis.DataSet(payload.nodes);
    var edges = new vis.DataSet(payload.edges);
    var started = performance.now();
    var network = new vis.Network(box, { nodes: nodes, edges: edges }, payload.options);
    var view = {
      kind: "link_chart",
      container: container,
      network: network,
      nodes: nodes,
      edges: edges,
      payload: payload,
      collapsed: Object.assign({}, payload.collapsed || {}),
      expanded: {},
      ready: false,
      readyMs: null,
      expansions: 0
    };

    function counts() {
      container.dataset.nodeCount = String(nodes.length);
      container.dataset.edgeCount = String(edges.length);
    }
    function markReady() {
      if (view.ready) return;
      view.ready = true;
      view.readyMs = performance.now() - started;
      view.readyAt = performance.now();  // since navigation start
      container.dataset.ready = "1";
      counts();
      if (opts.onReady) opts.onReady(view);
    }
    if (payload.layout === "physics") {
      network.once("stabilizationIterationsDone", function () {
        network.setOptions({ physics: { enabled: false } });
        network.fit();
        network.once("afterDrawing", markReady);
        network.redraw();
      });
    } else {
      network.once("afterDrawing", markReady);
    }
    network.on("click", function (params) {
      if (!params.nodes.length) return;
      var id = params.nodes[0];
      if (view.collapsed[id]) {
        openCollapsed(view, id);
        counts();
      } else if (opts.expand && !view.expanded[id]) {
        view.expanded[id] = true;
        container.dataset.expanding = "1";
        Promise.resolve(opts.expand(id, view)).then(function (extra) {
          if (extra) addAround(view, id, extra.nodes || [], extra.edges || []);
          Object.assign(view.collapsed, (extra && extra.collapsed) || {});
          view.expansions += 1;
          counts();
          container.dataset.expanding = "0";
          container.dataset.expansions = String(view.expansions);
        }, function (err) {
          view.expanded[id] = false;
          container.dataset.expanding = "0";
          if (opts.onError) opts.onError(err);
        });
      }
    });
    view.filterWindow = function (since, until) { filterWindow(view, since, until); counts(); };
    counts();
    container.csasView = view;
    global.csasLinkChart = view;
    return view;
  }

  function ringRadius(count) { return Math.max(140, (count * 60) / (2 * Math.PI)); }

  function addAround(view, centreId, newNodes, newEdges) {
    var centre = view.network.getPositions([centreId])[centreId] || { x: 0, y: 0 };
    var fresh = newNodes.filter(function (n) { return !view.nodes.get(n.id); });
    var radius = ringRadius(fresh.length);
    fresh.forEach(function (n, i) {
      var angle = (2 * Math.PI * i) / Math.max(fresh.length, 1);
      n = Object.assign({}, n, { x: centre.x + radius * Math.cos(angle), y: centre.y + radius * Math.sin(angle) });
      view.nodes.add(n);
    });
    newEdges.forEach(function (e) {
      if (!view.edges.get(e.id) && view.nodes.get(e.from) && view.nodes.get(e.to)) view.edges.add(e);
    });
  }

  function openCollapsed(view, markerId) {
    var group = view.collapsed[markerId];
    delete view.collapsed[markerId];
    var pos = view.network.getPositions([markerId])[markerId];
    view.edges.remove(view.edges.getIds({ filter: function (e) { return e.from === markerId || e.to === markerId; } }));
    view.nodes.remove(markerId);
    // the contacts ring round their hub, wide enough that labels do not overlap
    var centre = view.network.getPositions([group.parent])[group.parent] || pos || { x: 0, y: 0 };
    var fresh = group.nodes.filter(function (n) { return !view.nodes.get(n.id); });
    var radius = ringRadius(fresh.length);
    fresh.forEach(function (n, i) {
      var angle = (2 * Math.PI * i) / Math.max(fresh.length, 1);
      view.nodes.add(Object.assign({}, n, { x: centre.x + radius * Math.cos(angle), y: centre.y + radius * Math.sin(angle) }));
    });
    group.edges.forEach(function (e) { if (!view.edges.get(e.id)) view.edges.add(e); });
  }

  function overlaps(item, since, until) {
    if (since && item.last && item.last < since) return false;
    if (until && item.first && item.first > until) return false;
    return true;
  }

  function filterWindow(view, since, until) {
    // An edge is an aggregate: it stays when its first..last span meets the window.
    var visible = {};
    view.edges.update(view.edges.get().map(function (e) {
      var keep = overlaps(e, since, until);
      if (keep) { visible[e.from] = true; visible[e.to] = true; }
      return { id: e.id, hidden: !keep };
    }));
    view.nodes.update(view.nodes.get().map(function (n) {
      return { id: n.id, hidden: !(visible[n.id] || n.seed || n.kind === "supernode") };
    }));
  }

  /* ---------------------------------------------------------------- sector map */

  function sectorMap(container, payload, opts) {
    opts = opts || {};
    container.innerHTML = "";
    container.dataset.ready = "0";
    var box = el("div", "csas-map");
    container.appendChild(box);
    var map = L.map(box, { zoomControl: true, attributionControl: !!payload.tile_url, preferCanvas: false });
    if (payload.tile_url) {
      L.tileLayer(payload.tile_url, { maxZoom: 19, attribution: payload.tile_attribution || "" }).addTo(map);
    } else {
      box.classList.add("csas-plain");
    }
    L.control.scale({ imperial: false }).addTo(map);
    var view = { kind: "map", container: container, map: map, payload: payload, wedges: [], sites: [],
                 movement: [], meetings: [], cameras: [], reads: [], ready: false };
    var bounds = [];

    (payload.cells || []).forEach(function (c) {
      var site = L.circleMarker([c.lat, c.lon], { radius: 3, color: "#8a3c01", weight: 1, fillOpacity: 1,
                                                  className: "csas-site" }).addTo(map);
      site.bindTooltip(textTooltip(c.tooltip));
      view.sites.push({ key: c.key, layer: site });
      if (c.wedge) {
        var poly = L.polygon(c.wedge, { color: "#d95f02", weight: 1, fillColor: "#fdae6b", fillOpacity: 0.3,
                                        className: "csas-wedge" }).addTo(map);
        poly.bindTooltip(textTooltip(c.tooltip));
        view.wedges.push({ key: c.key, azimuth: c.azimuth, beamwidth: c.beamwidth, layer: poly });
        c.wedge.forEach(function (p) { bounds.push(p); });
      } else {
        var ring = L.circle([c.lat, c.lon], { radius: payload.radius_m / 4, color: "#8a3c01", weight: 1,
                                              dashArray: "3 3", fill: false, className: "csas-omni" }).addTo(map);
        ring.bindTooltip(textTooltip(c.tooltip));
      }
      bounds.push([c.lat, c.lon]);
    });

    var track = payload.movement || [];
    if (track.length) {
      var line = track.map(function (p) { return [p.lat, p.lon]; });
      view.movement.push(L.polyline(line, { color: "#2f6fba", weight: 3, opacity: 0.8, className: "csas-track" }).addTo(map));
      track.forEach(function (p, i) {
        var marker = L.circleMarker([p.lat, p.lon], {
          radius: i === 0 || i === track.length - 1 ? 7 : 5, color: "#1b4577", weight: 1,
          fillColor: p.flag ? "#e31a1c" : "#6baed6", fillOpacity: 0.9, className: "csas-step"
        }).addTo(map);
        var tip = "#" + p.seq + " " + p.t + (p.number ? "\n" + p.number : "") + "\nCell " + p.cell +
                  (p.type ? " (" + p.type + ")" : "") + "\nUsed at or before this time" + (p.flag ? "\n" + p.flag : "");
        marker.bindTooltip(textTooltip(tip));
        view.movement.push(marker);
        bounds.push([p.lat, p.lon]);
      });
    }

    (payload.meetings || []).forEach(function (m) {
      if (m.lat === null || m.lon === null || m.lat === undefined) return;
      var marker = L.circleMarker([m.lat, m.lon], { radius: 10, color: "#7b241c", weight: 2, fillColor: "#e74c3c",
                                                    fillOpacity: 0.6, className: "csas-meeting" }).addTo(map);
      marker.bindTooltip(textTooltip("Co-location: " + (m.numbers || []).join(", ") + "\n" + (m.start || "") +
                                     " – " + (m.end || "") + "\nSupporting events: " + (m.events || "?") +
                                     "\nSame or nearby cells, not a proven meeting"));
      view.meetings.push(marker);
      bounds.push([m.lat, m.lon]);
    });

    (payload.cameras || []).forEach(function (c) {
      var marker = L.circleMarker([c.lat, c.lon], { radius: 6, color: "#222", weight: 2, fillColor: "#999",
                                                    fillOpacity: 1, className: "csas-camera" }).addTo(map);
      marker.bindTooltip(textTooltip("ANPR camera " + c.camera_id + (c.name ? "\n" + c.name : "") +
                                     (c.direction ? "\nFacing " + c.direction : "")));
      view.cameras.push(marker);
      bounds.push([c.lat, c.lon]);
    });

    var reads = payload.reads || [];
    if (reads.length) {
      view.reads.push(L.polyline(reads.map(function (r) { return [r.lat, r.lon]; }),
                                 { color: "#b8860b", weight: 3, dashArray: "8 5", className: "csas-anpr" }).addTo(map));
      reads.forEach(function (r, i) {
        var marker = L.circleMarker([r.lat, r.lon], { radius: 4, color: "#6e5007", fillColor: "#f1c40f",
                                                      fillOpacity: 1, className: "csas-read" }).addTo(map);
        marker.bindTooltip(textTooltip("Read #" + (i + 1) + " " + (r.vrm || "") + "\n" + r.t + "\nCamera " +
                                       (r.camera_id || "")));
        view.reads.push(marker);
      });
    }

    var captions = L.control({ position: "bottomleft" });
    captions.onAdd = function () {
      var div = el("div", "csas-map-caption");
      (payload.captions || []).forEach(function (c) { div.appendChild(el("div", null, c)); });
      return div;
    };
    captions.addTo(map);

    if (bounds.length) map.fitBounds(bounds, { padding: [30, 30], maxZoom: 16 });
    else map.setView([51.5, -0.12], 10);
    view.ready = true;
    container.dataset.ready = "1";
    container.dataset.wedgeCount = String(view.wedges.length);
    view.wedgeGeometry = function () {
      return view.wedges.map(function (w) {
        return { key: w.key, azimuth: w.azimuth, beamwidth: w.beamwidth,
                 latlngs: w.layer.getLatLngs()[0].map(function (p) { return [p.lat, p.lng]; }) };
      });
    };
    view.refresh = function () { map.invalidateSize(); if (bounds.length) map.fitBounds(bounds, { padding: [30, 30], maxZoom: 16 }); };
    container.csasView = view;
    global.csasMap = view;
    return view;
  }

  /* ---------------------------------------------------------------- SVG views */

  function svgView(container, payload) {
    container.innerHTML = payload.svg || "";  // built and escaped server-side (viz/timeline.py)
    var view = { kind: payload.kind, container: container, payload: payload, ready: true };
    container.dataset.ready = "1";
    container.dataset.eventCount = String(container.querySelectorAll(".csas-event").length);
    container.csasView = view;
    return view;
  }

  /* ---------------------------------------------------------------- PNG */

  function save(url, filename) {
    var a = document.createElement("a");
    a.href = url;
    a.download = filename;
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  function svgToPng(svg, width, height, background, offset, done) {
    var xml = new XMLSerializer().serializeToString(svg);
    var img = new Image();
    img.onload = function () {
      var canvas = document.createElement("canvas");
      canvas.width = width;
      canvas.height = height;
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = background;
      ctx.fillRect(0, 0, width, height);
      ctx.drawImage(img, offset.x, offset.y);
      done(canvas.toDataURL("image/png"));
    };
    img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(xml);
  }

  function pngDataUrl(view, done) {
    if (view.kind === "link_chart") {
      var source = view.container.querySelector("canvas");
      var canvas = document.createElement("canvas");
      canvas.width = source.width;
      canvas.height = source.height;
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(source, 0, 0);
      done(canvas.toDataURL("image/png"));
    } else if (view.kind === "map") {
      // The vector layers only: map tiles come from another origin and would taint the canvas.
      var box = view.container.querySelector(".csas-map");
      var svg = box.querySelector(".leaflet-overlay-pane svg");
      if (!svg) return done(null);
      var outer = box.getBoundingClientRect();
      var inner = svg.getBoundingClientRect();
      var copy = svg.cloneNode(true);
      copy.setAttribute("width", inner.width);
      copy.setAttribute("height", inner.height);
      copy.style.transform = "";
      svgToPng(copy, Math.round(outer.width), Math.round(outer.height), "#eef1f4",
               { x: inner.left - outer.left, y: inner.top - outer.top }, done);
    } else {
      var s = view.container.querySelector("svg");
      svgToPng(s, s.width.baseVal.value, s.height.baseVal.value, "#ffffff", { x: 0, y: 0 }, done);
    }
  }

  function downloadPng(view, filename) {
    pngDataUrl(view, function (url) { if (url) save(url, filename); });
  }

  function mount(container, payload, opts) {
    if (payload.kind === "link_chart") return linkChart(container, payload, opts);
    if (payload.kind === "map") return sectorMap(container, payload, opts);
    return svgView(container, payload, opts);
  }

  global.CsasCharts = { mount: mount, linkChart: linkChart, sectorMap: sectorMap, svgView: svgView,
                        pngDataUrl: pngDataUrl, downloadPng: downloadPng, save: save };
})(window);
