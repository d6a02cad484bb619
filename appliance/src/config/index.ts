/**
 * Configuration: embedded defaults, then an optional JSON file, then SOHOA_* environment variables, validated once
 * at start. A bad value stops the appliance with a message naming the setting, in Vietnamese and English.
 */
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import { Ajv } from 'ajv'
import { AppError } from '../errors/index.js'
import { DEFAULT_MAX_PIXELS } from '../imaging/limits.js'

export interface Config {
  dataDir: string
  host: string
  port: number
  adminPassword?: string
  ocrWorkers: number
  maxUploadBytes: number
  maxPixels: number
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

export { DEFAULT_MAX_PIXELS }

export const DEFAULTS: Config = {
  dataDir: './data',
  host: '0.0.0.0',
  port: 8080,
  ocrWorkers: Math.max(1, availableParallelism()),
  maxUploadBytes: 100 * 1024 * 1024,
  maxPixels: DEFAULT_MAX_PIXELS,
  logLevel: 'info',
  sessionIdleMinutes: 30,
  jobMaxAttempts: 5,
  sanedHosts: ['127.0.0.1:6566'],
  sanedTimeoutMs: 10_000,
  ftp: { enabled: false, host: '0.0.0.0', port: 2121, pasvUrl: '127.0.0.1', pasvMin: 30000, pasvMax: 30049, accounts: [] },
  watchFolders: []
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
  SOHOA_LOG_LEVEL: 'logLevel',
  SOHOA_SESSION_IDLE_MINUTES: 'sessionIdleMinutes',
  SOHOA_JOB_MAX_ATTEMPTS: 'jobMaxAttempts',
  SOHOA_SANED_HOSTS: 'sanedHosts',
  SOHOA_SANED_TIMEOUT_MS: 'sanedTimeoutMs',
  SOHOA_WATCH_FOLDERS: 'watchFolders'
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
  if (key === 'sanedHosts') return value.split(',').map(s => s.trim()).filter(Boolean)
  if (key === 'watchFolders') {
    return value.split(',').map(s => s.trim()).filter(Boolean).map(entry => {
      const at = entry.indexOf(':')
      return { unit: entry.slice(0, at), path: entry.slice(at + 1), intervalMs: 2000, stableMs: 3000 }
    })
  }
  return value
}

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['dataDir', 'host', 'port', 'ocrWorkers', 'maxUploadBytes', 'maxPixels', 'logLevel', 'sessionIdleMinutes', 'jobMaxAttempts', 'sanedHosts', 'sanedTimeoutMs', 'ftp', 'watchFolders'],
  properties: {
    dataDir: { type: 'string', minLength: 1 },
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 0, maximum: 65535 },
    adminPassword: { type: 'string', minLength: 8 },
    ocrWorkers: { type: 'integer', minimum: 1, maximum: 64 },
    maxUploadBytes: { type: 'integer', minimum: 1024 },
    maxPixels: { type: 'integer', minimum: 1_000_000, maximum: 2_000_000_000 },
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
    }
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
    Object.assign(merged, fromFile, { ftp: { ...DEFAULTS.ftp, ...(fromFile.ftp as object ?? {}) } })
  }
  for (const [name, key] of Object.entries(ENV_NAMES)) {
    const value = env[name]
    if (value !== undefined && value !== '') merged[key] = parseEnvValue(key, value)
  }
  for (const [name, key] of Object.entries(FTP_ENV)) {
    const value = env[name]
    if (value !== undefined && value !== '') (merged.ftp as Record<string, unknown>)[key] = value
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
    ftp: { ...config.ftp, accounts: config.ftp.accounts.map(a => ({ username: a.username, unit: a.unit })) }
  }
}
