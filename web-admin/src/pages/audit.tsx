/**
 * Nhật ký: who did what and when, from the events of the newest records (the node has no node-wide audit route
 * yet; each record's full history is on its own page).
 */
import { useState } from 'preact/hooks'
import { get, qs } from '../api.js'
import { ErrorBox, Loading } from '../components/ui.js'
import { useLoad } from '../hooks.js'
import { useI18n } from '../i18n/index.js'
import type { EventEntry, RecordSummary } from '../types.js'
import { EventsTable } from './record.js'

const RECORDS = 25

async function recentEvents (): Promise<Array<EventEntry & { recordId: string }>> {
  const { records } = await get<{ records: RecordSummary[] }>(`/records${qs({ limit: RECORDS })}`)
  const lists = await Promise.all(records.map(async r => (await get<EventEntry[]>(`/records/${r.id}/events`).catch(() => [] as EventEntry[])).map(e => ({ ...e, recordId: r.id }))))
  return lists.flat().sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, 300)
}

export function AuditPage () {
  const { t } = useI18n()
  const events = useLoad(recentEvents, [])
  const [filter, setFilter] = useState('')
  const f = filter.trim().toLowerCase()
  const shown = (events.data ?? []).filter(e => f === '' || e.agent.toLowerCase().includes(f) || e.type.toLowerCase().includes(f))
  return (
    <div class='page audit'>
      <h1>{t('audit.title')}</h1>
      <p class='small muted'>{t('audit.intro')}</p>
      <label class='inline-label'>{t('audit.filter')} <input type='search' value={filter} onInput={e => setFilter(e.currentTarget.value)} /></label>
      <ErrorBox error={events.error} onRetry={events.reload} />
      {events.data === undefined && events.loading && <Loading />}
      {events.data && <EventsTable events={shown} withRecord />}
    </div>
  )
}
