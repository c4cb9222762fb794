// Charts: any element with data-chart is drawn with Apache ECharts, served by the app
// itself (the vendored build of the instaui-echarts package; no CDN).
import * as echarts from "../vendor/echarts/echarts.esm.min.js";

window.echarts = echarts;

const builders = {
  bar(el, data) {
    return {
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      xAxis: { type: "value" },
      yAxis: { type: "category", inverse: true, data: data.names, axisLabel: { width: 140, overflow: "truncate" } },
      series: [{ type: "bar", name: el.dataset.title || "", data: data.population, itemStyle: { color: "#b3261e" } }],
    };
  },
  option(el, data) {
    return data; // a full ECharts option built on the server
  },
};

// Maps: the boundaries come from the platform (data-map-url, GeoJSON named by area code),
// registered once per name; a click on an area or a point follows its link (data-links by
// shown name, or the item's own url).
const registered = new Map();

function registerMap(name, url) {
  if (!registered.has(name)) {
    registered.set(
      name,
      fetch(url, { credentials: "same-origin" })
        .then((r) => r.json())
        .then((geojson) => echarts.registerMap(name, geojson)),
    );
  }
  return registered.get(name);
}

async function drawMap(el) {
  await registerMap(el.dataset.mapName, el.dataset.mapUrl);
  const chart = echarts.init(el, null, { renderer: "canvas" });
  const links = JSON.parse(el.dataset.links || "{}");
  chart.setOption(JSON.parse(el.dataset.series || "{}"));
  chart.on("click", (params) => {
    let url = (params.data && params.data.url) || links[params.name];
    if (!url && Array.isArray(params.data) && links.__compound__) {
      url = links.__compound__.replace("CODE", encodeURIComponent(params.data[3]));
    }
    if (url) window.location.assign(url);
  });
  el.dataset.drawn = "1";
  new ResizeObserver(() => chart.resize()).observe(el);
}

export function drawCharts(root = document) {
  root.querySelectorAll("[data-chart]").forEach((el) => {
    if (el.dataset.drawn || el.dataset.drawing) return;
    if (el.dataset.chart === "geomap") {
      el.dataset.drawing = "1";
      drawMap(el).catch((e) => console.error("map", e));
      return;
    }
    const build = builders[el.dataset.chart];
    if (!build) return;
    const chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(build(el, JSON.parse(el.dataset.series || "{}")));
    chart.on("click", (params) => {
      if (params.data && params.data.url) window.location.assign(params.data.url);
    });
    el.dataset.drawn = "1";
    new ResizeObserver(() => chart.resize()).observe(el);
  });
}

drawCharts();
document.body.addEventListener("htmx:afterSettle", (e) => drawCharts(e.target));
