/**
 * Review of one record: the page image beside the extracted fields. Low-confidence fields are highlighted, the
 * focused field's words are boxed on the image, and the keyboard does the routine: Ctrl+S save, Ctrl+Enter
 * approve (then the next record), N/J next, K previous. Saves carry the version (If-Match), so two reviewers
 * cannot overwrite each other. Split and merge for stacks scanned without cover sheets. The parties the result
 * names (both spouses, a shop and its owner) are listed and edited as a whole list.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { useLocation } from 'preact-iso'
import { call, get, post } from '../api.js'
import { PageViewer } from '../components/page-viewer.js'
import { Badge, ErrorBox, Loading, Notice } from '../components/ui.js'
import { fmtDateTime } from '../format.js'
import { useAction, useLoad } from '../hooks.js'
import { useI18n, type MessageKey } from '../i18n/index.js'
import { EDITABLE_CODES, FIELD_NAMES, PARTY_ROLES, type CodeName, type FieldName, type Party, type RecordSummary, type RecordView } from '../types.js'
import { loadQueue } from './review-queue.js'

/** The API's threshold for a field to be checked by a person. */
const LOW_CONFIDENCE = 0.8
const DATE_FIELDS = new Set<FieldName>(['issuedDate', 'validUntil'])

type Values = Record<string, string>

function valuesOf (r: RecordView): { fields: Values, codes: Values } {
  const fields: Values = {}
  for (const f of FIELD_NAMES) {
    const v = r.fields?.[f]?.value ?? ''
    // Dates as Vietnamese staff write them (the API takes DD/MM/YYYY and stores ISO).
    fields[f] = DATE_FIELDS.has(f) ? v.replace(/^(\d{4})-(\d{2})-(\d{2})$/, '$3/$2/$1') : v
  }
  const codes: Values = {}
  for (const c of EDITABLE_CODES) codes[c] = r.codes?.[c] ?? ''
  return { fields, codes }
}

/** A party as the form holds it: every input a string, the birth date as staff write it. */
interface PartyRow { role: string, name: string, idNumber: string, birthDate: string }

const dmy = (iso: string | undefined): string => (iso ?? '').replace(/^(\d{4})-(\d{2})-(\d{2})$/, '$3/$2/$1')

function partyRows (r: RecordView): PartyRow[] {
  return (r.parties?.value ?? []).map(p => ({ role: p.role, name: p.name, idNumber: p.idNumber ?? '', birthDate: dmy(p.birthDate) }))
}

/** The list the API takes (empty inputs left out; the API checks and normalises the rest). */
function partiesBody (rows: PartyRow[]): Party[] {
  return rows.filter(r => r.name.trim() !== '').map(r => ({
    role: r.role, name: r.name.trim(), ...(r.idNumber.trim() ? { idNumber: r.idNumber.trim() } : {}), ...(r.birthDate.trim() ? { birthDate: r.birthDate.trim() } : {})
  }))
}

function changed (now: Values, before: Values): Record<string, string | null> {
  const out: Record<string, string | null> = {}
  for (const [k, v] of Object.entries(now)) if (v.trim() !== (before[k] ?? '').trim()) out[k] = v.trim() === '' ? null : v.trim()
  return out
}

function isTyping (target: EventTarget | null): boolean {
  const el = target as HTMLElement | null
  return el !== null && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable)
}

export function ReviewPage ({ id }: { id: string }) {
  const { t, lang } = useI18n()
  const { route } = useLocation()
  const [record, setRecord] = useState<RecordView | null>(null)
  const [base, setBase] = useState<{ fields: Values, codes: Values }>({ fields: {}, codes: {} })
  const [fields, setFields] = useState<Values>({})
  const [codes, setCodes] = useState<Values>({})
  const [parties, setParties] = useState<PartyRow[]>([])
  const [baseParties, setBaseParties] = useState<PartyRow[]>([])
  const [pageN, setPageN] = useState(1)
  const [focus, setFocus] = useState<FieldName | null>(null)
  const queue = useLoad(loadQueue, [])
  const loaded = useLoad(async () => await get<RecordView>(`/records/${id}`), [id])
  const action = useAction()
  const [message, setMessage] = useState<string | null>(null)

  const take = useCallback((r: RecordView) => {
    setRecord(r)
    const v = valuesOf(r)
    setBase(v); setFields(v.fields); setCodes(v.codes)
    const rows = partyRows(r)
    setParties(rows); setBaseParties(rows)
  }, [])
  useEffect(() => { if (loaded.data) { take(loaded.data); setPageN(1); setFocus(null); setMessage(null); action.clear() } }, [loaded.data]) // eslint-disable-line react-hooks/exhaustive-deps

  const fieldChanges = useMemo(() => changed(fields, base.fields), [fields, base])
  const codeChanges = useMemo(() => changed(codes, base.codes), [codes, base])
  const partiesChanged = useMemo(() => JSON.stringify(partiesBody(parties)) !== JSON.stringify(partiesBody(baseParties)), [parties, baseParties])
  const dirty = Object.keys(fieldChanges).length + Object.keys(codeChanges).length > 0 || partiesChanged
  const editable = record?.status === 'draft'

  // Neighbours in the queue as it was loaded: the record after this one is "next" even once this one is approved.
  const neighbour = useCallback((step: 1 | -1): RecordSummary | undefined => {
    const list = queue.data ?? []
    const i = list.findIndex(r => r.id === id)
    if (i < 0) return step === 1 ? list.find(r => r.id !== id) : undefined
    return list[i + step]
  }, [queue.data, id])

  const go = useCallback((step: 1 | -1) => {
    const target = neighbour(step)
    if (target) route(`/kiem-tra/${target.id}`)
    else if (step === 1) route('/kiem-tra')
  }, [neighbour, route])

  const saveNow = useCallback(async (): Promise<RecordView | null> => {
    if (record === null || !dirty) return record
    const body: Record<string, unknown> = {}
    if (Object.keys(fieldChanges).length > 0) body.fields = fieldChanges
    if (Object.keys(codeChanges).length > 0) body.codes = codeChanges
    if (partiesChanged) body.parties = partiesBody(parties)
    const next = await call<RecordView>('PATCH', `/records/${record.id}`, { body, headers: { 'if-match': `"${record.version}"` } })
    take(next)
    return next
  }, [record, dirty, fieldChanges, codeChanges, partiesChanged, parties, take])

  const save = useCallback(() => {
    setMessage(null)
    void action.run(async () => {
      const next = await saveNow()
      if (next) setMessage(t('review.saved', { v: next.version }))
    })
  }, [action, saveNow, t])

  const approve = useCallback(() => {
    setMessage(null)
    void action.run(async () => {
      const current = await saveNow()
      if (current === null) return
      const approved = await call<RecordView>('POST', `/records/${current.id}/approve`, { headers: { 'if-match': `"${current.version}"` } })
      take(approved)
      setMessage(t('review.approved'))
      const target = neighbour(1)
      route(target ? `/kiem-tra/${target.id}` : '/kiem-tra')
    })
  }, [action, saveNow, take, t, neighbour, route])

  // Shortcuts work from the fields too (Ctrl+…); the single letters only outside them.
  const keys = useRef({ save, approve, go, editable })
  keys.current = { save, approve, go, editable }
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const k = keys.current
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') { e.preventDefault(); if (k.editable) k.save(); return }
      if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') { e.preventDefault(); if (k.editable) k.approve(); return }
      if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return
      const key = e.key.toLowerCase()
      if (key === 'n' || key === 'j') { e.preventDefault(); k.go(1) } else if (key === 'k') { e.preventDefault(); k.go(-1) }
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [])

  if (record === null) return loaded.error ? <ErrorBox error={loaded.error} onRetry={loaded.reload} /> : <Loading />
  const page = record.pages.find(p => p.n === pageN) ?? record.pages[0]
  const focusBoxes = focus !== null ? (record.fields?.[focus]?.boxes ?? []) : []
  const boxesHere = page !== undefined ? focusBoxes.filter(b => b.page === page.n - 1) : []

  const onFocusField = (name: FieldName): void => {
    setFocus(name)
    const first = record.fields?.[name]?.boxes?.[0]
    if (first !== undefined && first.page + 1 !== pageN) setPageN(first.page + 1)
  }

  const split = (): void => {
    if (!window.confirm(t('review.splitConfirm', { n: pageN }))) return
    void action.run(async () => {
      await post(`/records/${record.id}/split`, { atPage: pageN })
      loaded.reload()
      return t('review.splitDone')
    })
  }
  const nextRecord = neighbour(1)
  const merge = (): void => {
    if (nextRecord === undefined || !window.confirm(t('review.mergeConfirm', { id: nextRecord.archiveId ?? nextRecord.id }))) return
    void action.run(async () => {
      take(await post<RecordView>(`/records/${record.id}/merge`, { records: [nextRecord.id] }))
      queue.reload()
      return t('review.mergeDone')
    })
  }

  return (
    <div class='page review'>
      <div class='page-head'>
        <h1>{record.archiveId ?? record.id}</h1>
        <Badge kind={record.status}>{t(`status.${record.status}` as MessageKey)}</Badge>
        <span class='small muted'>{fmtDateTime(record.createdAt, lang)} · {record.unit}{record.filename ? ` · ${record.filename}` : ''}</span>
        <span class='grow' />
        <a href={`/ho-so/${record.id}`} class='small'>{t('record.title', { id: '' }).trim()}</a>
      </div>
      {!editable && <Notice kind='info'>{t('review.notDraft', { status: t(`status.${record.status}` as MessageKey).toLowerCase() })}</Notice>}
      <div class='review-split'>
        <div class='review-image'>
          {page !== undefined
            ? <PageViewer recordId={record.id} page={page} total={record.pages.length} boxes={boxesHere} onPage={n => setPageN(Math.min(record.pages.length, Math.max(1, n)))} />
            : <p class='muted'>{t('review.noPreview')}</p>}
          {editable && (
            <p class='actions small'>
              {pageN >= 2 && <button type='button' onClick={split} disabled={action.busy}>{t('review.split')}</button>}
              {nextRecord !== undefined && <button type='button' onClick={merge} disabled={action.busy}>{t('review.merge')}</button>}
            </p>
          )}
        </div>
        <form class='review-fields' onSubmit={e => { e.preventDefault(); save() }} data-testid='review-form'>
          <h2>{t('review.fields')}</h2>
          {FIELD_NAMES.map(name => {
            const f = record.fields?.[name]
            // As the API counts them (RecordSummary.lowConfidence): a value was read, but without enough confidence.
            const low = f !== undefined && f.value !== null && !f.edited && f.confidence < LOW_CONFIDENCE
            const inputId = `field-${name}`
            const common = {
              id: inputId,
              name,
              value: fields[name] ?? '',
              disabled: !editable,
              onFocus: () => onFocusField(name),
              'aria-describedby': low ? `${inputId}-low` : undefined
            }
            return (
              <div key={name} class={`field${low ? ' low' : ''}${focus === name ? ' focused' : ''}${fieldChanges[name] !== undefined ? ' dirty' : ''}`} data-field={name}>
                <label for={inputId}>{t(`field.${name}` as MessageKey)}</label>
                {name === 'summary'
                  ? <textarea {...common} rows={3} onInput={e => { const v = e.currentTarget.value; setFields(s => ({ ...s, [name]: v })) }} />
                  : <input {...common} type='text' placeholder={DATE_FIELDS.has(name) ? 'dd/mm/yyyy' : undefined} inputMode={DATE_FIELDS.has(name) ? 'numeric' : undefined}
                    onInput={e => { const v = e.currentTarget.value; setFields(s => ({ ...s, [name]: v })) }} />}
                <div class='field-meta small'>
                  {low && <span id={`${inputId}-low`} class='low-text'>{t('review.lowConfidence')}</span>}
                  {f !== undefined && !f.edited && f.value !== null && <span class='muted'>{t('review.confidence', { p: Math.round(f.confidence * 100) })}</span>}
                  {f !== undefined && f.value === null && !f.edited && <span class='muted'>{t('review.notRead')}</span>}
                  {f?.edited && <span class='muted'>{t('review.edited')}</span>}
                  {f?.warnings && f.warnings.length > 0 && <span class='warn-text'>{t('review.warnings', { w: f.warnings.join(', ') })}</span>}
                  {f?.raw !== undefined && !f.edited && <span class='muted' data-testid={`snapped-${name}`}>{t('review.snapped', { raw: f.raw, d: f.snapped?.distance ?? 0 })}</span>}
                </div>
              </div>
            )
          })}
          <h2>{t('review.parties')}</h2>
          <p class='small muted'>{t('review.partiesIntro')}</p>
          {(() => {
            const p = record.parties
            const low = p !== undefined && p.value.length > 0 && !p.edited && p.confidence < LOW_CONFIDENCE
            return (
              <div class={`parties${low ? ' low' : ''}${partiesChanged ? ' dirty' : ''}`} data-testid='parties'>
                {low && <p class='small low-text'>{t('review.lowConfidence')}</p>}
                {parties.length === 0 && <p class='small muted'>{t('review.partiesNone')}</p>}
                {parties.map((row, i) => {
                  const set = (patch: Partial<PartyRow>): void => setParties(list => list.map((r, j) => j === i ? { ...r, ...patch } : r))
                  return (
                    <div key={i} class='party codes' data-testid='party'>
                      <div class='field'>
                        <label for={`party-${i}-role`}>{t('review.partyRole')}</label>
                        <select id={`party-${i}-role`} value={row.role} disabled={!editable} onChange={e => set({ role: e.currentTarget.value })} onFocus={() => setFocus(null)}>
                          {[...new Set([...PARTY_ROLES, row.role])].map(r => <option key={r} value={r}>{(PARTY_ROLES as readonly string[]).includes(r) ? t(`role.${r}` as MessageKey) : r}</option>)}
                        </select>
                      </div>
                      <div class='field'>
                        <label for={`party-${i}-name`}>{t('review.partyName')}</label>
                        <input id={`party-${i}-name`} value={row.name} disabled={!editable} maxLength={300} onInput={e => set({ name: e.currentTarget.value })} onFocus={() => setFocus(null)} />
                      </div>
                      <div class='field'>
                        <label for={`party-${i}-id`}>{t('review.partyId')}</label>
                        <input id={`party-${i}-id`} value={row.idNumber} disabled={!editable} inputMode='numeric' maxLength={20} onInput={e => set({ idNumber: e.currentTarget.value })} onFocus={() => setFocus(null)} />
                      </div>
                      <div class='field'>
                        <label for={`party-${i}-birth`}>{t('review.partyBirth')}</label>
                        <input id={`party-${i}-birth`} value={row.birthDate} disabled={!editable} placeholder='dd/mm/yyyy' inputMode='numeric' maxLength={10} onInput={e => set({ birthDate: e.currentTarget.value })} onFocus={() => setFocus(null)} />
                      </div>
                      {editable && <button type='button' class='small' onClick={() => setParties(list => list.filter((_, j) => j !== i))}>{t('review.partyRemove')}</button>}
                    </div>
                  )
                })}
                {editable && <p class='actions small'><button type='button' data-testid='party-add' onClick={() => setParties(list => [...list, { role: 'holder', name: '', idNumber: '', birthDate: '' }])}>{t('review.partyAdd')}</button></p>}
              </div>
            )
          })()}
          <h2>{t('review.codes')}</h2>
          {record.codes?.agencyCode && <p class='small'>{t('code.agencyCode')}: <code>{record.codes.agencyCode}</code></p>}
          <div class='codes'>
            {EDITABLE_CODES.map((name: CodeName) => (
              <div key={name} class={`field${codeChanges[name] !== undefined ? ' dirty' : ''}`}>
                <label for={`code-${name}`}>{t(`code.${name}` as MessageKey)}</label>
                <input id={`code-${name}`} name={name} value={codes[name] ?? ''} disabled={!editable} maxLength={60}
                  onInput={e => { const v = e.currentTarget.value; setCodes(s => ({ ...s, [name]: v })) }} onFocus={() => setFocus(null)} />
              </div>
            ))}
          </div>
          <ErrorBox error={action.error} />
          {message && <Notice kind='ok'><span data-testid='review-message'>{message}</span></Notice>}
          <div class='actions sticky'>
            {editable && <button type='submit' disabled={action.busy || !dirty}>{t('review.save')}</button>}
            {editable && <button type='button' class='primary' disabled={action.busy} onClick={approve}>{t('review.approve')}</button>}
            <button type='button' onClick={() => go(-1)} disabled={neighbour(-1) === undefined}>{t('review.prev')}</button>
            <button type='button' onClick={() => go(1)}>{t('review.next')}</button>
            {dirty && <span class='small warn-text'>{t('review.unsaved')}</span>}
          </div>
          <p class='small muted'>{t('review.shortcuts')}</p>
        </form>
      </div>
    </div>
  )
}
