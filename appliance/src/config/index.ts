/**
 * Configuration: embedded defaults, then an optional JSON file, then SOHOA_* environment variables, validated once
 * at start. A bad value stops the appliance with a message naming the setting, in Vietnamese and English.
 */
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import { Ajv } from 'ajv'
import { AppError } from '../errors/index.js'
import { DEFAULT_MAX_FILE_PIXELS, DEFAULT_MAX_PIXELS } from '../imaging/index.js'

export interface Config {
  dataDir: string
  host: string
  port: number
  adminPassword?: string
  ocrWorkers: number
  maxUploadBytes: number
  maxPixels: number
  /** Pixels of all pages of one file together (issue 15): a small file of many huge pages is refused before decoding. */
  maxFilePixels: number
  /** HTTP uploads (`POST /api/v1/pages`) taken at once; one more is answered 429 with Retry-After before its body is read. */
  maxConcurrentUploads: number
  /** Mark the session cookie `Secure` (set it when the node is served behind TLS, e.g. a reverse proxy). */
  secureCookie: boolean
  /** A session ends this many hours after sign-in, however active (the idle limit ends it sooner). */
  sessionMaxHours: number
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  sessionIdleMinutes: number
  /** Retries of a failing pipeline job before it is left as failed. */
  jobMaxAttempts: number
  /** saned hosts (`host[:port]`) whose scanners this node drives. */
  sanedHosts: string[]
  /** Bound on every network step with saned. */
  sanedTimeoutMs: number
  ftp: FtpConfig
  watchFolders: WatchFolderConfig[]
  /** The unit (statistics code) this node works for: its name signs the "SAO Y" copies. */
  unit: string
  /** The copying agency's name on the signature; default: from the unit catalogue. */
  agencyName?: string
  /** Base URL citizens and officers reach this node at (the QR code on signed copies); default from host/port. */
  publicUrl?: string
  /** Lifetime of the signed file links a result lookup answers with (SOHOA_LINK_TTL_SECONDS). */
  linkTtlSeconds: number
  signing: SigningConfig
  /** node-cron schedules: the fixity check (weekly) and the validity sweep (daily). */
  fixitySchedule: string
  validitySchedule: string
  /** Price of digitizing one page, in đồng, for the cost in progress reports (the plan's 3,779). */
  unitPriceVnd: number
  /** Replication (issue 5): a district replicates up to its province; the province keeps every district's replica. */
  role: 'district' | 'province'
  /** libp2p listen multiaddrs (the province listens; a district only dials). */
  p2pListen: string[]
  /** District: the province's multiaddrs, each ending in `/p2p/<peerId>`. */
  province: string[]
  /** When replication may use the link: between two cron instants, or `always`. */
  syncSchedule: 'always' | { start: string, end: string }
  /** Bytes per second replication may send; 0 = no cap. */
  syncBandwidth: number
  /** District: how often replication looks for new log entries inside its window (SOHOA_SYNC_POLL_MS). */
  syncPollMs: number
  /** Optional private network: a swarm key file shared by the province and its districts. */
  pskFile?: string
  // ---- outbox (issue 7): archived results told to the one-stop systems / national portal ----
  /** Where archive changes are delivered; credentials in a URL's userinfo become a Basic header (never shown). */
  outboxTargets: OutboxTargetConfig[]
  /** Bound on one delivery request (connect, send, answer). */
  outboxTimeoutMs: number
  /** First retry delay; it doubles per attempt (with jitter) up to `outboxBackoffMaxMs`. */
  outboxBackoffMs: number
  outboxBackoffMaxMs: number
  /** Attempts before a message becomes a dead letter (an admin may retry it). */
  outboxMaxAttempts: number
  /** How often the outbox looks for new log entries when nobody nudged it. */
  outboxPollMs: number
  /** Lifetime of the signed file link a message carries. */
  outboxLinkTtlSeconds: number
}

export interface OutboxTargetConfig {
  /** Stable name: the target's position in the log is kept under it (default: the URL's host). */
  name?: string
  url: string
}

export interface SigningConfig {
  /** The agency's PKCS#12 certificate; when absent the node makes a self-signed test certificate at first start. */
  p12Path?: string
  passphrase?: string
}

export interface FtpAccount {
  username: string
  /** Plain password, or `passwordHash` in sohoa's scrypt format (`sohoa` hashes it the same way as users'). */
  password?: string
  passwordHash?: string
  unit: string
}

export interface FtpConfig {
  enabled: boolean
  host: string
  port: number
  /** Address announced to clients for passive data connections. */
  pasvUrl: string
  pasvMin: number
  pasvMax: number
  accounts: FtpAccount[]
}

export interface WatchFolderConfig {
  path: string
  unit: string
  /** How often the folder is listed. */
  intervalMs: number
  /** A file is taken once its size and mtime have not changed for this long. */
  stableMs: number
}

export { DEFAULT_MAX_PIXELS, DEFAULT_MAX_FILE_PIXELS }

export const DEFAULTS: Config = {
  dataDir: './data',
  host: '0.0.0.0',
  port: 8080,
  ocrWorkers: Math.max(1, availableParallelism()),
  maxUploadBytes: 100 * 1024 * 1024,
  maxPixels: DEFAULT_MAX_PIXELS,
  maxFilePixels: DEFAULT_MAX_FILE_PIXELS,
  maxConcurrentUploads: 4,
  secureCookie: false,
  sessionMaxHours: 12,
  logLevel: 'info',
  sessionIdleMinutes: 30,
  jobMaxAttempts: 5,
  sanedHosts: ['127.0.0.1:6566'],
  sanedTimeoutMs: 10_000,
  ftp: { enabled: false, host: '0.0.0.0', port: 2121, pasvUrl: '127.0.0.1', pasvMin: 30000, pasvMax: 30049, accounts: [] },
  watchFolders: [],
  unit: '64',
  signing: {},
  fixitySchedule: '0 3 * * 0',
  validitySchedule: '10 0 * * *',
  unitPriceVnd: 3779,
  linkTtlSeconds: 86400,
  role: 'district',
  p2pListen: ['/ip4/0.0.0.0/tcp/4001'],
  province: [],
  syncSchedule: { start: '0 22 * * *', end: '0 5 * * *' },
  syncBandwidth: 0,
  syncPollMs: 10_000,
  outboxTargets: [],
  outboxTimeoutMs: 15_000,
  outboxBackoffMs: 2_000,
  outboxBackoffMaxMs: 600_000,
  outboxMaxAttempts: 10,
  outboxPollMs: 5_000,
  outboxLinkTtlSeconds: 7 * 24 * 3600
}

/** Environment variable -> setting. The names are part of the operator's interface: never rename. */
export const ENV_NAMES: Record<string, keyof Config> = {
  SOHOA_DATA_DIR: 'dataDir',
  SOHOA_HOST: 'host',
  SOHOA_PORT: 'port',
  SOHOA_ADMIN_PASSWORD: 'adminPassword',
  SOHOA_OCR_WORKERS: 'ocrWorkers',
  SOHOA_MAX_UPLOAD_BYTES: 'maxUploadBytes',
  SOHOA_MAX_PIXELS: 'maxPixels',
  SOHOA_MAX_FILE_PIXELS: 'maxFilePixels',
  SOHOA_MAX_CONCURRENT_UPLOADS: 'maxConcurrentUploads',
  SOHOA_SECURE_COOKIE: 'secureCookie',
  SOHOA_SESSION_MAX_HOURS: 'sessionMaxHours',
  SOHOA_LOG_LEVEL: 'logLevel',
  SOHOA_SESSION_IDLE_MINUTES: 'sessionIdleMinutes',
  SOHOA_JOB_MAX_ATTEMPTS: 'jobMaxAttempts',
  SOHOA_SANED_HOSTS: 'sanedHosts',
  SOHOA_SANED_TIMEOUT_MS: 'sanedTimeoutMs',
  SOHOA_WATCH_FOLDERS: 'watchFolders',
  SOHOA_UNIT: 'unit',
  SOHOA_AGENCY_NAME: 'agencyName',
  SOHOA_PUBLIC_URL: 'publicUrl',
  SOHOA_LINK_TTL_SECONDS: 'linkTtlSeconds',
  SOHOA_FIXITY_SCHEDULE: 'fixitySchedule',
  SOHOA_VALIDITY_SCHEDULE: 'validitySchedule',
  SOHOA_UNIT_PRICE_VND: 'unitPriceVnd',
  SOHOA_ROLE: 'role',
  SOHOA_P2P_LISTEN: 'p2pListen',
  SOHOA_PROVINCE: 'province',
  SOHOA_SYNC_SCHEDULE: 'syncSchedule',
  SOHOA_SYNC_BANDWIDTH: 'syncBandwidth',
  SOHOA_SYNC_POLL_MS: 'syncPollMs',
  SOHOA_PSK_FILE: 'pskFile',
  SOHOA_OUTBOX_TARGETS: 'outboxTargets',
  SOHOA_OUTBOX_TIMEOUT_MS: 'outboxTimeoutMs',
  SOHOA_OUTBOX_BACKOFF_MS: 'outboxBackoffMs',
  SOHOA_OUTBOX_BACKOFF_MAX_MS: 'outboxBackoffMaxMs',
  SOHOA_OUTBOX_MAX_ATTEMPTS: 'outboxMaxAttempts',
  SOHOA_OUTBOX_POLL_MS: 'outboxPollMs',
  SOHOA_OUTBOX_LINK_TTL_SECONDS: 'outboxLinkTtlSeconds'
}

/** Signing settings from the environment. */
const SIGNING_ENV: Record<string, keyof SigningConfig> = {
  SOHOA_SIGNING_P12: 'p12Path',
  SOHOA_SIGNING_PASSPHRASE: 'passphrase'
}

/** FTP settings from the environment (the accounts come from the config file). */
const FTP_ENV: Record<string, keyof FtpConfig> = {
  SOHOA_FTP_ENABLED: 'enabled',
  SOHOA_FTP_HOST: 'host',
  SOHOA_FTP_PORT: 'port',
  SOHOA_FTP_PASV_URL: 'pasvUrl',
  SOHOA_FTP_PASV_MIN: 'pasvMin',
  SOHOA_FTP_PASV_MAX: 'pasvMax'
}

/** Environment values that are lists: `a,b,c`; watched folders as `unit:/path,unit:/path`. */
function parseEnvValue (key: keyof Config, value: string): unknown {
  if (key === 'sanedHosts' || key === 'p2pListen' || key === 'province') return value.split(',').map(s => s.trim()).filter(Boolean)
  if (key === 'syncSchedule') return parseSyncSchedule(value)
  if (key === 'secureCookie') return /^(1|true|yes|on)$/i.test(value.trim()) ? true : /^(0|false|no|off|)$/i.test(value.trim()) ? false : value
  if (key === 'outboxTargets') return parseOutboxTargets(value)
  if (key === 'watchFolders') {
    return value.split(',').map(s => s.trim()).filter(Boolean).map(entry => {
      const at = entry.indexOf(':')
      return { unit: entry.slice(0, at), path: entry.slice(at + 1), intervalMs: 2000, stableMs: 3000 }
    })
  }
  return value
}

/** Outbox targets: `url,url` or `name=url,…` (a name has no `:` or `/`, so a URL's own `=` is never taken for one). */
function parseOutboxTargets (value: string): OutboxTargetConfig[] {
  return value.split(',').map(s => s.trim()).filter(Boolean).map(entry => {
    const named = /^([A-Za-z0-9][A-Za-z0-9._-]{0,63})=(.+)$/.exec(entry)
    return named ? { name: named[1], url: named[2].trim() } : { url: entry }
  })
}

/** `always`, `22:00-05:00` (every day), or two cron expressions `<start>|<end>`. */
function parseSyncSchedule (value: string): unknown {
  const v = value.trim()
  if (v === 'always') return v
  const hours = /^([01]?\d|2[0-3]):([0-5]\d)-([01]?\d|2[0-3]):([0-5]\d)$/.exec(v)
  if (hours) return { start: `${Number(hours[2])} ${Number(hours[1])} * * *`, end: `${Number(hours[4])} ${Number(hours[3])} * * *` }
  const [start, end] = v.split('|').map(s => s.trim())
  return { start, end }
}

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['dataDir', 'host', 'port', 'ocrWorkers', 'maxUploadBytes', 'maxPixels', 'maxFilePixels', 'maxConcurrentUploads', 'secureCookie', 'sessionMaxHours', 'logLevel', 'sessionIdleMinutes', 'jobMaxAttempts', 'sanedHosts', 'sanedTimeoutMs', 'ftp', 'watchFolders', 'unit', 'signing', 'fixitySchedule', 'validitySchedule', 'unitPriceVnd', 'role', 'p2pListen', 'province', 'syncSchedule', 'syncBandwidth', 'syncPollMs'],
  properties: {
    dataDir: { type: 'string', minLength: 1 },
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 0, maximum: 65535 },
    adminPassword: { type: 'string', minLength: 8 },
    ocrWorkers: { type: 'integer', minimum: 1, maximum: 64 },
    maxUploadBytes: { type: 'integer', minimum: 1024 },
    maxPixels: { type: 'integer', minimum: 1_000_000, maximum: 2_000_000_000 },
    maxFilePixels: { type: 'integer', minimum: 1_000_000, maximum: 100_000_000_000 },
    maxConcurrentUploads: { type: 'integer', minimum: 1, maximum: 256 },
    secureCookie: { type: 'boolean' },
    sessionMaxHours: { type: 'integer', minimum: 1, maximum: 24 * 30 },
    logLevel: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    sessionIdleMinutes: { type: 'integer', minimum: 1, maximum: 24 * 60 },
    jobMaxAttempts: { type: 'integer', minimum: 1, maximum: 100 },
    sanedHosts: { type: 'array', maxItems: 64, items: { type: 'string', pattern: '^(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?$' } },
    sanedTimeoutMs: { type: 'integer', minimum: 100, maximum: 600_000 },
    ftp: {
      type: 'object',
      additionalProperties: false,
      required: ['enabled', 'host', 'port', 'pasvUrl', 'pasvMin', 'pasvMax', 'accounts'],
      properties: {
        enabled: { type: 'boolean' },
        host: { type: 'string', minLength: 1 },
        port: { type: 'integer', minimum: 0, maximum: 65535 },
        pasvUrl: { type: 'string', minLength: 1 },
        pasvMin: { type: 'integer', minimum: 1024, maximum: 65535 },
        pasvMax: { type: 'integer', minimum: 1024, maximum: 65535 },
        accounts: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['username', 'unit'],
            properties: {
              username: { type: 'string', minLength: 1, maxLength: 64 },
              password: { type: 'string', minLength: 8 },
              passwordHash: { type: 'string', pattern: '^scrypt\\$' },
              unit: { type: 'string', minLength: 1 }
            }
          }
        }
      }
    },
    watchFolders: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['path', 'unit'],
        properties: {
          path: { type: 'string', minLength: 1 },
          unit: { type: 'string', minLength: 1 },
          intervalMs: { type: 'integer', minimum: 100, default: 2000 },
          stableMs: { type: 'integer', minimum: 0, default: 3000 }
        }
      }
    },
    unit: { type: 'string', pattern: '^[0-9A-Za-z.]{1,40}$' },
    agencyName: { type: 'string', minLength: 2, maxLength: 200 },
    publicUrl: { type: 'string', pattern: '^https?://[^\\s]+$' },
    linkTtlSeconds: { type: 'integer', minimum: 1, maximum: 30 * 24 * 3600 },
    signing: {
      type: 'object',
      additionalProperties: false,
      properties: { p12Path: { type: 'string', minLength: 1 }, passphrase: { type: 'string' } }
    },
    fixitySchedule: { type: 'string', minLength: 9, maxLength: 100 },
    validitySchedule: { type: 'string', minLength: 9, maxLength: 100 },
    unitPriceVnd: { type: 'integer', minimum: 0, maximum: 100_000_000 },
    role: { enum: ['district', 'province'] },
    p2pListen: { type: 'array', maxItems: 8, items: { type: 'string', pattern: '^/(ip4|ip6|dns4|dns6|dns)/[^/]+/tcp/[0-9]{1,5}$' } },
    province: { type: 'array', maxItems: 8, items: { type: 'string', pattern: '^/(ip4|ip6|dns4|dns6|dns)/[^/]+/tcp/[0-9]{1,5}/p2p/[1-9A-HJ-NP-Za-km-z]{40,60}$' } },
    syncSchedule: {
      anyOf: [
        { const: 'always' },
        { type: 'object', additionalProperties: false, required: ['start', 'end'], properties: { start: { type: 'string', minLength: 9, maxLength: 100 }, end: { type: 'string', minLength: 9, maxLength: 100 } } }
      ]
    },
    syncBandwidth: { type: 'integer', minimum: 0, maximum: 10_000_000_000 },
    syncPollMs: { type: 'integer', minimum: 100, maximum: 3_600_000 },
    pskFile: { type: 'string', minLength: 1 },
    outboxTargets: {
      type: 'array',
      maxItems: 16,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['url'],
        properties: { name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' }, url: { type: 'string', pattern: '^https?://[^\\s,]+$' } }
      }
    },
    outboxTimeoutMs: { type: 'integer', minimum: 50, maximum: 600_000 },
    outboxBackoffMs: { type: 'integer', minimum: 1, maximum: 3_600_000 },
    outboxBackoffMaxMs: { type: 'integer', minimum: 1, maximum: 86_400_000 },
    outboxMaxAttempts: { type: 'integer', minimum: 1, maximum: 1000 },
    outboxPollMs: { type: 'integer', minimum: 10, maximum: 3_600_000 },
    outboxLinkTtlSeconds: { type: 'integer', minimum: 60, maximum: 90 * 24 * 3600 }
  }
} as const

const validate = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true }).compile(schema)

export interface LoadOptions {
  /** Path of a JSON config file; else SOHOA_CONFIG; else none. */
  file?: string
  env?: NodeJS.ProcessEnv
  /** Settings given on the command line win over everything. */
  overrides?: Partial<Config>
}

export function loadConfig (opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env
  const file = opts.file ?? env.SOHOA_CONFIG
  const merged: Record<string, unknown> = structuredClone(DEFAULTS) as unknown as Record<string, unknown>
  if (file) {
    const fromFile = readConfigFile(file)
    Object.assign(merged, fromFile, { ftp: { ...DEFAULTS.ftp, ...(fromFile.ftp as object ?? {}) }, signing: { ...(fromFile.signing as object ?? {}) } })
  }
  for (const [name, key] of Object.entries(ENV_NAMES)) {
    const value = env[name]
    if (value !== undefined && value !== '') merged[key] = parseEnvValue(key, value)
  }
  for (const [name, key] of Object.entries(FTP_ENV)) {
    const value = env[name]
    if (value !== undefined && value !== '') (merged.ftp as Record<string, unknown>)[key] = value
  }
  for (const [name, key] of Object.entries(SIGNING_ENV)) {
    const value = env[name]
    if (value !== undefined && value !== '') (merged.signing as Record<string, unknown>)[key] = value
  }
  for (const [key, value] of Object.entries(opts.overrides ?? {})) if (value !== undefined) merged[key] = value
  if (!validate(merged)) {
    const problems = (validate.errors ?? []).map(e => {
      const key = e.instancePath.replace(/^\//, '') || String(e.params.additionalProperty ?? '')
      const envName = Object.entries(ENV_NAMES).find(([, k]) => k === key)?.[0]
      return `${key}${envName ? ` (${envName})` : ''}: ${e.message ?? 'invalid'}`
    })
    throw new AppError('CONFIG_INVALID', { problems })
  }
  const config = merged as unknown as Config
  config.dataDir = resolve(config.dataDir)
  return config
}

function readConfigFile (file: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new AppError('CONFIG_INVALID', { problems: [`cannot read ${file}: ${(err as Error).message}`] }, err)
  }
  try {
    const parsed: unknown = JSON.parse(text)
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object')
    return parsed as Record<string, unknown>
  } catch (err) {
    throw new AppError('CONFIG_INVALID', { problems: [`${file}: ${(err as Error).message}`] }, err)
  }
}

/** The configuration as an operator may see it: secrets masked. */
export function describeConfig (config: Config): Record<string, unknown> {
  return {
    ...config,
    adminPassword: config.adminPassword ? '***' : undefined,
    signing: { ...config.signing, passphrase: config.signing.passphrase !== undefined ? '***' : undefined },
    ftp: { ...config.ftp, accounts: config.ftp.accounts.map(a => ({ username: a.username, unit: a.unit })) },
    outboxTargets: config.outboxTargets.map(t => ({ ...t, url: t.url.replace(/^(https?:\/\/)[^@/?#]*@/, '$1***@') }))
  }
}
