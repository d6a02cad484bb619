/**
 * Push: scans that copiers send on their own (JPEG, PNG, TIFF or scanned PDF: intake decides by the bytes, never
 * by the file name), through two receivers that both end in intake (the one door into storage): a built-in FTP drop box (scan-to-FTP; one account per copier, filed under that account's unit) and
 * watched folders (scan-to-SMB into a Samba share; one folder per unit, polled). Neither acknowledges or moves a
 * file before intake has made it durable, and neither logs file names.
 */
import type { Config } from '../config/index.js'
import type { Logger } from '../log/index.js'
import { FolderWatcher } from './folder.js'
import { FtpDropBox } from './ftp.js'
import type { IntakeDoor } from './outcome.js'

export { FtpDropBox, type FtpDropBoxOptions, type FtpStats } from './ftp.js'
export { FolderWatcher, type FolderResult, type FolderWatcherOptions } from './folder.js'
export { FtpAccounts } from './accounts.js'
export { DONE_DIR, FAILED_DIR, isIgnoredName } from './folder-files.js'
export type { IntakeDoor } from './outcome.js'

export interface PushOptions {
  config: Pick<Config, 'ftp' | 'watchFolders' | 'maxUploadBytes'>
  intake: IntakeDoor
  logger: Logger
}

export interface PushServices {
  /** Present when `ftp.enabled`. */
  ftp?: FtpDropBox
  folders: FolderWatcher[]
  /** Stops every receiver; work under way finishes first (answered, moved), nothing is left running. */
  stop: () => Promise<void>
}

/** Starts the FTP drop box (when enabled) and one watcher per configured folder. */
export async function startPush ({ config, intake, logger }: PushOptions): Promise<PushServices> {
  const folders: FolderWatcher[] = []
  let ftp: FtpDropBox | undefined
  const stop = async (): Promise<void> => {
    await Promise.all([ftp?.close(), ...folders.map(async w => { await w.stop() })])
  }
  try {
    if (config.ftp.enabled) {
      ftp = new FtpDropBox({ config: config.ftp, intake, logger: logger.child({ part: 'ftp' }), maxUploadBytes: config.maxUploadBytes })
      await ftp.listen()
    }
    for (const folder of config.watchFolders) {
      const watcher = new FolderWatcher({ folder, intake, logger: logger.child({ part: 'folder' }), maxUploadBytes: config.maxUploadBytes })
      folders.push(watcher)
      watcher.start()
    }
  } catch (err) {
    await stop()
    throw err
  }
  return { ftp, folders, stop }
}
