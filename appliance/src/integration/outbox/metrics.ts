/** The outbox's Prometheus metrics, per target, on the node's registry when it has one. */
import { Counter, Gauge, type Registry } from 'prom-client'

export class OutboxMetrics {
  readonly delivered: Counter<'target'>
  readonly failedAttempts: Counter<'target'>
  readonly deadLetters: Counter<'target'>

  constructor (registry: Registry | undefined, pending: () => Promise<Array<{ target: string, pending: number }>>) {
    const registers = registry ? [registry] : []
    this.delivered = new Counter({ name: 'sohoa_outbox_delivered_total', help: 'Messages a target accepted (2xx, error_code 0)', labelNames: ['target'], registers })
    this.failedAttempts = new Counter({ name: 'sohoa_outbox_failed_attempts_total', help: 'Delivery attempts that failed (error answer, timeout, no connection)', labelNames: ['target'], registers })
    this.deadLetters = new Counter({ name: 'sohoa_outbox_dead_letters_total', help: 'Messages set aside as dead letters (after every attempt, or held behind one)', labelNames: ['target'], registers })
    new Gauge({
      name: 'sohoa_outbox_pending', help: 'Log entries not yet handed to a target, plus dead letters sent back for another round', labelNames: ['target'], registers,
      async collect () { for (const p of await pending()) this.set({ target: p.target }, p.pending) }
    })
  }
}
