/**
 * `sohoa id`, `sohoa peers …`, `sohoa sync …` and `sohoa restore --from-province`: replication to the province
 * (issue 5). `id` reads the node key itself (it is the node's identity, appliance running or not); the others are
 * calls of the node's API, so they work through the control socket or on an offline node alike.
 */
import type { Command } from 'commander'
import { loadOrCreateNodeKey } from '../archive/index.js'
import type { Config } from '../config/index.js'
import { AppError } from '../errors/index.js'
import { callApi, type WithApi } from './report.js'

const print = (value: unknown): void => { process.stdout.write(JSON.stringify(value, null, 2) + '\n') }

export function addSyncCommands (program: Command, withApi: WithApi, config: () => Config): void {
  program.command('id')
    .description('mã định danh (peer ID) của nút, cũng là khóa ký nhật ký / this node\'s peer ID (its log-signing key)')
    .action(async () => {
      const key = await loadOrCreateNodeKey(config().dataDir)
      process.stdout.write(`${key.peerId}\n`)
    })

  const peers = program.command('peers').description('nút tỉnh: các nút huyện được phép đồng bộ / province: district nodes allowed to replicate')
  peers.command('add')
    .argument('<peerId>', 'peer ID của nút huyện (`sohoa id` trên nút đó) / the district node\'s peer ID')
    .requiredOption('-u, --unit <code>', 'đơn vị của nút huyện / the district\'s unit code')
    .option('--replaces <peerId>', 'nút cũ bị mất khóa mà nút này thay thế / the node (lost key) this one replaces')
    .action(async (peerId: string, opts: { unit: string, replaces?: string }) => {
      await withApi(async (client) => print(await callApi(client, 'POST', '/api/v1/sync/peers', { peerId, unit: opts.unit, ...(opts.replaces ? { replaces: opts.replaces } : {}) }, 201)))
    })
  peers.command('list').action(async () => {
    await withApi(async (client) => print(await callApi(client, 'GET', '/api/v1/sync/peers')))
  })
  peers.command('revoke')
    .description('thu hồi khóa của một nút huyện (mất, bị lộ): từ chối kết nối và mọi bản ghi nó ký sau thời điểm này / revoke a district key (lost, stolen): refused at connect, and every entry it signs from now on')
    .argument('<peerId>')
    .requiredOption('--reason <text>', 'lý do / why')
    .action(async (peerId: string, opts: { reason: string }) => {
      await withApi(async (client) => print(await callApi(client, 'POST', `/api/v1/sync/peers/${encodeURIComponent(peerId)}/revoke`, { reason: opts.reason })))
    })
  peers.command('resume')
    .description('cho đồng bộ tiếp sau lỗi kiểm tra / let a district replicate again after a verification failure')
    .argument('<peerId>')
    .action(async (peerId: string) => {
      await withApi(async (client) => print(await callApi(client, 'POST', `/api/v1/sync/districts/${encodeURIComponent(peerId)}/resume`)))
    })

  const sync = program.command('sync').description('đồng bộ lên nút tỉnh / replication to the province')
  sync.command('now')
    .description('đồng bộ ngay, không chờ khung giờ / replicate now, whatever the schedule says')
    .action(async () => {
      await withApi(async (client) => {
        const result = await callApi(client, 'POST', '/api/v1/sync/run')
        print(result)
        if (!result.ok) process.exitCode = 1
      })
    })
  sync.command('status').action(async () => {
    await withApi(async (client) => print(await callApi(client, 'GET', '/api/v1/sync/status')))
  })
  sync.command('districts').description('nút tỉnh: tình trạng từng huyện / province: each district').action(async () => {
    await withApi(async (client) => print(await callApi(client, 'GET', '/api/v1/sync/districts')))
  })

  program.command('restore')
    .description('lấy lại toàn bộ kho lưu trữ của nút này từ nút tỉnh / take this node\'s whole archive back from the province')
    .option('--from-province', 'từ nút tỉnh (nguồn duy nhất hiện có) / from the province (the only source so far)')
    .option('--trust <peerIds>', 'khóa cũ của nhật ký nút này mà quản trị viên xác nhận (khóa bị mất đã được thay), cách nhau bởi dấu phẩy / earlier keys of this node\'s log the admin vouches for (the lost key it replaced), comma-separated')
    .action(async (opts: { fromProvince?: boolean, trust?: string }) => {
      if (!opts.fromProvince) throw new AppError('VALIDATION', { source: 'say where from: --from-province' })
      const trust = (opts.trust ?? '').split(',').map(s => s.trim()).filter(Boolean)
      await withApi(async (client) => {
        await callApi(client, 'POST', '/api/v1/sync/restore', { trust }, 202)
        let last = ''
        for (;;) {
          await new Promise(resolve => setTimeout(resolve, 500))
          const status = await callApi(client, 'GET', '/api/v1/sync/status')
          const p = status.restore
          const line = `${p.entries}/${p.totalEntries} bản ghi nhật ký, ${(p.bytes / 1e6).toFixed(1)} MB / log entries, MB`
          if (line !== last && process.stderr.isTTY) process.stderr.write(`\r${line}`)
          last = line
          if (p.state === 'done') {
            process.stderr.write(`\nĐã khôi phục ${p.entries} bản ghi nhật ký / restored ${p.entries} log entries\n`)
            print(p)
            return
          }
          if (p.state === 'failed') {
            print(p)
            throw new AppError('SYNC_FAILED', { restore: p.error })
          }
        }
      })
    })
}
