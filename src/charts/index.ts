/** PNG charts for chat replies: vega-lite -> vega -> SVG -> resvg -> PNG, with the shipped fonts. */
export {
  renderAnomalyChart,
  renderAnomalyChartSvg,
  CHART_DEFAULT_HEIGHT,
  CHART_DEFAULT_WIDTH,
  type AnomalyChartInput,
} from './anomaly-chart';
export { saveChart, chartFileName } from './save';
