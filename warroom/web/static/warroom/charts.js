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

export function drawCharts(root = document) {
  root.querySelectorAll("[data-chart]").forEach((el) => {
    if (el.dataset.drawn) return;
    const build = builders[el.dataset.chart];
    if (!build) return;
    const chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(build(el, JSON.parse(el.dataset.series || "{}")));
    el.dataset.drawn = "1";
    new ResizeObserver(() => chart.resize()).observe(el);
  });
}

drawCharts();
document.body.addEventListener("htmx:afterSettle", (e) => drawCharts(e.target));
