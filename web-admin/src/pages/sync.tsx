/** Đồng bộ: replication to the province (issue 5). A node without it says so plainly instead of failing. */
import { ApiError, get, post } from '../api.js'
import { ErrorBox, Facts, Loading, Notice } from '../components/ui.js'
import { fmtBytes, fmtDateTime, fmtNumber } from '../format.js'
import { useState } from 'preact/hooks'
import { useAction, useInterval, useLoad } from '../hooks.js'
import { useI18n, type MessageKey } from '../i18n/index.js'
import { useSession } from '../session.js'
import type { SyncStatus } from '../types.js'

export function SyncPage () {
  const { t, lang } = useI18n()
  const { can } = useSession()
  const status = useLoad(async () => {
    try {
      return await get<SyncStatus>('/sync/status')
    } catch (err) {
      // No route (older node) or replication not wired on this node: both mean "not configured".
      if (err instanceof ApiError && (err.status === 404 || err.code === 'SYNC_DISABLED')) return null
      throw err
    }
  }, [])
  useInterval(status.reload, 10_000)
  const action = useAction()
  const runNow = (): void => {
    void action.run(async () => {
      try {
        await post('/sync/run')
      } catch (err) {
        if (err instanceof ApiError && (err.status === 404 || err.code === 'SYNC_DISABLED')) return t('sync.runUnavailable')
        throw err
      }
      status.reload()
      return t('sync.started')
    })
  }
  const s = status.data
  return (
    <div class='page sync'>
      <h1>{t('sync.title')}</h1>
      <ErrorBox error={status.error} onRetry={status.reload} />
      {s === undefined && status.loading && <Loading />}
      {(s === null || (s?.role === 'district' && (s.province?.length ?? 0) === 0)) && <Notice><span data-testid='sync-none'>{t('sync.notConfigured')}</span></Notice>}
      {s && (
        <>
          <Facts rows={[
            ['sync.role', s.role ? t(`sync.role.${s.role}` as MessageKey) : '–'],
            ['sync.entriesBehind', fmtNumber(Number(s.entriesBehind ?? 0), lang)],
            ['sync.bytesBehind', fmtBytes(Number(s.bytesBehind ?? 0), lang)],
            ['sync.lastSuccess', s.lastSuccess ? fmtDateTime(s.lastSuccess, lang) : t('sync.never')],
            ['sync.lastError', s.lastError ?? t('app.none')],
            ['sync.lastContact', s.lastContact ? fmtDateTime(String(s.lastContact), lang) : t('sync.never')],
            ['sync.window', s.window ? (s.window.open ? t('sync.windowOpen') : t('sync.windowClosed', { at: s.window.nextStart ? fmtDateTime(s.window.nextStart, lang) : '–' })) : '–'],
            ['sync.bandwidth', s.bandwidth ? `${fmtBytes(Number(s.bandwidth), lang)}/s` : t('sync.unlimited')],
            ['sync.rate', `${fmtBytes(Number(s.rate ?? 0), lang)}/s${s.running ? ` · ${t('sync.running')}` : ''}`]
          ]} />
          {can('admin') && s.role !== 'province' && <p class='actions'><button type='button' class='primary' disabled={action.busy} onClick={runNow}>{t('sync.runNow')}</button></p>}
          <ErrorBox error={action.error} />
          {action.done && <Notice kind='ok'>{action.done}</Notice>}
        </>
      )}
      {s?.role === 'province' && can('admin') && <DistrictKeys />}
      <p class='small muted'>{t('sync.settings')}</p>
    </div>
  )
}

interface PeerView { peerId: string, unit: string, replica: string, addedAt: string, revoked?: { at: string, after: number, reason: string } | null }

/** Province: the district keys allowed to replicate, and revoking one (a lost or stolen key). */
function DistrictKeys () {
  const { t, lang } = useI18n()
  const peers = useLoad(async () => (await get<{ peers: PeerView[] }>('/sync/peers')).peers, [])
  const action = useAction()
  const [revoking, setRevoking] = useState<string | null>(null)
  const [reason, setReason] = useState('')
  const revoke = (peerId: string): void => {
    void action.run(async () => {
      await post(`/sync/peers/${encodeURIComponent(peerId)}/revoke`, { reason })
      setRevoking(null)
      setReason('')
      peers.reload()
      return t('sync.revoked')
    })
  }
  return (
    <section data-testid='sync-peers'>
      <h2>{t('sync.peers')}</h2>
      <ErrorBox error={peers.error} onRetry={peers.reload} />
      <table>
        <thead><tr><th>{t('sync.peerId')}</th><th>{t('sync.unit')}</th><th>{t('sync.addedAt')}</th><th>{t('sync.keyState')}</th><th /></tr></thead>
        <tbody>
          {(peers.data ?? []).map(p => (
            <tr key={p.peerId} data-peer={p.peerId}>
              <td class='mono small'>{p.peerId}{p.replica !== p.peerId ? <div class='muted'>{t('sync.replicaOf', { replica: p.replica })}</div> : null}</td>
              <td>{p.unit}</td>
              <td>{fmtDateTime(p.addedAt, lang)}</td>
              <td>{p.revoked ? `${t('sync.keyRevoked', { after: String(p.revoked.after) })} (${fmtDateTime(p.revoked.at, lang)}): ${p.revoked.reason}` : t('sync.keyActive')}</td>
              <td>
                {!p.revoked && revoking !== p.peerId && <button type='button' class='danger' onClick={() => { setRevoking(p.peerId); setReason('') }}>{t('sync.revoke')}</button>}
                {!p.revoked && revoking === p.peerId && (
                  <form onSubmit={(e) => { e.preventDefault(); revoke(p.peerId) }}>
                    <label>{t('sync.revokeReason')} <input name='reason' required value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} /></label>
                    <button type='submit' class='danger' disabled={action.busy || reason.trim() === ''}>{t('sync.revokeConfirm')}</button>
                    <button type='button' onClick={() => setRevoking(null)}>{t('sync.cancel')}</button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorBox error={action.error} />
      {action.done && <Notice kind='ok'>{action.done}</Notice>}
    </section>
  )
}
