/**
 * Báo cáo tiến độ: the digitization plan's progress for a year and a unit (GET /api/v1/reports/progress): one
 * bar per unit, the figures per unit and per level, and the same report as XLSX and CSV. The choice of year and
 * unit lives in the URL, so a report can be bookmarked or sent to a colleague.
 */
import { useLocation } from 'preact-iso'
import { get, qs } from '../api.js'
import { Badge, Loading } from '../components/ui.js'
import { fmtDateTime, fmtIsoDate } from '../format.js'
import { useLoad } from '../hooks.js'
import { useI18n, type Lang, type MessageKey, type T } from '../i18n/index.js'
import type { CatalogueUnit, ProgressFigures, ProgressReportView, ProgressRowView } from '../types.js'
import { LoadProblem } from './unavailable.js'
import { UnitSelect } from './units.js'

const FIRST_YEAR = 2020
/** `?year=all`: every year; no year in the URL: the current one. */
const ALL = 'all'

const locale = (lang: Lang): string => (lang === 'vi' ? 'vi-VN' : 'en-GB')

/** The current year in Vietnam (UTC+7): the year a user there means by "this year". */
function currentYear (): number {
  return new Date(Date.now() + 7 * 3600_000).getUTCFullYear()
}

export interface ReportFormat {
  n: (v: number) => string
  pct: (p: number | null) => string
  rate: (v: number) => string
}

/** The report's numbers as people read them: `1.234.567` and `12,3%` in Vietnamese. */
export function reportFormat (lang: Lang): ReportFormat {
  const whole = new Intl.NumberFormat(locale(lang), { maximumFractionDigits: 0 })
  const percent = new Intl.NumberFormat(locale(lang), { style: 'percent', minimumFractionDigits: 0, maximumFractionDigits: 1 })
  const rate = new Intl.NumberFormat(locale(lang), { maximumFractionDigits: 2 })
  return { n: v => whole.format(v), pct: p => (p === null ? '–' : percent.format(p / 100)), rate: v => rate.format(v) }
}

export function ReportPage () {
  const { t, lang } = useI18n()
  const { query, route } = useLocation()
  const thisYear = currentYear()
  const yearParam = query.year === ALL ? ALL : /^\d{4}$/.test(query.year ?? '') ? query.year : String(thisYear)
  const year = yearParam === ALL ? undefined : Number(yearParam)
  const unit = query.unit ?? ''
  const params = { year, unit: unit || undefined }
  const units = useLoad(async () => await get<CatalogueUnit[]>('/units'), [])
  const report = useLoad(async () => await get<ProgressReportView>(`/reports/progress${qs(params)}`), [year, unit])
  const go = (next: { year?: string, unit?: string }): void => {
    const y = next.year ?? yearParam
    const u = next.unit ?? unit
    route(`/bao-cao${qs({ year: y === String(thisYear) ? undefined : y, unit: u || undefined })}`, true)
  }
  const years: number[] = []
  for (let y = thisYear + 1; y >= FIRST_YEAR; y--) years.push(y)
  // A bookmarked year outside the list is still shown as chosen.
  if (year !== undefined && !years.includes(year)) years.push(year)
  const r = report.data
  return (
    <div class='page report'>
      <h1>{t('report.title')}</h1>
      <form class='report-form grid-form' onSubmit={e => e.preventDefault()}>
        <label>{t('report.year')}
          <select name='year' value={yearParam} onChange={e => go({ year: e.currentTarget.value })}>
            <option value={ALL}>{t('report.allYears')}</option>
            {years.map(y => <option key={y} value={String(y)}>{y}</option>)}
          </select>
        </label>
        <label>{t('report.unit')}
          <UnitSelect units={units.data ?? []} value={unit} onChange={code => go({ unit: code })} anyLabel={t('report.allUnits')} />
        </label>
        <div class='actions report-downloads'>
          <a class='button' data-testid='download-xlsx' href={`/api/v1/reports/progress.xlsx${qs(params)}`} download>{t('report.downloadXlsx')}</a>
          <a class='button' data-testid='download-csv' href={`/api/v1/reports/progress.csv${qs(params)}`} download>{t('report.downloadCsv')}</a>
        </div>
      </form>
      <LoadProblem error={report.error} onRetry={report.reload} testId='report' />
      {r === undefined && report.loading && <Loading />}
      {r && (
        <div aria-busy={report.loading} data-testid='report' data-year={r.year ?? ALL} data-unit={r.unit ?? ''}>
          <Summary r={r} />
          <Chart r={r} />
          <UnitTable r={r} />
          <LevelTable r={r} />
          <p class='small muted'>
            {t('report.generated', { time: fmtDateTime(r.generatedAt, lang), price: reportFormat(lang).n(r.unitPriceVnd) })}
          </p>
        </div>
      )}
    </div>
  )
}

function Summary ({ r }: { r: ProgressReportView }) {
  const { t, lang } = useI18n()
  const f = reportFormat(lang)
  const tot = r.totals
  return (
    <div class='cards' data-testid='report-totals'>
      <section class='card big'>
        <h2>{t('report.archivedOfTarget')}</h2>
        <p class='figure' data-col='archived'>{f.n(tot.archived)}</p>
        <p class='small muted'>{tot.target === null ? t('report.noTarget') : t('report.ofTarget', { target: f.n(tot.target) })}</p>
      </section>
      <section class='card big'>
        <h2>{t('report.percent')}</h2>
        <p class='figure' data-col='percent'>{f.pct(tot.percent)}</p>
        <p class='small muted'>{forecastText(t, tot)}</p>
      </section>
      <section class='card big'>
        <h2>{t('report.cost')}</h2>
        <p class='figure' data-col='costVnd'>{f.n(tot.costVnd)}</p>
        <p class='small muted'>{t('report.costNote', { price: f.n(r.unitPriceVnd) })}</p>
      </section>
      <section class='card big'>
        <h2>{t('report.received')}</h2>
        <p class='figure' data-col='received'>{f.n(tot.received)}</p>
        <p class='small muted'>{t('report.recognizedOf', { n: f.n(tot.recognized) })}</p>
      </section>
    </div>
  )
}

function forecastText (t: T, x: ProgressFigures): string {
  if (x.forecast) return t('report.forecastOn', { date: fmtIsoDate(x.forecast) })
  if (x.target === null) return t('report.noTarget')
  if (x.archived >= x.target) return t('report.reached')
  return t('report.noForecast')
}

function unitLabel (rows: ProgressRowView[], code: string): string {
  const row = rows.find(x => x.code === code)
  return row ? `${row.name} (${code})` : code
}

/**
 * One bar per unit counted in the totals that has a target or pages; its text says the figures, so the chart reads
 * without the picture. Units with neither are only counted under the chart (a province has hundreds of communes).
 */
function Chart ({ r }: { r: ProgressReportView }) {
  const { t, lang } = useI18n()
  const f = reportFormat(lang)
  const counted = r.rows.filter(x => x.inTotal)
  const rows = counted.filter(x => x.target !== null || x.received > 0 || x.archived > 0)
  const idle = counted.length - rows.length
  const merged = r.rows.filter(x => !x.inTotal)
  return (
    <section class='card'>
      <h2 id='report-chart-title'>{t('report.chart')}</h2>
      <ul class='plain progress-chart' aria-labelledby='report-chart-title' data-testid='report-chart'>
        {rows.map(x => {
          const width = x.percent === null ? 0 : Math.min(100, Math.max(0, x.percent))
          const value = x.target === null
            ? t('report.barNoTarget', { archived: f.n(x.archived) })
            : t('report.barValue', { percent: f.pct(x.percent), archived: f.n(x.archived), target: f.n(x.target) })
          return (
            <li key={x.code} data-unit={x.code}>
              <span class='progress-label'>
                {x.name} <span class='muted small'>({x.code})</span>
                {x.includes.length > 0 && <span class='muted small'> · {t('report.includes', { units: x.includes.map(c => unitLabel(r.rows, c)).join(', ') })}</span>}
              </span>
              <span class={`progress-bar${x.percent !== null && x.percent >= 100 ? ' done' : ''}${x.target === null ? ' none' : ''}`} aria-hidden='true'>
                <span style={{ width: `${width}%` }} />
              </span>
              <span class='progress-value' data-testid='bar-value'>{value}</span>
            </li>
          )
        })}
      </ul>
      {idle > 0 && <p class='small muted' data-testid='report-idle-note'>{t('report.idleUnits', { n: f.n(idle) })}</p>}
      {merged.length > 0 && (
        <p class='small muted' data-testid='report-merged-note'>
          {t('report.mergedNote', { units: merged.map(x => t('report.mergedPair', { unit: `${x.name} (${x.code})`, into: unitLabel(r.rows, x.mergedInto ?? '') })).join('; ') })}
        </p>
      )}
    </section>
  )
}

/** The figure cells shared by the unit and level tables, each named by `data-col` for tests and scrapers. */
function FigureCells ({ x }: { x: ProgressFigures }) {
  const { t, lang } = useI18n()
  const f = reportFormat(lang)
  return (
    <>
      <td class='num' data-col='received'>{f.n(x.received)}</td>
      <td class='num' data-col='recognized'>{f.n(x.recognized)}</td>
      <td class='num' data-col='archived'>{f.n(x.archived)}</td>
      <td class='num' data-col='target'>
        {x.target === null ? '–' : f.n(x.target)}
        {x.target !== null && x.targetEstimated && <span class='muted small' title={t('report.estimatedHelp')}> {t('report.estimated')}</span>}
      </td>
      <td class='num' data-col='percent'>{f.pct(x.percent)}</td>
      <td class='num' data-col='costVnd'>{f.n(x.costVnd)}</td>
      <td class='num' data-col='rateArchived'>{f.rate(x.rateArchived)}<div class='muted small' data-col='rateReceived'>{t('report.rateReceived', { n: f.rate(x.rateReceived) })}</div></td>
      <td data-col='forecast'>{x.forecast ? fmtIsoDate(x.forecast) : <span class='muted'>{x.target !== null && x.archived >= x.target ? t('report.reached') : '–'}</span>}</td>
    </>
  )
}

function FigureHeads () {
  const { t } = useI18n()
  return (
    <>
      <th class='num' scope='col'>{t('report.col.received')}</th>
      <th class='num' scope='col'>{t('report.col.recognized')}</th>
      <th class='num' scope='col'>{t('report.col.archived')}</th>
      <th class='num' scope='col'>{t('report.col.target')}</th>
      <th class='num' scope='col'>{t('report.col.percent')}</th>
      <th class='num' scope='col'>{t('report.col.cost')}</th>
      <th class='num' scope='col'>{t('report.col.rate')}</th>
      <th scope='col'>{t('report.col.forecast')}</th>
    </>
  )
}

function UnitTable ({ r }: { r: ProgressReportView }) {
  const { t } = useI18n()
  return (
    <section>
      <h2>{t('report.byUnit')}</h2>
      <div class='table-scroll'>
        <table class='list report-table' data-testid='report-units'>
          <thead><tr><th scope='col'>{t('report.col.unit')}</th><th scope='col'>{t('report.col.level')}</th><FigureHeads /></tr></thead>
          <tbody>
            {r.rows.map(x => (
              <tr key={x.code} data-unit={x.code} class={x.inTotal ? undefined : 'merged'}>
                <th scope='row'>
                  {x.name} <span class='muted small'>({x.code})</span>
                  {x.mergedInto && <div class='small'><Badge kind='warn'>{t('report.mergedInto', { unit: unitLabel(r.rows, x.mergedInto) })}</Badge></div>}
                  {x.includes.length > 0 && <div class='small muted'>{t('report.includes', { units: x.includes.map(c => unitLabel(r.rows, c)).join(', ') })}</div>}
                </th>
                <td>{t(`settings.level.${x.level}` as MessageKey)}</td>
                <FigureCells x={x} />
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {r.rows.some(x => !x.inTotal) && <p class='small muted'>{t('report.mergedRowsHelp')}</p>}
    </section>
  )
}

function LevelTable ({ r }: { r: ProgressReportView }) {
  const { t, lang } = useI18n()
  const f = reportFormat(lang)
  return (
    <section>
      <h2>{t('report.byLevel')}</h2>
      <div class='table-scroll'>
        <table class='list report-table' data-testid='report-levels'>
          <thead><tr><th scope='col'>{t('report.col.level')}</th><th class='num' scope='col'>{t('report.col.units')}</th><FigureHeads /></tr></thead>
          <tbody>
            {r.byLevel.map(l => (
              <tr key={l.level} data-level={l.level}>
                <th scope='row'>{t(`settings.level.${l.level}` as MessageKey)}</th>
                <td class='num' data-col='units'>{f.n(l.units)}</td>
                <FigureCells x={l} />
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr data-level='total' class='total'>
              <th scope='row'>{t('report.total')}</th>
              <td class='num' data-col='units'>{f.n(r.byLevel.reduce((s, l) => s + l.units, 0))}</td>
              <FigureCells x={r.totals} />
            </tr>
          </tfoot>
        </table>
      </div>
    </section>
  )
}
