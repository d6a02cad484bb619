/**
 * Process-wide sharp settings, applied once before the first image is touched.
 * sharp runs each image operation on libuv's thread pool with `concurrency` libvips threads. The pipeline prepares
 * one page at a time while OCR workers keep the cores busy, so prepare gets half the cores (1 on the 2-core box):
 * on the 2-core VM a second libvips thread made prepare 15-30 % faster (~280 -> ~200-250 ms per page) but takes
 * that core from OCR, where a second worker gives 1.6x the throughput.
 * The libvips operation cache is off: every page is new, so the cache only holds memory.
 */
import { availableParallelism } from 'node:os'
import sharp from 'sharp'

let configured = false

export interface ImagingSettings {
  /** libvips threads per image operation. */
  threads?: number
}

export function configureImaging (settings: ImagingSettings = {}): void {
  const threads = settings.threads ?? Math.max(1, Math.floor(availableParallelism() / 2))
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError('threads must be a positive integer')
  sharp.concurrency(threads)
  sharp.cache(false)
  configured = true
}

export function ensureConfigured (): void {
  if (!configured) configureImaging()
}
