/** Shared bits of the interface: error and notice boxes, loading line, status badges, a definition table. */
import type { ComponentChildren } from 'preact'
import type { ApiError } from '../api.js'
import { useI18n, type MessageKey } from '../i18n/index.js'

/** The API's own message, in the chosen language, with its code for the technical team; never a stack. */
export function ErrorBox ({ error, onRetry }: { error: ApiError | null, onRetry?: () => void }) {
  const { t, lang } = useI18n()
  if (error === null) return null
  let text: string
  if (error.code === 'NETWORK') text = t('error.network')
  else if (error.messageVi === '') text = t('error.http', { status: error.status })
  else text = lang === 'en' ? error.messageEn : error.messageVi
  const problems = Array.isArray(error.details?.problems) ? (error.details.problems as unknown[]).filter(p => typeof p === 'string') as string[] : []
  return (
    <div class='notice error' role='alert'>
      <p>{text}</p>
      {problems.length > 0 && <ul>{problems.map(p => <li key={p}><code>{p}</code></li>)}</ul>}
      <p class='muted small'>{t('error.code', { code: error.code })}</p>
      {onRetry !== undefined && <button type='button' onClick={onRetry}>{t('app.retry')}</button>}
    </div>
  )
}

export function Notice ({ kind = 'info', children }: { kind?: 'info' | 'ok' | 'warn' | 'error', children: ComponentChildren }) {
  return <div class={`notice ${kind}`} role={kind === 'error' || kind === 'warn' ? 'alert' : 'status'}>{children}</div>
}

export function Loading () {
  const { t } = useI18n()
  return <p class='muted' aria-busy='true'>{t('app.loading')}</p>
}

export function Badge ({ kind, children }: { kind: string, children: ComponentChildren }) {
  return <span class={`badge badge-${kind}`}>{children}</span>
}

/** A label/value table for a record's or a node's facts. */
export function Facts ({ rows }: { rows: Array<[MessageKey, ComponentChildren]> }) {
  const { t } = useI18n()
  return (
    <dl class='facts'>
      {rows.map(([k, v]) => <div key={k}><dt>{t(k)}</dt><dd>{v}</dd></div>)}
    </dl>
  )
}

export function Forbidden () {
  const { t } = useI18n()
  return <Notice kind='warn'><p data-testid='forbidden'>{t('app.forbidden')}</p></Notice>
}

/** A role's name for people; unknown roles as they are. */
export function roleLabel (t: (k: MessageKey) => string, role: string): string {
  const key = `role.${role}` as MessageKey
  return ['admin', 'reviewer', 'operator', 'auditor'].includes(role) ? t(key) : role
}

/** VI | EN, remembered in the browser. */
export function LangSwitch () {
  const { lang, setLang, t } = useI18n()
  return (
    <span class='lang' role='group' aria-label={t('app.language')}>
      <button type='button' class={lang === 'vi' ? 'on' : undefined} aria-pressed={lang === 'vi'} onClick={() => setLang('vi')}>VI</button>
      <button type='button' class={lang === 'en' ? 'on' : undefined} aria-pressed={lang === 'en'} onClick={() => setLang('en')}>EN</button>
    </span>
  )
}
