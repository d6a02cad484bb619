/** Small hooks: load data with its error, poll while the tab is visible, run an action with its error. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { ApiError } from './api.js'

export interface Loaded<T> {
  data: T | undefined
  error: ApiError | null
  loading: boolean
  reload: () => void
}

function asApiError (err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError('CLIENT', 0, '', '')
}

/** Runs `load` now and whenever `deps` change; a late answer of an older run is dropped. */
export function useLoad<T> (load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T, error: ApiError | null, loading: boolean }>({ error: null, loading: true })
  const [tick, setTick] = useState(0)
  useEffect(() => {
    let live = true
    setState(s => ({ ...s, loading: true }))
    load().then(
      data => { if (live) setState({ data, error: null, loading: false }) },
      err => { if (live) setState(s => ({ data: s.data, error: asApiError(err), loading: false })) }
    )
    return () => { live = false }
  }, [...deps, tick]) // eslint-disable-line react-hooks/exhaustive-deps
  return { data: state.data, error: state.error, loading: state.loading, reload: useCallback(() => setTick(n => n + 1), []) }
}

/** Calls `fn` every `ms` while the page is visible (and once when it becomes visible again). */
export function useInterval (fn: () => void, ms: number): void {
  const saved = useRef(fn)
  saved.current = fn
  useEffect(() => {
    const timer = setInterval(() => { if (document.visibilityState === 'visible') saved.current() }, ms)
    const onVisible = (): void => { if (document.visibilityState === 'visible') saved.current() }
    document.addEventListener('visibilitychange', onVisible)
    return () => { clearInterval(timer); document.removeEventListener('visibilitychange', onVisible) }
  }, [ms])
}

/** An action with its busy flag, its error and an optional success message. */
export function useAction (): {
  busy: boolean
  error: ApiError | null
  done: string | null
  run: (fn: () => Promise<string | null | void>) => Promise<boolean>
  clear: () => void
} {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ApiError | null>(null)
  const [done, setDone] = useState<string | null>(null)
  const run = useCallback(async (fn: () => Promise<string | null | void>): Promise<boolean> => {
    setBusy(true); setError(null); setDone(null)
    try {
      const message = await fn()
      setDone(typeof message === 'string' ? message : null)
      return true
    } catch (err) {
      setError(asApiError(err))
      return false
    } finally {
      setBusy(false)
    }
  }, [])
  return { busy, error, done, run, clear: useCallback(() => { setError(null); setDone(null) }, []) }
}
