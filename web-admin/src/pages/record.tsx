/**
 * One record: its facts and fields, its pages, the signed PDF in the browser once archived, its versions and
 * events, and the validity actions (revoke, replace) for reviewers and admins.
 */
import { useState } from 'preact/hooks'
import { get, post } from '../api.js'
import { Badge, ErrorBox, Facts, Loading, Notice } from '../components/ui.js'
import { fmtBytes, fmtDateTime, fmtIsoDate } from '../format.js'
import { useAction, useLoad } from '../hooks.js'
import { useI18n, type MessageKey } from '../i18n/index.js'
import { useSession } from '../session.js'
import { FIELD_NAMES, type EventEntry, type RecordView, type VersionEntry } from '../types.js'

const DATE_FIELDS = new Set(['issuedDate', 'validUntil'])
const CODES = ['agencyCode', 'dossierCode', 'procedureCode', 'resultTypeCode', 'box', 'file'] as const
const ACTIONS = ['edit', 'approve', 'archive', 'validity', 'split', 'merge', 'extract', 'delete']
const EVENTS = ['intake', 'extraction', 'review', 'approval', 'archiving', 'signature', 'validity', 'split', 'merge', 'fixity', 'deletion']

/** A known action or event type in words; an unknown one as the API names it. */
function named (t: (k: MessageKey) => string, prefix: 'action' | 'event', value: string, known: string[]): string {
  return known.includes(value) ? t(`${prefix}.${value}` as MessageKey) : value
}

export function RecordPage ({ id }: { id: string }) {
  const { t, lang } = useI18n()
  const { can } = useSession()
  const rec = useLoad(async () => await get<RecordView>(`/records/${id}`), [id])
  const versions = useLoad(async () => await get<VersionEntry[]>(`/records/${id}/versions`), [id])
  const events = useLoad(async () => await get<EventEntry[]>(`/records/${id}/events`), [id])
  const r = rec.data
  if (r === undefined) return rec.error ? <ErrorBox error={rec.error} onRetry={rec.reload} /> : <Loading />
  const validity = r.validity?.state ?? 'valid'
  const pdfUrl = `/api/v1/records/${r.id}/document.pdf`
  return (
    <div class='page record'>
      <div class='page-head'>
        <h1>{t('record.title', { id: r.archiveId ?? r.id })}</h1>
        <Badge kind={r.status}><span data-testid='record-status' data-status={r.status}>{t(`status.${r.status}` as MessageKey)}</span></Badge>
        <Badge kind={validity === 'valid' ? 'ok' : 'bad'}>{t(`validity.${validity}` as MessageKey)}</Badge>
        <span class='grow' />
        {r.status === 'draft' && can('review') && <a class='button primary' href={`/kiem-tra/${r.id}`}>{t('record.review')}</a>}
      </div>
      {r.supersededBy && r.supersededBy.length > 0 && (
        <Notice kind='warn'>{t('record.superseded')}{r.supersededBy.map(s => <a key={s} href={`/ho-so/${s}`}>{s} </a>)}</Notice>
      )}
      <div class='two-col'>
        <section>
          <Facts rows={[
            ['record.archiveId', <code>{r.archiveId ?? '–'}</code>],
            ['record.unit', r.unit],
            ['record.batch', <a href={`/may-quet/dot/${r.batchId}`}>{r.batchId}</a>],
            ['record.file', r.filename ?? '–'],
            ['record.created', fmtDateTime(r.createdAt, lang)],
            ['record.approvedBy', r.approvedBy ? `${r.approvedBy} · ${fmtDateTime(r.approvedAt, lang)}` : '–'],
            ['record.retention', r.retention === 'permanent' ? t('record.retention.permanent') : (r.retention ?? '–')],
            ['record.validity', `${t(`validity.${validity}` as MessageKey)}${r.validity?.reason ? ` – ${r.validity.reason}` : ''}`]
          ]} />
          <h2>{t('review.fields')}</h2>
          <dl class='facts' data-testid='record-fields'>
            {FIELD_NAMES.map(name => {
              const v = r.fields?.[name]?.value
              return <div key={name}><dt>{t(`field.${name}` as MessageKey)}</dt><dd data-field={name}>{v ? (DATE_FIELDS.has(name) ? fmtIsoDate(v) : v) : '–'}</dd></div>
            })}
          </dl>
          {r.codes && CODES.some(c => r.codes?.[c]) && (
            <dl class='facts'>
              {CODES.filter(c => r.codes?.[c]).map(c => (
                <div key={c}><dt>{t(`code.${c}` as MessageKey)}</dt><dd><code>{r.codes![c]}</code></dd></div>
              ))}
            </dl>
          )}
          {can('review') && r.status === 'archived' && validity === 'valid' && <ValidityActions record={r} onDone={rec.reload} />}
        </section>
        <section>
          <h2>{t('record.pdf')}</h2>
          {r.pdf
            ? (
              <>
                <object data={pdfUrl} type='application/pdf' class='pdf' aria-label={t('record.pdf')}>
                  <p><a href={pdfUrl} target='_blank' rel='noopener'>{t('record.pdfOpen')}</a></p>
                </object>
                <p class='small'>
                  <a href={pdfUrl} target='_blank' rel='noopener'>{t('record.pdfOpen')}</a> ({fmtBytes(r.pdf.size, lang)}) · <a href={`/api/v1/records/${r.id}/package.zip`}>{t('record.package')}</a>
                </p>
              </>
              )
            : <p class='muted'>{t('record.pdfNone')}</p>}
        </section>
      </div>
      <h2>{t('record.pages')}</h2>
      <ul class='thumbs'>
        {r.pages.map(p => (
          <li key={p.id}>
            <a href={`/api/v1/records/${r.id}/pages/${p.n}`} target='_blank' rel='noopener'>
              {p.hasPreview !== false
                ? <img src={`/api/v1/records/${r.id}/pages/${p.n}/preview`} alt={t('batch.page', { n: p.n })} loading='lazy' />
                : <span class='muted'>{t('review.noPreview')}</span>}
            </a>
            <div class='small'>{t('batch.page', { n: p.n })}{p.dpi ? ` · ${p.dpi} dpi` : ''}{p.failed ? ' · ⚠' : ''}</div>
          </li>
        ))}
      </ul>
      <h2>{t('record.versions')}</h2>
      <ErrorBox error={versions.error} />
      {versions.data && versions.data.length === 0 && <p class='muted'>{t('app.none')}</p>}
      {versions.data && versions.data.length > 0 && (
        <table class='list' data-testid='versions'>
          <thead><tr><th>#</th><th>{t('record.when')}</th><th>{t('record.who')}</th><th>{t('record.action')}</th><th>{t('record.what')}</th></tr></thead>
          <tbody>
            {versions.data.map(v => (
              <tr key={v.version}>
                <td>{v.version}</td><td>{fmtDateTime(v.at, lang)}</td><td>{v.by}</td><td>{v.action ? named(t, 'action', v.action, ACTIONS) : ''}</td>
                <td class='small'>{Object.entries(v.changes).map(([k, c]) => <div key={k}><strong>{FIELD_NAMES.includes(k as never) ? t(`field.${k}` as MessageKey) : k}</strong>: {show(c.from)} → {show(c.to)}</div>)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>{t('record.events')}</h2>
      <ErrorBox error={events.error} />
      {events.data && <EventsTable events={events.data} />}
      {r.text && (
        <details>
          <summary>{t('record.text')}</summary>
          <pre class='ocr-text'>{r.text}</pre>
        </details>
      )}
    </div>
  )
}

function show (v: unknown): string {
  if (v === null || v === undefined || v === '') return '∅'
  return typeof v === 'string' ? v : JSON.stringify(v)
}

export function EventsTable ({ events, withRecord = false }: { events: Array<EventEntry & { recordId?: string }>, withRecord?: boolean }) {
  const { t, lang } = useI18n()
  if (events.length === 0) return <p class='muted'>{t('audit.none')}</p>
  return (
    <table class='list' data-testid='events'>
      <thead><tr><th>{t('record.when')}</th>{withRecord && <th>{t('audit.record')}</th>}<th>{t('record.action')}</th><th>{t('record.who')}</th><th>{t('record.outcome')}</th><th>{t('record.detail')}</th></tr></thead>
      <tbody>
        {events.map(e => (
          <tr key={e.id}>
            <td>{fmtDateTime(e.at, lang)}</td>
            {withRecord && <td>{e.recordId ? <a href={`/ho-so/${e.recordId}`}>{e.recordId.slice(-8)}</a> : ''}</td>}
            <td>{named(t, 'event', e.type, EVENTS)}</td><td>{e.agent}</td><td>{e.outcome === 'success' ? t('event.success') : e.outcome}</td><td class='small'>{e.detail ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function ValidityActions ({ record, onDone }: { record: RecordView, onDone: () => void }) {
  const { t } = useI18n()
  const [mode, setMode] = useState<'revoke' | 'replace' | null>(null)
  const [reason, setReason] = useState('')
  const [replacedBy, setReplacedBy] = useState('')
  const action = useAction()
  const submit = (e: Event): void => {
    e.preventDefault()
    void action.run(async () => {
      await post(`/records/${record.id}/validity`, { action: mode, reason: reason.trim(), ...(mode === 'replace' ? { replacedBy: replacedBy.trim() } : {}) })
      setMode(null)
      onDone()
      return t('record.validityDone')
    })
  }
  return (
    <section class='card'>
      <p class='actions'>
        <button type='button' onClick={() => setMode('revoke')}>{t('record.revoke')}</button>
        <button type='button' onClick={() => setMode('replace')}>{t('record.replace')}</button>
      </p>
      {mode !== null && (
        <form class='grid-form' onSubmit={submit}>
          <label>{t('record.reason')}<input required minLength={3} maxLength={500} value={reason} onInput={e => setReason(e.currentTarget.value)} /></label>
          {mode === 'replace' && <label>{t('record.replacedBy')}<input required value={replacedBy} onInput={e => setReplacedBy(e.currentTarget.value)} placeholder='r_… / SH-…' /></label>}
          <div class='actions'>
            <button type='submit' class='primary' disabled={action.busy}>{mode === 'revoke' ? t('record.revoke') : t('record.replace')}</button>
            <button type='button' onClick={() => setMode(null)}>{t('app.cancel')}</button>
          </div>
        </form>
      )}
      <ErrorBox error={action.error} />
      {action.done && <Notice kind='ok'>{action.done}</Notice>}
    </section>
  )
}
