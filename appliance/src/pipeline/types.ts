import type { Logger } from 'pino'
import type { Page, Stage, Tx } from '../store/index.js'

/**
 * One step of the pipeline: moves a page from `from` to `to`. `run` does the work and adds its results to `tx`;
 * the pipeline commits them in the same batch as the page's new stage, so a step completes exactly once.
 * A step that throws is retried with backoff and ends `failed` with its reason.
 */
export interface Step {
  name: string
  from: Stage
  to: Stage
  /** How many pages this step may work on at once. */
  concurrency: number
  run: (page: Page, tx: Tx, ctx: StepContext) => Promise<Partial<Page> | void>
  /**
   * Adds writes that must commit with the page's new stage (the record steps it makes due), under the page's lock,
   * after the page's fresh state is known.
   */
  commit?: (page: Page, tx: Tx) => Promise<void>
  /** Runs after the commit (e.g. removing a scratch file); failures are logged, not retried. */
  after?: (page: Page) => Promise<void>
}

export interface StepContext {
  logger: Logger
}
