/**
 * Tra cứu: full-text search (accents optional) with filters and facet counts, the state kept in the URL so a
 * search can be bookmarked or sent; without a query, the newest records. A search by a person (a personal ID, or
 * words that match a subject's name) must say why: the purpose field is asked for, and the search is audited.
 */
import { useEffect, useState } from 'preact/hooks'
import { useLocation } from 'preact-iso'
import { get, qs } from '../api.js'
import { RECORD_STATUSES, VALIDITY_STATES } from '../api/enums.js'
import { Snippet } from '../components/snippet.js'
import { Badge, ErrorBox, Loading, Notice } from '../components/ui.js'
import { fmtDateTime, fmtIsoDate, shortId } from '../format.js'
import { useLoad } from '../hooks.js'
import { useI18n, type MessageKey } from '../i18n/index.js'
import { FIELD_NAMES, type RecordSummary, type SearchAnswer, type Unit } from '../types.js'
import { UnitSelect, unitName } from './units.js'

const PAGE = 20
const FILTERS = ['q', 'unit', 'district', 'documentType', 'documentNumber', 'subjectId', 'issuedFrom', 'issuedTo', 'status', 'validity', 'purpose'] as const
/** A 9- or 12-digit number typed in the words is a personal ID: ask the purpose before searching. */
const ID_IN_WORDS = /(?<![0-9])(?:[0-9][ .]?){8}[0-9](?:(?:[ .]?[0-9]){3})?(?![0-9])/
type Filter = typeof FILTERS[number]
type Query = Record<Filter, string> & { offset: number }

function queryFrom (q: Record<string, string>): Query {
  const out = { offset: Math.max(0, Number(q.offset) || 0) } as Query
  for (const f of FILTERS) out[f] = q[f] ?? ''
  return out
}

export function SearchPage () {
  const { t, lang } = useI18n()
  const { query, route, url } = useLocation()
  const current = queryFrom(query)
  const [form, setForm] = useState<Query>(current)
  // Back/forward and facet links change the URL: the form follows.
  useEffect(() => setForm(queryFrom(query)), [url]) // eslint-disable-line react-hooks/exhaustive-deps
  const units = useLoad(async () => await get<Unit[]>('/units'), [])
  const searching = FILTERS.some(f => f !== 'purpose' && current[f] !== '')
  const key = JSON.stringify(current)
  const results = useLoad(async () => searching
    ? await get<SearchAnswer>(`/search${qs({ ...pick(current), facets: true, limit: PAGE, offset: current.offset })}`)
    : null, [key])
  const recent = useLoad(async () => searching ? null : await get<{ records: RecordSummary[] }>(`/records${qs({ limit: PAGE })}`), [searching])

  const go = (next: Partial<Query>): void => {
    const merged = { ...current, offset: 0, ...next }
    route(`/tra-cuu${qs({ ...pick(merged), offset: merged.offset || undefined })}`)
  }
  const submit = (e: Event): void => { e.preventDefault(); go({ ...form, offset: 0 }) }
  const set = (f: Filter) => (e: { currentTarget: { value: string } }) => { const v = e.currentTarget.value; setForm(s => ({ ...s, [f]: v })) }
  const answer = results.data
  // The server decides (it also sees when the words matched a name); the form asks at once when it can tell.
  const needsPurpose = results.error?.code === 'PURPOSE_REQUIRED' || form.subjectId.trim() !== '' || ID_IN_WORDS.test(form.q)

  return (
    <div class='page search'>
      <h1>{t('search.title')}</h1>
      <form class='search-form' onSubmit={submit} role='search'>
        <div class='search-line'>
          <input type='search' name='q' aria-label={t('search.query')} placeholder={t('search.placeholder')} value={form.q} onInput={set('q')} autofocus />
          <button type='submit' class='primary'>{t('search.submit')}</button>
        </div>
        {/* Offered with any words (they may be a name: the server tells), required once a person is being searched. */}
        {(needsPurpose || form.q.trim() !== '' || current.purpose !== '') && (
          <div class='notice' data-testid='purpose-box'>
            <p>{t('search.purposeWhy')}</p>
            <label>{t('search.purpose')}<input name='purpose' required={needsPurpose} maxLength={500} value={form.purpose} onInput={set('purpose')} /></label>
          </div>
        )}
        <details open={FILTERS.some(f => f !== 'q' && f !== 'purpose' && current[f] !== '')}>
          <summary>{t('search.filters')}</summary>
          <div class='grid-form'>
            <label>{t('search.unit')}<UnitSelect units={units.data ?? []} value={form.unit} onChange={v => setForm(s => ({ ...s, unit: v }))} anyLabel={t('search.any')} /></label>
            <label>{t('search.documentType')}<input name='documentType' value={form.documentType} onInput={set('documentType')} /></label>
            <label>{t('field.documentNumber')}<input name='documentNumber' value={form.documentNumber} onInput={set('documentNumber')} /></label>
            <label>{t('field.subjectId')}<input name='subjectId' inputMode='numeric' value={form.subjectId} onInput={set('subjectId')} /></label>
            <label>{t('search.issuedFrom')}<input type='date' name='issuedFrom' value={form.issuedFrom} onInput={set('issuedFrom')} /></label>
            <label>{t('search.issuedTo')}<input type='date' name='issuedTo' value={form.issuedTo} onInput={set('issuedTo')} /></label>
            <label>{t('search.status')}
              <select name='status' value={form.status} onChange={set('status')}>
                <option value=''>{t('search.any')}</option>
                {RECORD_STATUSES.map(s => <option key={s} value={s}>{t(`status.${s}`)}</option>)}
              </select>
            </label>
            <label>{t('search.validity')}
              <select name='validity' value={form.validity} onChange={set('validity')}>
                <option value=''>{t('search.any')}</option>
                {VALIDITY_STATES.map(s => <option key={s} value={s}>{t(`validity.${s}`)}</option>)}
              </select>
            </label>
          </div>
          <p><a href='/tra-cuu'>{t('search.clear')}</a></p>
        </details>
      </form>

      {searching && (
        <div class='search-body'>
          <div class='results'>
            <ErrorBox error={results.error} onRetry={results.reload} />
            {answer === undefined && results.loading && <Loading />}
            {answer && (
              <>
                <p data-testid='search-total'>{answer.total === 0 ? t('search.none') : t('search.total', { n: answer.total })}</p>
                <ol class='plain result-list' data-testid='results'>
                  {answer.results.map(r => (
                    <li key={r.recordId} class='result'>
                      <a href={`/ho-so/${r.recordId}`} class='result-title'>
                        {r.fields?.documentType ?? t('review.record')} {r.fields?.documentNumber ?? shortId(r.recordId)}
                      </a>
                      {(r.fields?.issuer || r.fields?.issuedDate) && <div class='small muted'>{r.fields?.issuer ?? ''} {r.fields?.issuedDate ? `· ${fmtIsoDate(r.fields.issuedDate)}` : ''}</div>}
                      <Snippet html={r.snippet} />
                      {r.matchedFields && r.matchedFields.length > 0 && (
                        <div class='small muted'>{t('search.matched')} {r.matchedFields.map(f => (FIELD_NAMES as readonly string[]).includes(f) ? t(`field.${f}` as MessageKey) : f).join(', ')}</div>
                      )}
                    </li>
                  ))}
                </ol>
                {answer.total > PAGE && (
                  <p class='actions'>
                    <button type='button' disabled={current.offset === 0} onClick={() => go({ offset: Math.max(0, current.offset - PAGE) })}>{t('search.prev')}</button>
                    <button type='button' disabled={current.offset + PAGE >= answer.total} onClick={() => go({ offset: current.offset + PAGE })}>{t('search.next')}</button>
                  </p>
                )}
              </>
            )}
          </div>
          {answer?.facets && <Facets facets={answer.facets} units={units.data ?? []} onPick={go} />}
        </div>
      )}

      {!searching && (
        <section>
          <h2>{t('search.recent')}</h2>
          <ErrorBox error={recent.error} onRetry={recent.reload} />
          {recent.data && recent.data.records.length === 0 && <Notice>{t('search.none')}</Notice>}
          {recent.data && recent.data.records.length > 0 && (
            <table class='list'>
              <thead><tr><th>{t('review.record')}</th><th>{t('search.unit')}</th><th>{t('field.documentType')}</th><th>{t('record.status')}</th><th>{t('review.created')}</th></tr></thead>
              <tbody>
                {recent.data.records.map(r => (
                  <tr key={r.id}>
                    <td><a href={`/ho-so/${r.id}`}>{r.archiveId ?? shortId(r.id)}</a></td>
                    <td>{unitName(units.data ?? [], r.unit)}</td>
                    <td>{r.documentType ?? '–'} {r.documentNumber ?? ''}</td>
                    <td><Badge kind={r.status}>{t(`status.${r.status}` as MessageKey)}</Badge></td>
                    <td>{fmtDateTime(r.createdAt, lang)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}
    </div>
  )
}

function pick (q: Query): Partial<Record<Filter, string>> {
  const out: Partial<Record<Filter, string>> = {}
  for (const f of FILTERS) if (q[f].trim() !== '') out[f] = q[f].trim()
  return out
}

const FACET_FILTER: Record<string, Filter | null> = { unit: 'unit', replica: 'district', documentType: 'documentType', status: 'status', validity: 'validity', year: null, issuedYear: null }

function countsOf (facet: Array<{ value: string, count: number }> | Record<string, number> | undefined): Array<[string, number]> {
  if (facet === undefined) return []
  return Array.isArray(facet) ? facet.map(f => [f.value, f.count]) : Object.entries(facet)
}

function Facets ({ facets, units, onPick }: { facets: NonNullable<SearchAnswer['facets']>, units: Unit[], onPick: (q: Partial<Query>) => void }) {
  const { t } = useI18n()
  const label = (facet: string, value: string): string => {
    if (facet === 'unit') return unitName(units, value)
    // A district replica is its node's peer ID: its end is enough to tell districts apart.
    if (facet === 'replica') return `…${value.slice(-10)}`
    if (facet === 'status') return t(`status.${value}` as MessageKey)
    if (facet === 'validity') return t(`validity.${value}` as MessageKey)
    return value
  }
  const title: Record<string, MessageKey> = { replica: 'search.district', unit: 'search.unit', documentType: 'search.documentType', status: 'search.status', validity: 'search.validity', year: 'search.year', issuedYear: 'search.year' }
  return (
    <aside class='facets' aria-label={t('search.facets')}>
      {Object.entries(facets).map(([facet, raw]) => [facet, countsOf(raw)] as const).filter(([, counts]) => counts.length > 0).map(([facet, counts]) => (
        <section key={facet}>
          <h3>{t(title[facet] ?? 'search.filters')}</h3>
          <ul class='plain'>
            {[...counts].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([value, n]) => {
              const filter = FACET_FILTER[facet]
              const pickIt = filter === null || filter === undefined
                ? (facet === 'year' || facet === 'issuedYear' ? () => onPick({ issuedFrom: value, issuedTo: value }) : undefined)
                : () => onPick({ [filter]: value })
              return (
                <li key={value}>
                  {pickIt ? <button type='button' class='link' onClick={pickIt}>{label(facet, value)}</button> : label(facet, value)} <span class='muted'>({n})</span>
                </li>
              )
            })}
          </ul>
        </section>
      ))}
    </aside>
  )
}
