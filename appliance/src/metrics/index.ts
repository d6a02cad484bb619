/** Prometheus metrics of one node (`GET /metrics`), on a registry of its own so tests can run several nodes. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { Stage } from '../store/index.js'

export interface MetricsSources {
  stageCounts: () => Record<Stage | 'failed', number>
  queueDepth: () => number
}

export class Metrics {
  readonly registry = new Registry()
  readonly pagesReceived: Counter<'source'>
  readonly ocrSeconds: Histogram
  readonly prepareSeconds: Histogram
  /** What the gauges read when scraped; set once the pipeline that times its steps here exists (`observe`). */
  private sources: MetricsSources | undefined

  constructor (sources?: MetricsSources) {
    this.sources = sources
    const self = this
    const registers = [this.registry]
    collectDefaultMetrics({ register: this.registry, prefix: 'sohoa_' })
    this.pagesReceived = new Counter({ name: 'sohoa_pages_received_total', help: 'Pages accepted by intake since start', labelNames: ['source'], registers })
    this.ocrSeconds = new Histogram({ name: 'sohoa_ocr_seconds', help: 'Time to recognise one page', buckets: [0.5, 1, 2, 3, 5, 8, 13, 21, 34], registers })
    this.prepareSeconds = new Histogram({ name: 'sohoa_prepare_seconds', help: 'Time to prepare one page for OCR', buckets: [0.1, 0.25, 0.5, 1, 2, 4, 8], registers })
    new Gauge({
      name: 'sohoa_pages', help: 'Pages by pipeline stage (failed: pages the pipeline gave up on)', labelNames: ['stage'], registers,
      collect () { for (const [stage, n] of Object.entries(self.sources?.stageCounts() ?? {})) this.set({ stage }, n) }
    })
    new Gauge({ name: 'sohoa_queue_depth', help: 'Pipeline jobs waiting or running', registers, collect () { this.set(self.sources?.queueDepth() ?? 0) } })
  }

  observe (sources: MetricsSources): void {
    this.sources = sources
  }

  async text (): Promise<string> {
    return await this.registry.metrics()
  }

  get contentType (): string {
    return this.registry.contentType
  }
}
