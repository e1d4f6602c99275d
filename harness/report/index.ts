// Report writers: index.html (self-contained), junit.xml, results.json, from a RunResult.
export * from './types.js';
export { writeReport, type WriteReportOptions, type WrittenReport } from './write.js';
export { reportHtml } from './html.js';
export { junitXml } from './junit.js';
export { dataplaneCounts, dataplaneSummary, resultsJson, requirementSummaries, type RequirementSummary } from './results-json.js';
export { ladderSvg, ladderColumns } from './ladder-svg.js';
export { ladderFromTrace, ladderSize, summarizeTrace, timingsFromTrace, LADDER_LIMIT } from './from-trace.js';
export { analysisCase } from './analysis-case.js';
