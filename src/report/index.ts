/**
 * The report entry point: read a run's metrics.jsonl (`readMetrics`), write its report.html
 * (`buildReport`), and the side-by-side page of several runs (`buildCompareReport`). The chart library
 * (svg.ts), nice ticks (ticks.ts) and the palette are exported for anyone who wants the same pictures.
 *
 * What it is not: the trainer or the CLI; `npm run train` and `npm run compare` call these at the end.
 * How to read each chart: docs/report.md. The file format: docs/report.md § metrics.jsonl.
 */
export { readMetrics, parseMetrics, type RunMetrics, type ConfigRecord, type StepRecord, type StepTask, type EvalRecord, type AdvantagesRecord, type SftRecord, type SummaryRecord } from './metrics.js';
export { buildReport, renderRunReport, RUN_SECTIONS } from './run-report.js';
export { buildCompareReport, renderCompareReport, COMPARE_SECTIONS, variantLabel } from './compare-report.js';
export { lineChart, histogramChart, barChart, densityCurve, type LineSeries, type Band, type Area, type RefLine, type Point } from './svg.js';
export { niceTicks, formatTick, formatNumber, type Ticks } from './ticks.js';
export { taskColors, OKABE_ITO } from './palette.js';
export { esc } from './html.js';
