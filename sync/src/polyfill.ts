/**
 * libp2p 3 calls `Promise.withResolvers`, which Node 20 lacks (Node >= 22 has it): without this the first dial
 * fails with ECONNRESET. Imported first by sync's entry (index.ts) so it runs before any libp2p module evaluates.
 */
const P = Promise as unknown as { withResolvers?: unknown }
if (typeof P.withResolvers !== 'function') {
  P.withResolvers = function withResolvers<T> (): { promise: Promise<T>, resolve: (v: T | PromiseLike<T>) => void, reject: (e?: unknown) => void } {
    let resolve!: (v: T | PromiseLike<T>) => void
    let reject!: (e?: unknown) => void
    const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}

export {}
