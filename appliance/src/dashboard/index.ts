/**
 * @packageDocumentation
 * The dashboard's figures: pages scanned today, this week and in the last 7 days, the pipeline's queue, the OCR
 * rate, failures and paused batches, disk space and days left, replication and scanners, in one cached answer.
 * Built once per node in node.ts; the HTTP route only serves it.
 */
export { DashboardFigures, type DashboardDeps, type DashboardView } from './figures.js'
