/** Tổng quan: the day's figures at a glance, refreshed every 5 s while the tab is visible. */
import { useState } from 'preact/hooks'
import { get, post } from '../api.js'
import { Badge, ErrorBox, Loading } from '../components/ui.js'
import { fmtBytes, fmtDateTime, fmtNumber, fmtTime, shortId } from '../format.js'
import { useAction, useInterval, useLoad } from '../hooks.js'
import { useI18n, type MessageKey } from '../i18n/index.js'
import { useSession } from '../session.js'
import type { Dashboard } from '../types.js'
import { pauseText } from './batch.js'

const STAGES = ['received', 'prepared', 'recognized', 'indexed', 'failed'] as const
/** Below this many days of space, the card turns red. */
const LOW_DAYS = 30

export function DashboardPage () {
  const { t, lang } = useI18n()
  const dash = useLoad(async () => await get<Dashboard>('/dashboard'), [])
  useInterval(dash.reload, 5_000)
  const d = dash.data
  if (d === undefined) return dash.error ? <ErrorBox error={dash.error} onRetry={dash.reload} /> : <Loading />
  const n = (v: number): string => fmtNumber(v, lang)
  return (
    <div class='page dashboard'>
      <div class='page-head'>
        <h1>{t('dash.title')}</h1>
        <span class='muted small'>{t('app.updatedAt', { time: fmtTime(d.generatedAt, lang) })}</span>
      </div>
      {dash.error && <ErrorBox error={dash.error} />}
      <div class='cards'>
        <section class='card big'>
          <h2>{t('dash.pagesToday')}</h2>
          <p class='figure' data-testid='pages-today'>{n(d.pages.today)}</p>
        </section>
        <section class='card big'>
          <h2>{t('dash.pagesWeek')}</h2>
          <p class='figure' data-testid='pages-week'>{n(d.pages.week)}</p>
        </section>
        <section class='card big'>
          <h2>{t('dash.ocrRate')}</h2>
          <p class='figure' data-testid='ocr-rate'>{t('dash.ocrRateValue', { n: n(d.ocr.lastHour) })}</p>
          {/* Just after a start the hour is not full yet: say over how long the pages were counted. */}
          <p class='muted small'>{d.ocr.windowMinutes < 60 ? t('dash.ocrRateWindow', { m: Math.max(1, d.ocr.windowMinutes) }) : t('dash.ocrRateHour')}</p>
        </section>
        <DiskCard d={d} />
      </div>
      <div class='cards'>
        <section class='card'>
          <h2>{t('dash.queue')}</h2>
          {d.queue === null
            ? <p class='muted'>{t('dash.queueNone')}</p>
            : (
              <>
                <table class='compact' data-testid='queue'>
                  <tbody>
                    {STAGES.map(s => (
                      <tr key={s} class={s === 'failed' && d.queue!.failed > 0 ? 'bad' : undefined}>
                        <th scope='row'>{t(`dash.stage.${s}` as MessageKey)}</th>
                        <td class='num' data-stage={s}>{n(d.queue![s])}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <p class='muted small'>{t('dash.queueDepth', { n: n(d.queue.depth) })}</p>
              </>
              )}
        </section>
        <Attention d={d} onChange={dash.reload} />
      </div>
      <div class='cards'>
        <section class='card'>
          <h2>{t('dash.scanners')}</h2>
          {d.scanners === null
            ? <p class='muted'>{t('dash.scannersDisabled')}</p>
            : d.scanners.scanners.length === 0
              ? <p class='muted'>{t('dash.scannersNone')}</p>
              : (
                <ul class='plain'>
                  {d.scanners.scanners.map(s => (
                    <li key={s.id}>
                      <Badge kind={s.state}>{t(`state.${s.state}` as MessageKey)}</Badge> {s.vendor} {s.model} <span class='muted small'>({s.device} @ {s.host})</span>
                      {s.batchId && <> · <a href={`/may-quet/dot/${s.batchId}`}>{t('dash.open')}</a></>}
                    </li>
                  ))}
                </ul>
                )}
        </section>
        <section class='card'>
          <h2>{t('dash.replication')}</h2>
          {d.replication === null
            ? <p class='muted' data-testid='replication'>{t('dash.replicationNone')}</p>
            : <p data-testid='replication'>{t('dash.replicationBehind', {
                entries: n(Number(d.replication.entriesBehind ?? 0)),
                bytes: fmtBytes(Number(d.replication.bytesBehind ?? 0), lang),
                last: d.replication.lastSuccess ? fmtDateTime(d.replication.lastSuccess, lang) : t('sync.never')
              })}</p>}
        </section>
      </div>
    </div>
  )
}

function DiskCard ({ d }: { d: Dashboard }) {
  const { t, lang } = useI18n()
  if (d.disk === null) return null
  const { totalBytes, usedBytes, freeBytes, daysLeft } = d.disk
  const pct = totalBytes > 0 ? Math.round((usedBytes / totalBytes) * 100) : 0
  const low = daysLeft !== null && daysLeft < LOW_DAYS
  return (
    <section class={`card big${low ? ' alarm' : ''}`}>
      <h2>{t('dash.disk')}</h2>
      <div class='bar' role='meter' aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}><span style={{ width: `${pct}%` }} /></div>
      <p class='small'>{t('dash.diskUsed', { used: fmtBytes(usedBytes, lang), total: fmtBytes(totalBytes, lang), free: fmtBytes(freeBytes, lang) })}</p>
      <p class='small'>{daysLeft === null ? t('dash.daysLeftUnknown') : t('dash.daysLeft', { n: fmtNumber(daysLeft, lang) })}</p>
      {low && <p class='small bad'>{t('dash.diskLow')}</p>}
    </section>
  )
}

function Attention ({ d, onChange }: { d: Dashboard, onChange: () => void }) {
  const { t, lang } = useI18n()
  const { can } = useSession()
  const action = useAction()
  const [retried, setRetried] = useState<Set<string>>(new Set())
  const { items, pausedBatches, pages } = d.failures
  const nothing = pages === 0 && pausedBatches.length === 0
  const retry = (pageId: string): void => {
    void action.run(async () => {
      await post(`/pages/${pageId}/retry`)
      setRetried(s => new Set(s).add(pageId))
      onChange()
    })
  }
  return (
    <section class={`card${nothing ? '' : ' warn'}`} data-testid='attention'>
      <h2>{t('dash.attention')}</h2>
      {nothing && <p class='muted'>{t('dash.attentionNone')}</p>}
      <ErrorBox error={action.error} />
      <ul class='plain'>
        {pausedBatches.map(b => (
          <li key={b.id}>
            <strong>{t('dash.pausedBatch', { id: shortId(b.id), pages: b.pageCount })}</strong>
            {b.reason && <div class='small'>{pauseText(t, lang, b.reason)}</div>}
            <a href={`/may-quet/dot/${b.id}`}>{t('dash.openBatch')}</a>
          </li>
        ))}
        {pages > 0 && <li><strong>{t('dash.failedPages', { n: pages })}</strong></li>}
        {items.map(f => (
          <li key={f.pageId} class='small'>
            <a href={`/ho-so/${f.recordId}`}>{shortId(f.recordId)}</a> · {t(`dash.stage.${f.stage}` as MessageKey)} · {fmtDateTime(f.at, lang)}
            <div class='muted'>{f.reason}</div>
            {can('admin') && (retried.has(f.pageId)
              ? <span class='ok'>{t('dash.retried')}</span>
              : <button type='button' class='small' disabled={action.busy} onClick={() => retry(f.pageId)}>{t('dash.retry')}</button>)}
          </li>
        ))}
      </ul>
    </section>
  )
}
