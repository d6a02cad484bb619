/**
 * One scan batch, followed live over server-sent events (`/api/v1/batches/:id/events`): pages scanned and
 * recognized as they happen, and when the scanner stops on a jam or an open cover, what to do in plain words
 * with the resume and cancel buttons.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { get, post, type ApiError } from '../api.js'
import { Badge, ErrorBox, Loading, Notice } from '../components/ui.js'
import { fmtDateTime, shortId } from '../format.js'
import { useAction } from '../hooks.js'
import { useI18n, type Lang, type MessageKey, type T } from '../i18n/index.js'
import { useSession } from '../session.js'
import type { BatchView } from '../types.js'

/** Reasons the API writes as `CODE: tiếng Việt / English`: the part in the reader's language. */
export function reasonText (lang: Lang, reason: string): string {
  const m = /^([A-Z][A-Z0-9_]+): (.*)$/s.exec(reason)
  const body = m ? m[2] : reason
  const cut = body.indexOf(' / ')
  if (cut < 0) return body
  const vi = body.slice(0, cut)
  const en = body.slice(cut + 3)
  return lang === 'en' ? en : vi
}

export function reasonCode (reason: string | undefined | null): string | null {
  return reason ? (/^([A-Z][A-Z0-9_]+):/.exec(reason)?.[1] ?? null) : null
}

const KNOWN_REASONS = new Set(['SANE_JAMMED', 'SANE_COVER_OPEN', 'SANE_NO_DOCS', 'SANE_IO_ERROR', 'SANE_NO_MEM', 'SANE_UNREACHABLE', 'SANE_TIMEOUT', 'SCAN_INTERRUPTED'])

/** What a pause means for the operator: plain instructions for the usual causes, the API's words otherwise. */
export function pauseText (t: T, lang: Lang, reason: string, code?: string | null): string {
  const c = code ?? reasonCode(reason)
  if (c !== null && KNOWN_REASONS.has(c)) return t(`reason.${c}` as MessageKey)
  return t('reason.other', { reason: reasonText(lang, reason) })
}

interface LivePage { n?: number, pageId: string, recordId: string, state: 'scanned' | 'recognized' | 'failed', reason?: string }

const STATUS_KIND: Record<string, string> = { scanning: 'busy', paused: 'warn', finished: 'ok', cancelled: 'muted', open: 'muted' }

export function BatchPage ({ id }: { id: string }) {
  const { t, lang } = useI18n()
  const { can } = useSession()
  const [batch, setBatch] = useState<BatchView | null>(null)
  const [loadError, setLoadError] = useState<ApiError | null>(null)
  const [pages, setPages] = useState<LivePage[]>([])
  const [pause, setPause] = useState<{ code: string, reason: string } | null>(null)
  const [live, setLive] = useState<'on' | 'retrying' | 'off'>('off')
  // Pages recognized while this page is open: with the stage counts (a reload mid-batch), the larger is shown.
  const [recognizedIds, setRecognizedIds] = useState<Set<string>>(new Set())
  const action = useAction()
  const refreshTimer = useRef<number | undefined>(undefined)

  useEffect(() => {
    let closed = false
    const refresh = (): void => {
      window.clearTimeout(refreshTimer.current)
      refreshTimer.current = window.setTimeout(() => {
        get<BatchView>(`/batches/${id}`).then(b => { if (!closed) setBatch(b) }, () => {})
      }, 300)
    }
    get<BatchView>(`/batches/${id}`).then(b => {
      if (closed) return
      setBatch(b)
      if (b.status === 'paused' && b.reason) setPause({ code: reasonCode(b.reason) ?? '', reason: b.reason })
    }, err => { if (!closed) setLoadError(err) })

    const source = new EventSource(`/api/v1/batches/${id}/events`)
    const on = (type: string, fn: (data: any) => void): void => {
      source.addEventListener(type, (e: MessageEvent<string>) => { try { fn(JSON.parse(e.data)) } catch { /* a malformed event is skipped */ } })
    }
    source.onopen = () => setLive('on')
    source.onerror = () => setLive(source.readyState === EventSource.CLOSED ? 'off' : 'retrying')
    on('status', (b: BatchView) => {
      setBatch(b)
      setPause(b.status === 'paused' && b.reason ? { code: reasonCode(b.reason) ?? '', reason: b.reason } : null)
    })
    on('page-scanned', (e: { n: number, pageId: string, recordId: string }) => {
      setPages(list => [{ n: e.n, pageId: e.pageId, recordId: e.recordId, state: 'scanned' as const }, ...list.filter(p => p.pageId !== e.pageId)].slice(0, 200))
      refresh()
    })
    on('page-recognized', (e: { pageId: string, recordId: string }) => {
      setRecognizedIds(ids => ids.has(e.pageId) ? ids : new Set(ids).add(e.pageId))
      setPages(list => list.some(p => p.pageId === e.pageId) ? list.map(p => p.pageId === e.pageId ? { ...p, state: 'recognized' as const } : p) : list)
      refresh()
    })
    on('page-failed', (e: { pageId: string, recordId: string, reason: string }) => {
      setPages(list => list.map(p => p.pageId === e.pageId ? { ...p, state: 'failed' as const, reason: e.reason } : p))
      refresh()
    })
    on('paused', (e: { code: string, reason: string }) => { setPause({ code: e.code, reason: e.reason }); refresh() })
    on('resumed', () => { setPause(null); refresh() })
    on('finished', () => refresh())
    on('cancelled', () => { setPause(null); refresh() })
    return () => { closed = true; source.close(); window.clearTimeout(refreshTimer.current) }
  }, [id])

  if (batch === null) return loadError ? <ErrorBox error={loadError} /> : <Loading />
  const recognized = Math.min(batch.pageCount, Math.max((batch.stages.recognized ?? 0) + (batch.stages.indexed ?? 0), recognizedIds.size))
  const resume = (): void => { void action.run(async () => { await post(`/batches/${id}/resume`); setPause(null) }) }
  const cancel = (): void => {
    if (!window.confirm(t('batch.cancelConfirm'))) return
    void action.run(async () => { setBatch(await post<BatchView>(`/batches/${id}/cancel`)); setPause(null) })
  }
  const ended = batch.status === 'finished' || batch.status === 'cancelled'
  return (
    <div class='page batch'>
      <div class='page-head'>
        <h1>{t('batch.title', { id: shortId(id) })}</h1>
        <span class='small muted' data-testid='live'>{live === 'on' && !ended ? t('batch.live') : live === 'retrying' && !ended ? t('batch.offline') : ''}</span>
      </div>
      <div class='cards'>
        <section class='card big'><h2>{t('batch.status')}</h2><p class='figure'><Badge kind={STATUS_KIND[batch.status] ?? 'muted'}><span data-testid='batch-status' data-status={batch.status}>{t(`batch.status.${batch.status}` as MessageKey)}</span></Badge></p></section>
        <section class='card big'><h2>{t('batch.scanned')}</h2><p class='figure' data-testid='scanned'>{batch.pageCount}</p></section>
        <section class='card big'><h2>{t('batch.recognized')}</h2><p class='figure' data-testid='recognized'>{recognized}</p></section>
        {batch.failures.length > 0 && <section class='card big warn'><h2>{t('batch.failed')}</h2><p class='figure'>{batch.failures.length}</p></section>}
      </div>
      {pause !== null && batch.status === 'paused' && (
        <div class='notice warn pause' role='alert' data-testid='pause'>
          <h2>{t('batch.paused')}</h2>
          <p class='pause-text'>{pauseText(t, lang, pause.reason, pause.code)}</p>
          {/tờ đã quét chưa được lưu|not stored/.test(pause.reason) && <p>{t('reason.lost')}</p>}
          <details><summary>{t('batch.technical')}</summary><code>{pause.code}</code> {reasonText(lang, pause.reason)}</details>
          {can('ingest') && (
            <p class='actions'>
              <button type='button' class='primary' disabled={action.busy} onClick={resume}>{t('batch.resume')}</button>
              <button type='button' disabled={action.busy} onClick={cancel}>{t('batch.cancel')}</button>
            </p>
          )}
        </div>
      )}
      {batch.status === 'scanning' && can('ingest') && (
        <p class='actions'><button type='button' disabled={action.busy} onClick={cancel}>{t('batch.cancel')}</button></p>
      )}
      <ErrorBox error={action.error} />
      <p class='small muted'>{t('batch.unit')}: {batch.unit} · {fmtDateTime(batch.createdAt, lang)}</p>
      {batch.records.length > 0 && (
        <p>
          {t('batch.records', { n: batch.records.length })}{' '}
          {batch.records.slice(0, 50).map((r, i) => <span key={r}>{i > 0 && ', '}<a href={`/ho-so/${r}`}>{shortId(r)}</a></span>)}
          {can('review') && <> · <a href='/kiem-tra'>{t('batch.openReview')}</a></>}
        </p>
      )}
      {pages.length > 0 && (
        <section>
          <h2>{t('batch.pages')}</h2>
          <ul class='plain pages-live' data-testid='pages-live'>
            {pages.map(p => (
              <li key={p.pageId}>
                <a href={`/ho-so/${p.recordId}`}>{p.n !== undefined ? t('batch.page', { n: p.n }) : shortId(p.pageId)}</a>{' '}
                <Badge kind={p.state === 'recognized' ? 'ok' : p.state === 'failed' ? 'bad' : 'busy'}>{p.state === 'recognized' ? t('batch.recognized') : p.state === 'failed' ? t('batch.failed') : t('batch.scanned')}</Badge>
                {p.reason && <span class='small muted'> {reasonText(lang, p.reason)}</span>}
              </li>
            ))}
          </ul>
        </section>
      )}
      {batch.failures.length > 0 && (
        <Notice kind='warn'>
          <ul class='plain'>{batch.failures.map(f => <li key={f.pageId}><a href={`/ho-so/${f.recordId}`}>{shortId(f.recordId)}</a>: {reasonText(lang, f.reason)}</li>)}</ul>
        </Notice>
      )}
    </div>
  )
}
