/**
 * Replication figures in the node's Prometheus registry (`GET /metrics`), read from the service's status at scrape
 * time. Districts are labelled by unit code and peer ID, never by anything personal.
 */
import { Gauge, type Registry } from 'prom-client'
import type { DistrictSummary, SyncStatus } from './types.js'

export interface StatusSource {
  status: () => Promise<SyncStatus>
  districts: () => Promise<DistrictSummary[]>
  role: string
}

export function registerSyncMetrics (registry: Registry, sync: StatusSource): void {
  const registers = [registry]
  let memo: { at: number, status: Promise<SyncStatus>, districts: Promise<DistrictSummary[]> } | null = null
  const read = (): { status: Promise<SyncStatus>, districts: Promise<DistrictSummary[]> } => {
    if (memo === null || Date.now() - memo.at > 1000) {
      memo = { at: Date.now(), status: sync.status(), districts: sync.role === 'province' ? sync.districts() : Promise.resolve([]) }
    }
    return memo
  }
  const seconds = (iso: string | null | undefined): number => iso ? Date.parse(iso) / 1000 : 0
  const simple = (name: string, help: string, value: (s: SyncStatus) => number): void => {
    new Gauge({ name, help, registers, async collect () { this.set(value(await read().status)) } })
  }
  simple('sohoa_sync_entries_behind', 'Log entries not yet acknowledged by the province (province: sum over districts)', s => s.entriesBehind)
  simple('sohoa_sync_bytes_behind', 'File bytes not yet at the province (province: sum reported by districts)', s => s.bytesBehind)
  simple('sohoa_sync_rate_bytes_per_second', 'Replication bytes per second over the last 10 s', s => s.rate)
  simple('sohoa_sync_sent_bytes', 'Replication bytes sent since start (frames, before encryption)', s => s.bytesSent)
  simple('sohoa_sync_received_bytes', 'Replication bytes received since start (frames, before encryption)', s => s.bytesReceived)
  simple('sohoa_sync_last_success_timestamp_seconds', 'Last replication that reached the end of the log (0: never)', s => seconds(s.lastSuccess))
  simple('sohoa_sync_last_contact_timestamp_seconds', 'Last session with the other side (0: never)', s => seconds(s.lastContact))
  simple('sohoa_sync_refused', '1 when the province refused an entry of this district and replication is stopped', s => s.refused ? 1 : 0)
  if (sync.role !== 'province') return
  const perDistrict = (name: string, help: string, value: (d: DistrictSummary) => number): void => {
    new Gauge({
      name, help, labelNames: ['unit', 'peer'], registers,
      async collect () {
        this.reset()
        for (const d of await read().districts) this.set({ unit: d.unit, peer: d.peerId }, value(d))
      }
    })
  }
  perDistrict('sohoa_sync_district_records', 'Records held in this district\'s replica', d => d.records)
  perDistrict('sohoa_sync_district_pages', 'Pages held in this district\'s replica', d => d.pages)
  perDistrict('sohoa_sync_district_lag_entries', 'Entries the district reported as not yet sent', d => d.lag.entries)
  perDistrict('sohoa_sync_district_lag_bytes', 'File bytes the district reported as not yet sent', d => d.lag.bytes)
  perDistrict('sohoa_sync_district_verification_failures', 'Entries or files of this district that failed verification', d => d.verificationFailures)
  perDistrict('sohoa_sync_district_halted', '1 while replication of this district is stopped at a failed entry', d => d.halted ? 1 : 0)
  perDistrict('sohoa_sync_district_last_contact_timestamp_seconds', 'Last session with this district', d => seconds(d.lastContact))
}
