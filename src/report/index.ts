// The report package: SVG charts and the self-contained HTML page.
export { barChart, heatmap, lineChart } from './svg.js';
export type { Bar, BarChartOptions, HLine, HeatmapOptions, LineChartOptions, LineSeries, Marker, Point } from './svg.js';
export { flattenConfig, formatNumber, formatValue, renderReport } from './html.js';
export type * from './types.js';
export { escapeXml } from './escape.js';
