/** Cài đặt: a read-only view of the node (version, saned hosts, units) and where each setting is configured. */
import { get } from '../api.js'
import { Badge, ErrorBox, Facts, Loading } from '../components/ui.js'
import { useLoad } from '../hooks.js'
import { useI18n, type MessageKey } from '../i18n/index.js'
import type { ScannerList, Unit } from '../types.js'

const WHERE: Array<[MessageKey, string]> = [
  ['settings.item.unit', '"unit" (tệp cấu hình / config file)'],
  ['settings.item.data', 'SOHOA_DATA_DIR · "dataDir"'],
  ['settings.item.http', 'SOHOA_HOST, SOHOA_PORT · "host", "port"'],
  ['settings.item.saned', 'SOHOA_SANED_HOSTS, SOHOA_SANED_TIMEOUT_MS · "sanedHosts"'],
  ['settings.item.ftp', 'SOHOA_FTP_ENABLED, SOHOA_FTP_PORT, SOHOA_FTP_PASV_URL · "ftp": {"accounts": [...]}'],
  ['settings.item.folders', 'SOHOA_WATCH_FOLDERS · "watchFolders"'],
  ['settings.item.ocr', 'SOHOA_OCR_WORKERS · "ocrWorkers"'],
  ['settings.item.session', 'SOHOA_SESSION_IDLE_MINUTES · "sessionIdleMinutes"'],
  ['settings.item.signing', '"signing" (tệp cấu hình / config file)'],
  ['settings.item.schedules', '"fixitySchedule", "validitySchedule"']
]

export function SettingsPage () {
  const { t } = useI18n()
  const health = useLoad(async () => await fetch('/healthz').then(async r => await r.json() as { version: string, queueDepth: number }), [])
  const scanners = useLoad(async () => await get<ScannerList>('/scanners?options=false'), [])
  const units = useLoad(async () => await get<Unit[]>('/units'), [])
  return (
    <div class='page settings'>
      <h1>{t('settings.title')}</h1>
      <p>{t('settings.intro')}</p>
      {health.data && <Facts rows={[['settings.version', <code>{health.data.version}</code>], ['settings.queue', String(health.data.queueDepth)]]} />}
      <h2>{t('settings.saned')}</h2>
      <ErrorBox error={scanners.error} />
      {scanners.data === undefined && scanners.loading && <Loading />}
      {scanners.data && (
        <ul class='plain'>
          {scanners.data.hosts.map(h => <li key={h.host}><code>{h.host}</code> <Badge kind={h.state === 'reachable' ? 'ok' : 'bad'}>{t(`state.${h.state}` as MessageKey)}</Badge></li>)}
        </ul>
      )}
      <h2>{t('settings.where')}</h2>
      <table class='list'>
        <thead><tr><th>{t('settings.setting')}</th><th>{t('settings.how')}</th></tr></thead>
        <tbody>{WHERE.map(([k, how]) => <tr key={k}><td>{t(k)}</td><td><code>{how}</code></td></tr>)}</tbody>
      </table>
      <h2>{t('settings.units')}</h2>
      <ErrorBox error={units.error} />
      {units.data && (
        <details>
          <summary>{units.data.length}</summary>
          <table class='list compact'>
            <tbody>{units.data.map(u => <tr key={u.code}><td><code>{u.code}</code></td><td>{u.name}</td><td>{t(`settings.level.${u.level}` as MessageKey)}</td><td>{u.agencyCode ?? ''}</td></tr>)}</tbody>
          </table>
        </details>
      )}
    </div>
  )
}
