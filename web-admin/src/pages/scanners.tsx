/**
 * Máy quét: the scanners of the saned hosts with their state; for operators, a test scan of one page (shown once
 * stored) and the start of a batch with its unit and settings, which then opens the batch's live page.
 */
import { useEffect, useState } from 'preact/hooks'
import { useLocation } from 'preact-iso'
import { get, post, type ApiError } from '../api.js'
import { Badge, ErrorBox, Loading, Notice } from '../components/ui.js'
import { useAction, useLoad } from '../hooks.js'
import { useI18n, type MessageKey } from '../i18n/index.js'
import { useSession } from '../session.js'
import type { RecordView, Scanner, ScannerList, ScannerOption, Unit } from '../types.js'
import { UnitSelect, rememberUnit } from './units.js'

const COMMON_DPI = [150, 200, 300, 400, 600]
const PROBLEMS = ['below-200-dpi', 'below-24-bit', 'not-colour']

export function ScannersPage () {
  const { t } = useI18n()
  const list = useLoad(async () => await get<ScannerList>('/scanners'), [])
  const units = useLoad(async () => await get<Unit[]>('/units'), [])
  return (
    <div class='page scanners'>
      <h1>{t('scan.title')}</h1>
      <ErrorBox error={list.error} onRetry={list.reload} />
      {list.data === undefined && list.loading && <Loading />}
      {list.data !== undefined && (
        <>
          {list.data.scanners.length === 0 && <Notice kind='warn'>{t('scan.none')}</Notice>}
          {list.data.scanners.map(s => <ScannerCard key={s.id} scanner={s} units={units.data ?? []} onChange={list.reload} />)}
          <h2>{t('scan.hosts')}</h2>
          <ul class='plain'>
            {list.data.hosts.map(h => (
              <li key={h.host}><Badge kind={h.state === 'reachable' ? 'ok' : 'bad'}>{t(`state.${h.state}` as MessageKey)}</Badge> <code>{h.host}</code>
                {h.error && <span class='small muted'> {h.error.message}</span>}</li>
            ))}
          </ul>
        </>
      )}
    </div>
  )
}

function optionValues (s: Scanner, name: string): Array<string | number> {
  const o: ScannerOption | undefined = s.options?.find(x => x.name === name)
  return o?.constraint?.values ?? []
}

function resolutions (s: Scanner): number[] {
  const o = s.options?.find(x => x.name === 'resolution')
  const c = o?.constraint
  let values: number[] = []
  if (c?.values !== undefined) values = c.values.map(Number).filter(v => Number.isFinite(v))
  else if (c?.type === 'range' && c.min !== undefined && c.max !== undefined) values = COMMON_DPI.filter(v => v >= c.min! && v <= c.max!)
  if (s.profile?.resolution !== undefined && !values.includes(s.profile.resolution)) values.push(s.profile.resolution)
  // A long word list (every dpi from 1 to 1200): offer the usual ones.
  if (values.length > 12) values = values.filter(v => COMMON_DPI.includes(v) || v === s.profile?.resolution)
  return [...new Set(values)].sort((a, b) => a - b)
}

function ScannerCard ({ scanner: s, units, onChange }: { scanner: Scanner, units: Unit[], onChange: () => void }) {
  const { t } = useI18n()
  const { can } = useSession()
  const { route } = useLocation()
  const [unit, setUnit] = useState('')
  const [source, setSource] = useState(s.profile?.source ?? '')
  const [mode, setMode] = useState(s.profile?.mode ?? '')
  const [resolution, setResolution] = useState(s.profile?.resolution !== undefined ? String(s.profile.resolution) : '')
  const [testBatch, setTestBatch] = useState<string | null>(null)
  const action = useAction()
  const sources = optionValues(s, 'source').map(String)
  const modes = optionValues(s, 'mode').map(String)
  const dpis = resolutions(s)
  const flatbed = sources.find(v => /flatbed|mặt kính/i.test(v))

  const start = (test: boolean): void => {
    void action.run(async () => {
      rememberUnit(unit)
      const body: Record<string, unknown> = { unit }
      if (source) body.source = source
      if (mode) body.mode = mode
      if (resolution) body.resolution = Number(resolution)
      // One sheet: the flatbed if the device has one (a feeder would take the whole stack).
      if (test && flatbed !== undefined) body.source = flatbed
      const { batchId } = await post<{ batchId: string }>(`/scanners/${encodeURIComponent(s.id)}/scan`, body)
      if (test) { setTestBatch(batchId); onChange() } else route(`/may-quet/dot/${batchId}`)
    })
  }

  return (
    <section class='card scanner' data-testid='scanner' data-scanner={s.device}>
      <div class='scanner-head'>
        <h2>{s.vendor} {s.model} <span class='muted small'>({s.device} @ {s.host})</span></h2>
        <Badge kind={s.state}>{t(`state.${s.state}` as MessageKey)}</Badge>
      </div>
      {s.error && s.state === 'unreachable' && <p class='small bad'>{s.error.message}</p>}
      {s.batchId && <p>{t('scan.busyWith')}: <a href={`/may-quet/dot/${s.batchId}`}>{s.batchId}</a></p>}
      {s.standardProblems.length > 0 && <p class='small warn-text'>{t('scan.belowStandard', { problems: s.standardProblems.map(p => PROBLEMS.includes(p) ? t(`scan.problem.${p}` as MessageKey) : p).join(', ') })}</p>}
      {can('ingest') && s.state !== 'unreachable' && (
        <form class='scan-form' onSubmit={e => { e.preventDefault(); start(false) }}>
          <label>{t('scan.unit')}<UnitSelect units={units} value={unit} onChange={setUnit} required /></label>
          {sources.length > 0 && (
            <label>{t('scan.source')}
              <select name='source' value={source} onChange={e => setSource(e.currentTarget.value)}>
                {sources.map(v => <option key={v} value={v}>{v}</option>)}
              </select>
            </label>
          )}
          {modes.length > 0 && (
            <label>{t('scan.mode')}
              <select name='mode' value={mode} onChange={e => setMode(e.currentTarget.value)}>
                {modes.map(v => <option key={v} value={v}>{v}</option>)}
              </select>
            </label>
          )}
          {dpis.length > 0 && (
            <label>{t('scan.resolution')}
              <select name='resolution' value={resolution} onChange={e => setResolution(e.currentTarget.value)}>
                {dpis.map(v => <option key={v} value={String(v)}>{v}</option>)}
              </select>
            </label>
          )}
          <div class='actions'>
            <button type='submit' class='primary' disabled={action.busy || !unit || s.state === 'busy'}>{action.busy ? t('scan.starting') : t('scan.start')}</button>
            <button type='button' disabled={action.busy || !unit || s.state === 'busy'} onClick={() => start(true)}>{t('scan.test')}</button>
          </div>
        </form>
      )}
      <ErrorBox error={action.error} />
      {testBatch !== null && <TestScan batchId={testBatch} />}
    </section>
  )
}

/** The page of a test scan, shown as soon as the appliance has stored and prepared it. */
function TestScan ({ batchId }: { batchId: string }) {
  const { t } = useI18n()
  const [recordId, setRecordId] = useState<string | null>(null)
  const [image, setImage] = useState<string | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  useEffect(() => {
    let stop = false
    let tries = 0
    const poll = async (): Promise<void> => {
      while (!stop && tries++ < 120) {
        try {
          const batch = await get<{ records: string[], status: string, reason?: string }>(`/batches/${batchId}`)
          const rid = batch.records[0]
          if (rid !== undefined) {
            setRecordId(rid)
            const record = await get<RecordView>(`/records/${rid}`)
            const page = record.pages[0]
            if (page?.hasPreview) { setImage(`/api/v1/records/${rid}/pages/1/preview`); return }
            // No preview route or flag on this node yet: the stored master once the page is past intake.
            if (page !== undefined && page.hasPreview === undefined) { setImage(`/api/v1/records/${rid}/pages/1`); return }
          } else if (batch.status === 'paused' || batch.status === 'cancelled') return
        } catch (err) {
          setError(err as ApiError | null)
          return
        }
        await new Promise(resolve => setTimeout(resolve, 1000))
      }
    }
    void poll()
    return () => { stop = true }
  }, [batchId])
  return (
    <div class='test-scan' data-testid='test-scan'>
      <h3>{t('scan.testResult')}</h3>
      <ErrorBox error={error} />
      {image === null
        ? <p class='muted'>{recordId === null ? t('scan.testWaiting') : t('scan.previewWaiting')}</p>
        : <a href={`/ho-so/${recordId}`}><img src={image} alt={t('scan.testResult')} class='test-image' /></a>}
      <p class='small muted'>{t('scan.testNote')} <a href={`/may-quet/dot/${batchId}`}>{batchId}</a></p>
    </div>
  )
}
