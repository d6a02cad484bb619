/** Đăng nhập: user name and password; the answer's CSRF token is kept for every later change. */
import { useState } from 'preact/hooks'
import { get, post, setCsrfToken } from '../api.js'
import { ErrorBox, LangSwitch, Notice } from '../components/ui.js'
import { useAction } from '../hooks.js'
import { useI18n } from '../i18n/index.js'
import type { SessionInfo } from '../types.js'

export function LoginPage ({ expired, onLogin }: { expired: boolean, onLogin: (info: SessionInfo) => void }) {
  const { t } = useI18n()
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const action = useAction()

  const submit = (e: Event): void => {
    e.preventDefault()
    void action.run(async () => {
      const answer = await post<{ csrfToken: string }>('/session', { username: username.trim(), password }, { expect401: true })
      setCsrfToken(answer.csrfToken)
      const info = await get<SessionInfo>('/session')
      setCsrfToken(info.csrfToken ?? answer.csrfToken)
      onLogin(info)
    })
  }

  return (
    <main class='login'>
      <div class='login-box'>
        <div class='login-head'>
          <h1>{t('app.name')}</h1>
          <LangSwitch />
        </div>
        <p class='muted'>{t('login.intro')}</p>
        {expired && <Notice kind='warn'>{t('app.sessionExpired')}</Notice>}
        <form onSubmit={submit}>
          <label>
            {t('login.username')}
            <input name='username' autocomplete='username' required value={username} onInput={e => setUsername(e.currentTarget.value)} autofocus />
          </label>
          <label>
            {t('login.password')}
            <input name='password' type='password' autocomplete='current-password' required value={password} onInput={e => setPassword(e.currentTarget.value)} />
          </label>
          <ErrorBox error={action.error} />
          <button type='submit' class='primary' disabled={action.busy}>{action.busy ? t('login.busy') : t('login.submit')}</button>
        </form>
      </div>
    </main>
  )
}
