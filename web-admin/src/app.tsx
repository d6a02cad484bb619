/**
 * The shell: language, the session (checked once at start, then kept until logout or a 401), the navigation
 * filtered by what the user's roles allow, and the routes of every page.
 */
import { LocationProvider, Router, Route, useLocation } from 'preact-iso'
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks'
import type { ComponentChild, ComponentChildren } from 'preact'
import { call, get, onSessionLost, setCsrfToken } from './api.js'
import { I18nContext, initialLang, rememberLang, translator, useI18n, type Lang, type MessageKey } from './i18n/index.js'
import { SessionContext, sessionOf, useSession } from './session.js'
import type { Permission, SessionInfo } from './types.js'
import { Forbidden, LangSwitch, Loading, roleLabel } from './components/ui.js'
import { LoginPage } from './pages/login.js'
import { DashboardPage } from './pages/dashboard.js'
import { ScannersPage } from './pages/scanners.js'
import { BatchPage } from './pages/batch.js'
import { ReviewQueuePage } from './pages/review-queue.js'
import { ReviewPage } from './pages/review.js'
import { SearchPage } from './pages/search.js'
import { RecordPage } from './pages/record.js'
import { SyncPage } from './pages/sync.js'
import { UsersPage } from './pages/users.js'
import { AuditPage } from './pages/audit.js'
import { SettingsPage } from './pages/settings.js'
import { GuidePage } from './pages/guide.js'
import { ReportPage } from './pages/report.js'
import { IntegrationPage } from './pages/integration.js'
import { LookupTrailPage } from './pages/lookup-trail.js'

interface NavItem { href: string, label: MessageKey, needs: Permission | null }

const NAV: NavItem[] = [
  { href: '/', label: 'nav.dashboard', needs: 'read' },
  { href: '/may-quet', label: 'nav.scanners', needs: 'read' },
  { href: '/kiem-tra', label: 'nav.review', needs: 'review' },
  { href: '/tra-cuu', label: 'nav.records', needs: 'read' },
  { href: '/dong-bo', label: 'nav.sync', needs: 'read' },
  { href: '/bao-cao', label: 'nav.report', needs: 'read' },
  { href: '/lien-thong', label: 'nav.integration', needs: 'admin' },
  { href: '/nguoi-dung', label: 'nav.users', needs: 'admin' },
  { href: '/nhat-ky', label: 'nav.audit', needs: 'read' },
  { href: '/nhat-ky-tra-cuu', label: 'nav.lookups', needs: 'audit' },
  { href: '/cai-dat', label: 'nav.settings', needs: 'admin' },
  { href: '/huong-dan', label: 'nav.guide', needs: null }
]

export function App () {
  const [lang, setLangState] = useState<Lang>(initialLang)
  const setLang = useCallback((l: Lang) => { rememberLang(l); setLangState(l) }, [])
  const i18n = useMemo(() => ({ lang, t: translator(lang), setLang }), [lang, setLang])
  useEffect(() => { document.documentElement.lang = lang }, [lang])
  return (
    <I18nContext.Provider value={i18n}>
      <LocationProvider>
        <Shell />
      </LocationProvider>
    </I18nContext.Provider>
  )
}

type SessionState = { kind: 'checking' } | { kind: 'out', expired: boolean } | { kind: 'in', info: SessionInfo }

function Shell () {
  const { path, url, route } = useLocation()
  const [state, setState] = useState<SessionState>({ kind: 'checking' })

  useEffect(() => {
    onSessionLost(() => { setCsrfToken(null); setState({ kind: 'out', expired: true }) })
    get<SessionInfo>('/session', { expect401: true })
      .then(info => { setCsrfToken(info.csrfToken ?? null); setState({ kind: 'in', info }) })
      .catch(() => setState({ kind: 'out', expired: false }))
  }, [])

  // Signed out anywhere: the login page, coming back here afterwards.
  useEffect(() => {
    if (state.kind === 'out' && path !== '/dang-nhap') route(`/dang-nhap?next=${encodeURIComponent(url)}`, true)
  }, [state.kind, path, url, route])

  const logout = useCallback(async () => {
    await call('DELETE', '/session', { expect401: true }).catch(() => {})
    setCsrfToken(null)
    setState({ kind: 'out', expired: false })
  }, [])
  const session = useMemo(() => (state.kind === 'in' ? sessionOf(state.info, logout) : null), [state, logout])

  if (state.kind === 'checking') return <main class='center'><Loading /></main>
  if (state.kind === 'out' || session === null) {
    return <LoginPage expired={state.kind === 'out' && state.expired} onLogin={info => setState({ kind: 'in', info })} />
  }
  return (
    <SessionContext.Provider value={session}>
      <Layout>
        <Router>
          <Route path='/' component={GDashboardPage} />
          <Route path='/may-quet' component={GScannersPage} />
          <Route path='/may-quet/dot/:id' component={GBatchPage} />
          <Route path='/kiem-tra' component={GReviewQueuePage} />
          <Route path='/kiem-tra/:id' component={GReviewPage} />
          <Route path='/tra-cuu' component={GSearchPage} />
          <Route path='/ho-so/:id' component={GRecordPage} />
          <Route path='/dong-bo' component={GSyncPage} />
          <Route path='/bao-cao' component={GReportPage} />
          <Route path='/lien-thong' component={GIntegrationPage} />
          <Route path='/nhat-ky-tra-cuu' component={GLookupTrailPage} />
          <Route path='/nguoi-dung' component={GUsersPage} />
          <Route path='/nhat-ky' component={GAuditPage} />
          <Route path='/cai-dat' component={GSettingsPage} />
          <Route path='/huong-dan' component={GuidePage} />
          <Route path='/dang-nhap' component={AfterLogin} />
          <Route default component={NotFound} />
        </Router>
      </Layout>
    </SessionContext.Provider>
  )
}

/** A page only for those with `needs`; others see a plain notice and the page makes no API call. */
function guard<P extends object> (needs: Permission, Page: (props: P) => ComponentChild) {
  return function Guarded (props: P) {
    const { can } = useSession()
    return can(needs) ? <Page {...props} /> : <Forbidden />
  }
}

// Made once: a component made during render would remount its page on every navigation.
const GDashboardPage = guard('read', DashboardPage)
const GScannersPage = guard('read', ScannersPage)
const GBatchPage = guard('read', BatchPage)
const GReviewQueuePage = guard('review', ReviewQueuePage)
const GReviewPage = guard('review', ReviewPage)
const GSearchPage = guard('read', SearchPage)
const GRecordPage = guard('read', RecordPage)
const GSyncPage = guard('read', SyncPage)
const GUsersPage = guard('admin', UsersPage)
const GAuditPage = guard('read', AuditPage)
const GSettingsPage = guard('admin', SettingsPage)
const GReportPage = guard('read', ReportPage)
const GIntegrationPage = guard('admin', IntegrationPage)
const GLookupTrailPage = guard('audit', LookupTrailPage)

/** The login URL reached while signed in (after login, or a bookmark): go where the user was heading. */
function AfterLogin () {
  const { query, route } = useLocation()
  useEffect(() => {
    const next = query.next
    route(next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/dang-nhap') ? next : '/', true)
  }, [query.next, route])
  return <Loading />
}

function NotFound () {
  const { t } = useI18n()
  return <p>{t('app.notFound')}</p>
}

function Layout ({ children }: { children: ComponentChildren }) {
  const { t } = useI18n()
  const session = useSession()
  const { path } = useLocation()
  const items = NAV.filter(item => item.needs === null || session.can(item.needs))
  const active = (href: string): boolean => (href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`)) ||
    (href === '/tra-cuu' && path.startsWith('/ho-so/'))
  return (
    <div class='layout'>
      <header class='topbar'>
        <a class='brand' href='/'>{t('app.name')}</a>
        <div class='topbar-right'>
          <span class='who' data-testid='who'>
            {t('app.signedInAs', { user: session.info.id })}
            {session.info.roles.length > 0 && <span class='muted'> ({session.info.roles.map(r => roleLabel(t, r)).join(', ')})</span>}
          </span>
          <LangSwitch />
          <button type='button' class='link' onClick={() => { void session.logout() }}>{t('app.logout')}</button>
        </div>
      </header>
      <nav class='sidebar' aria-label='menu'>
        <ul>
          {items.map(item => (
            <li key={item.href}><a href={item.href} class={active(item.href) ? 'active' : undefined} aria-current={active(item.href) ? 'page' : undefined}>{t(item.label)}</a></li>
          ))}
        </ul>
      </nav>
      <main class='content'>{children}</main>
    </div>
  )
}
