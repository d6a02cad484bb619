/**
 * Nhật ký tra cứu dữ liệu cá nhân (auditors and admins): every lookup by personal ID that another system made
 * (who, which system, whose ID, when, why), newest first, filtered by dates, ID and system, paged with the API's
 * cursor. The ID is masked on screen until the auditor reveals that one row: the auditor needs the number, people
 * passing by the screen do not.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiError, get, qs } from '../api.js'
import { Badge, Loading } from '../components/ui.js'
import { fmtDateTime, fmtNumber } from '../format.js'
import { useI18n, type MessageKey, type T } from '../i18n/index.js'
import { useSession } from '../session.js'
import type { LookupAuditEntry, TokenView } from '../types.js'
import { LoadProblem } from './unavailable.js'

const PAGE = 50
const KINDS = ['token', 'user', 'local']
const ENDPOINTS = ['results', 'citizen-lookup', 'search']

/** A known value in words; an unknown one as the API names it. */
function known (t: T, prefix: 'lookups.kind' | 'lookups.endpoint', value: string, values: string[]): string {
  return values.includes(value) ? t(`${prefix}.${value}` as MessageKey) : value
}

interface Filters { from: string, to: string, subjectId: string, system: string }
const EMPTY: Filters = { from: '', to: '', subjectId: '', system: '' }

/** `064•••••1234`: the province prefix and the last four digits, the middle hidden (short values: all but two). */
export function maskId (id: string): string {
  if (id.length >= 10) return id.slice(0, 3) + '•'.repeat(id.length - 7) + id.slice(-4)
  if (id.length <= 2) return '•'.repeat(id.length)
  return '•'.repeat(id.length - 2) + id.slice(-2)
}

/** A picked day as the API takes it (a whole day in Vietnam's time, `to` inclusive); half-typed dates are left out. */
const day = (value: string): string | undefined => (/^\d{4}-\d{2}-\d{2}$/.test(value) ? value : undefined)

/**
 * The API filters by principal (a token id or a user name); people know a system by its token's name. A name seen
 * in the trail (or, for an admin, in the token list) is sent as its principal; anything else as typed.
 */
function queryOf (f: Filters, systems: ReadonlyMap<string, string>, cursor?: string): string {
  const system = f.system.trim()
  const principal = systems.get(system.toLowerCase()) ?? system
  return qs({ from: day(f.from), to: day(f.to), subjectId: f.subjectId.trim(), principal, limit: PAGE, cursor })
}

interface Trail { entries: LookupAuditEntry[], next: string | null }

export function LookupTrailPage () {
  const { t, lang } = useI18n()
  const [form, setForm] = useState<Filters>(EMPTY)
  const [applied, setApplied] = useState<Filters>(EMPTY)
  const [trail, setTrail] = useState<Trail | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const [busy, setBusy] = useState(false)
  const [revealed, setRevealed] = useState<Set<string>>(new Set())
  // A newer search wins over a slower older one.
  const latest = useRef(0)
  // System name (lower case) → principal id, from the entries seen and the token list.
  const [systems, setSystems] = useState<Map<string, string>>(new Map())
  const { can } = useSession()
  const learn = (pairs: Array<[string, string]>): void => setSystems(prev => {
    if (pairs.every(([name]) => prev.has(name.toLowerCase()))) return prev
    const next = new Map(prev)
    for (const [name, id] of pairs) if (!next.has(name.toLowerCase())) next.set(name.toLowerCase(), id)
    return next
  })

  const load = async (filters: Filters, cursor?: string): Promise<void> => {
    const run = ++latest.current
    setBusy(true)
    setError(null)
    try {
      const page = await get<{ entries: LookupAuditEntry[], next?: string | null }>(`/integration/audit${queryOf(filters, systems, cursor)}`)
      if (run !== latest.current) return
      learn(page.entries.map(e => [e.system, e.principal.id]))
      setTrail(prev => ({ entries: cursor && prev ? [...prev.entries, ...page.entries] : page.entries, next: page.next ?? null }))
    } catch (err) {
      if (run === latest.current) setError(err instanceof ApiError ? err : new ApiError('CLIENT', 0, '', ''))
    } finally {
      if (run === latest.current) setBusy(false)
    }
  }
  useEffect(() => {
    void load(EMPTY)
    // Only an admin may list tokens; an auditor learns the systems from the trail itself.
    if (can('admin')) get<TokenView[]>('/tokens').then(tokens => learn(tokens.map(tk => [tk.name, tk.id])), () => {})
  }, []) // eslint-disable-line react-hooks/exhaustive-deps

  const submit = (e: Event): void => {
    e.preventDefault()
    setApplied(form)
    setRevealed(new Set())
    void load(form)
  }
  const set = (k: keyof Filters) => (e: { currentTarget: { value: string } }) => { const v = e.currentTarget.value; setForm(s => ({ ...s, [k]: v })) }
  const toggle = (id: string): void => setRevealed(s => { const next = new Set(s); if (next.has(id)) next.delete(id); else next.add(id); return next })
  const unavailable = error !== null && (error.status === 404 || error.status === 403)

  return (
    <div class='page lookup-trail'>
      <h1>{t('lookups.title')}</h1>
      <p class='small muted'>{t('lookups.intro')}</p>
      {!unavailable && (
        <form class='grid-form' onSubmit={submit} data-testid='lookup-filters'>
          <label>{t('lookups.from')}<input type='date' name='from' value={form.from} onInput={set('from')} /></label>
          <label>{t('lookups.to')}<input type='date' name='to' value={form.to} onInput={set('to')} /></label>
          <label>{t('lookups.subjectId')}<input name='subjectId' inputMode='numeric' autocomplete='off' maxLength={20} value={form.subjectId} onInput={set('subjectId')} /></label>
          <label>{t('lookups.system')}<input name='system' list='lookup-systems' autocomplete='off' maxLength={100} value={form.system} onInput={set('system')} /></label>
          <datalist id='lookup-systems'>{[...new Set(trail?.entries.map(e => e.system) ?? [])].map(name => <option key={name} value={name} />)}</datalist>
          <div class='actions'>
            <button type='submit' class='primary' disabled={busy}>{t('lookups.apply')}</button>
            <button type='button' disabled={busy} onClick={() => { setForm(EMPTY); setApplied(EMPTY); setRevealed(new Set()); void load(EMPTY) }}>{t('search.clear')}</button>
          </div>
        </form>
      )}
      <LoadProblem error={error} onRetry={() => { void load(applied) }} testId='lookups' />
      {trail === null && busy && <Loading />}
      {trail && !unavailable && (trail.entries.length === 0
        ? <p class='muted' data-testid='lookups-none'>{t('lookups.none')}</p>
        : (
          <div class='table-scroll'>
            <table class='list' data-testid='lookups'>
              <thead>
                <tr>
                  <th scope='col'>{t('lookups.at')}</th>
                  <th scope='col'>{t('lookups.system')}</th>
                  <th scope='col'>{t('lookups.subjectId')}</th>
                  <th scope='col'>{t('lookups.purpose')}</th>
                  <th scope='col'>{t('lookups.query')}</th>
                  <th class='num' scope='col'>{t('lookups.results')}</th>
                  <th scope='col'>{t('lookups.outcome')}</th>
                </tr>
              </thead>
              <tbody>
                {trail.entries.map(e => (
                  <tr key={e.id} data-entry={e.id}>
                    <td>{fmtDateTime(e.at, lang)}</td>
                    <td>
                      {e.system}
                      <div class='small muted'>{[known(t, 'lookups.kind', e.principal.kind, KINDS), e.principal.name === undefined ? null : e.principal.id, e.remoteAddress].filter(Boolean).join(' · ')}</div>
                      <div class='small muted'>{known(t, 'lookups.endpoint', e.endpoint, ENDPOINTS)}</div>
                    </td>
                    <td>
                      {e.subjectId
                        ? (
                          <span class='masked-id'>
                            <code data-testid='subject-id'>{revealed.has(e.id) ? e.subjectId : maskId(e.subjectId)}</code>{' '}
                            <button type='button' class='small' aria-pressed={revealed.has(e.id)} onClick={() => toggle(e.id)}>
                              {revealed.has(e.id) ? t('lookups.hide') : t('lookups.reveal')}
                            </button>
                          </span>
                          )
                        : '–'}
                    </td>
                    <td>{e.purpose ?? '–'}</td>
                    <td class='small'>{Object.entries(e.query ?? {}).filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => `${k}: ${String(v)}`).join(' · ') || '–'}</td>
                    <td class='num'>{fmtNumber(e.results, lang)}</td>
                    <td><Badge kind={e.outcome === 'ok' ? 'ok' : 'bad'}>{e.outcome === 'ok' ? t('lookups.ok') : e.outcome === 'refused' ? t('lookups.refused') : e.outcome}</Badge>{e.error && <div class='small muted'><code>{e.error}</code></div>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          ))}
      {trail?.next && !unavailable && (
        <p class='actions'><button type='button' disabled={busy} onClick={() => { void load(applied, trail.next ?? undefined) }} data-testid='lookups-more'>{t('lookups.more')}</button></p>
      )}
    </div>
  )
}
