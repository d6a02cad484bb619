/** Kiểm tra: the records waiting for review (drafts, newest first) and the printing of separator cover sheets. */
import { useState } from 'preact/hooks'
import { call, get, qs } from '../api.js'
import { ErrorBox, Loading, Notice } from '../components/ui.js'
import { fmtDateTime, shortId } from '../format.js'
import { useAction, useLoad } from '../hooks.js'
import { useI18n } from '../i18n/index.js'
import type { RecordSummary, Unit } from '../types.js'
import { UnitSelect, rememberUnit, unitName } from './units.js'

export const QUEUE_LIMIT = 200

export async function loadQueue (): Promise<RecordSummary[]> {
  const answer = await get<{ records: RecordSummary[] }>(`/records${qs({ status: 'draft', limit: QUEUE_LIMIT })}`)
  // A node whose list does not filter yet answers every record: keep the drafts.
  return answer.records.filter(r => r.status === 'draft')
}

export function ReviewQueuePage () {
  const { t, lang } = useI18n()
  const queue = useLoad(loadQueue, [])
  const units = useLoad(async () => await get<Unit[]>('/units'), [])
  return (
    <div class='page review-queue'>
      <h1>{t('review.queue')}</h1>
      <p class='small muted'>{t('review.shortcuts')}</p>
      <ErrorBox error={queue.error} onRetry={queue.reload} />
      {queue.data === undefined && queue.loading && <Loading />}
      {queue.data !== undefined && queue.data.length === 0 && <Notice kind='ok'>{t('review.empty')}</Notice>}
      {queue.data !== undefined && queue.data.length > 0 && (
        <table class='list' data-testid='review-queue'>
          <thead><tr><th>{t('review.record')}</th><th>{t('search.unit')}</th><th>{t('field.documentType')}</th><th>{t('review.created')}</th><th class='num'>{t('review.pages')}</th><th class='num'>{t('review.low')}</th><th /></tr></thead>
          <tbody>
            {queue.data.map(r => (
              <tr key={r.id} class={(r.lowConfidence ?? 0) > 0 ? 'attention' : undefined}>
                <td><a href={`/kiem-tra/${r.id}`}>{r.archiveId ?? shortId(r.id)}</a>{r.filename && <div class='small muted'>{r.filename}</div>}</td>
                <td>{unitName(units.data ?? [], r.unit)}</td>
                <td>{r.documentType ?? '–'}{r.documentNumber && <div class='small'>{r.documentNumber}</div>}</td>
                <td>{fmtDateTime(r.createdAt, lang)}</td>
                <td class='num'>{r.pageCount}</td>
                <td class='num'>{r.lowConfidence ?? '–'}</td>
                <td><a class='button' href={`/kiem-tra/${r.id}`}>{t('review.open')}</a></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Separators units={units.data ?? []} />
    </div>
  )
}

/** Cover sheets to print: one per dossier, with the unit and codes it carries into the records it separates. */
function Separators ({ units }: { units: Unit[] }) {
  const { t } = useI18n()
  const [unit, setUnit] = useState('')
  const [codes, setCodes] = useState({ dossierCode: '', procedureCode: '', resultTypeCode: '', box: '', file: '' })
  const [count, setCount] = useState(1)
  const [pdf, setPdf] = useState<{ url: string, n: number } | null>(null)
  const action = useAction()
  const submit = (e: Event): void => {
    e.preventDefault()
    void action.run(async () => {
      rememberUnit(unit)
      const sheet: Record<string, string> = { unit }
      for (const [k, v] of Object.entries(codes)) if (v.trim()) sheet[k] = v.trim()
      const res = await call<Response>('POST', '/separators', { body: { sheets: Array.from({ length: count }, () => sheet) }, raw: true, headers: { accept: 'application/pdf' } })
      const blob = await res.blob()
      if (pdf) URL.revokeObjectURL(pdf.url)
      setPdf({ url: URL.createObjectURL(blob), n: count })
    })
  }
  const codeInput = (name: keyof typeof codes, label: Parameters<typeof t>[0]) => (
    <label>{t(label)}<input name={name} value={codes[name]} maxLength={60} onInput={e => setCodes(c => ({ ...c, [name]: e.currentTarget.value }))} /></label>
  )
  return (
    <section class='card separators'>
      <h2>{t('review.separators')}</h2>
      <p class='small'>{t('review.separatorsIntro')}</p>
      <form class='grid-form' onSubmit={submit}>
        <label>{t('scan.unit')}<UnitSelect units={units} value={unit} onChange={setUnit} required /></label>
        {codeInput('dossierCode', 'code.dossierCode')}
        {codeInput('procedureCode', 'code.procedureCode')}
        {codeInput('resultTypeCode', 'code.resultTypeCode')}
        {codeInput('box', 'code.box')}
        {codeInput('file', 'code.file')}
        <label>{t('review.separatorCount')}<input type='number' min={1} max={50} value={count} onInput={e => setCount(Math.min(50, Math.max(1, Number(e.currentTarget.value) || 1)))} /></label>
        <div class='actions'><button type='submit' class='primary' disabled={action.busy || !unit}>{t('review.separatorPrint')}</button></div>
      </form>
      <ErrorBox error={action.error} />
      {pdf && <Notice kind='ok'>{t('review.separatorDone', { n: pdf.n })} <a href={pdf.url} download='to-bia-phan-tach.pdf'>to-bia-phan-tach.pdf</a></Notice>}
    </section>
  )
}
