/** Người dùng: accounts with their roles, and machine tokens (their secret shown once). Admin only. */
import { useState } from 'preact/hooks'
import { call, get, post } from '../api.js'
import { Badge, ErrorBox, Loading, Notice, roleLabel } from '../components/ui.js'
import { fmtDateTime } from '../format.js'
import { useAction, useLoad } from '../hooks.js'
import { useI18n, type MessageKey } from '../i18n/index.js'
import type { TokenView, UserView } from '../types.js'

const ROLES = ['admin', 'reviewer', 'operator', 'auditor'] as const
const SCOPES = ['ingest', 'read', 'integration', 'admin'] as const

export function UsersPage () {
  const { t, lang } = useI18n()
  const users = useLoad(async () => await get<UserView[]>('/users'), [])
  const tokens = useLoad(async () => await get<TokenView[]>('/tokens'), [])
  return (
    <div class='page users'>
      <h1>{t('users.title')}</h1>
      <h2>{t('users.list')}</h2>
      <ErrorBox error={users.error} onRetry={users.reload} />
      {users.data === undefined && users.loading && <Loading />}
      {users.data && (
        <table class='list' data-testid='users'>
          <thead><tr><th>{t('users.username')}</th><th>{t('users.displayName')}</th><th>{t('users.roles')}</th><th>{t('users.created')}</th></tr></thead>
          <tbody>
            {users.data.map(u => (
              <tr key={u.username}>
                <td><code>{u.username}</code>{u.disabled && <> <Badge kind='bad'>{t('users.disabled')}</Badge></>}</td>
                <td>{u.displayName ?? ''}</td>
                <td>{u.roles.map(r => roleLabel(t, r)).join(', ')}</td>
                <td>{fmtDateTime(u.createdAt, lang)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <AddUser onDone={users.reload} />
      <h2>{t('users.tokens')}</h2>
      <ErrorBox error={tokens.error} onRetry={tokens.reload} />
      {tokens.data && <Tokens tokens={tokens.data} onChange={tokens.reload} />}
    </div>
  )
}

function AddUser ({ onDone }: { onDone: () => void }) {
  const { t } = useI18n()
  const [form, setForm] = useState({ username: '', displayName: '', password: '' })
  const [roles, setRoles] = useState<string[]>(['operator'])
  const action = useAction()
  const submit = (e: Event): void => {
    e.preventDefault()
    void action.run(async () => {
      const u = await post<UserView>('/users', { username: form.username.trim(), password: form.password, roles, ...(form.displayName.trim() ? { displayName: form.displayName.trim() } : {}) })
      setForm({ username: '', displayName: '', password: '' })
      onDone()
      return t('users.added', { u: u.username })
    })
  }
  const onInput = (name: keyof typeof form) => (e: { currentTarget: HTMLInputElement }) => { const v = e.currentTarget.value; setForm(f => ({ ...f, [name]: v })) }
  return (
    <section class='card'>
      <h3>{t('users.add')}</h3>
      <form class='grid-form' onSubmit={submit}>
        <label>{t('users.username')}<input name='username' required minLength={2} maxLength={64} autocomplete='off' value={form.username} onInput={onInput('username')} /></label>
        <label>{t('users.displayName')}<input name='displayName' maxLength={200} autocomplete='off' value={form.displayName} onInput={onInput('displayName')} /></label>
        <label>{t('users.password')}<input name='password' type='password' required minLength={8} autocomplete='new-password' value={form.password} onInput={onInput('password')} /></label>
        <fieldset>
          <legend>{t('users.roles')}</legend>
          {ROLES.map(r => (
            <label key={r} class='inline'>
              <input type='checkbox' checked={roles.includes(r)} onChange={e => { const on = e.currentTarget.checked; setRoles(list => on ? [...list, r] : list.filter(x => x !== r)) }} /> {roleLabel(t, r)}
            </label>
          ))}
        </fieldset>
        <div class='actions'><button type='submit' class='primary' disabled={action.busy || roles.length === 0}>{t('users.add')}</button></div>
      </form>
      <ErrorBox error={action.error} />
      {action.done && <Notice kind='ok'>{action.done}</Notice>}
    </section>
  )
}

function Tokens ({ tokens, onChange }: { tokens: TokenView[], onChange: () => void }) {
  const { t, lang } = useI18n()
  const [name, setName] = useState('')
  const [scope, setScope] = useState<string>('ingest')
  const [secret, setSecret] = useState<string | null>(null)
  const action = useAction()
  const create = (e: Event): void => {
    e.preventDefault()
    void action.run(async () => {
      const created = await post<{ secret: string }>('/tokens', { name: name.trim(), scope })
      setSecret(created.secret)
      setName('')
      onChange()
    })
  }
  const revoke = (tk: TokenView): void => {
    if (!window.confirm(t('users.revokeConfirm', { name: tk.name }))) return
    void action.run(async () => { await call('DELETE', `/tokens/${tk.id}`); onChange() })
  }
  return (
    <>
      <table class='list'>
        <thead><tr><th>{t('users.tokenName')}</th><th>{t('users.tokenScope')}</th><th>{t('users.created')}</th><th /></tr></thead>
        <tbody>
          {tokens.map(tk => (
            <tr key={tk.id} class={tk.revokedAt ? 'muted' : undefined}>
              <td>{tk.name}</td>
              <td>{SCOPES.includes(tk.scope as never) ? t(`users.scope.${tk.scope}` as MessageKey) : tk.scope}</td>
              <td>{fmtDateTime(tk.createdAt, lang)}{tk.createdBy ? ` · ${tk.createdBy}` : ''}</td>
              <td>{tk.revokedAt ? t('users.tokenRevoked') : <button type='button' class='small' onClick={() => revoke(tk)}>{t('users.tokenRevoke')}</button>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <section class='card'>
        <form class='grid-form' onSubmit={create}>
          <label>{t('users.tokenName')}<input required maxLength={100} value={name} onInput={e => setName(e.currentTarget.value)} /></label>
          <label>{t('users.tokenScope')}
            <select value={scope} onChange={e => setScope(e.currentTarget.value)}>
              {SCOPES.map(s => <option key={s} value={s}>{t(`users.scope.${s}` as MessageKey)}</option>)}
            </select>
          </label>
          <div class='actions'><button type='submit' class='primary' disabled={action.busy}>{t('users.tokenCreate')}</button></div>
        </form>
        <ErrorBox error={action.error} />
        {secret && <Notice kind='warn'>{t('users.tokenSecret')} <code class='secret'>{secret}</code> <button type='button' class='small' onClick={() => setSecret(null)}>{t('app.close')}</button></Notice>}
      </section>
    </>
  )
}
