/**
 * Kết nối liên thông (admin): the outbox that sends archived results to the one-stop system and the portals, per
 * target (pending, delivered, the attempt under way and its last error), the dead letters with Retry and Discard
 * (a discard needs a reason: it is kept in the history), and how the calling systems get their tokens.
 */
import { useState } from 'preact/hooks'
import { call, get, post } from '../api.js'
import { Badge, ErrorBox, Loading, Notice } from '../components/ui.js'
import { fmtDateTime, fmtNumber, shortId } from '../format.js'
import { useAction, useInterval, useLoad } from '../hooks.js'
import { useI18n, type MessageKey } from '../i18n/index.js'
import type { DeadLetterView, OutboxTargetView } from '../types.js'
import { isUnavailable, LoadProblem } from './unavailable.js'

const REFRESH_MS = 10_000

export function IntegrationPage () {
  const { t } = useI18n()
  const outbox = useLoad(async () => await get<{ targets: OutboxTargetView[] }>('/integration/outbox'), [])
  // Open dead letters (waiting, or sent back and not delivered yet) by default; the whole history on demand.
  const [history, setHistory] = useState(false)
  const dead = useLoad(async () => await get<{ deadLetters: DeadLetterView[] }>(`/integration/outbox/dead-letters${history ? '?state=all' : ''}`), [history])
  useInterval(() => { if (!isUnavailable(outbox.error)) { outbox.reload(); dead.reload() } }, REFRESH_MS)
  const reloadBoth = (): void => { outbox.reload(); dead.reload() }
  const targets = outbox.data?.targets
  return (
    <div class='page integration'>
      <h1>{t('integration.title')}</h1>
      <p class='small muted'>{t('integration.intro')}</p>
      <h2>{t('integration.outbox')}</h2>
      <LoadProblem error={outbox.error} onRetry={outbox.reload} testId='outbox' />
      {targets === undefined && outbox.loading && <Loading />}
      {targets !== undefined && (targets.length === 0
        ? <Notice><span data-testid='outbox-none'>{t('integration.noTargets')}</span></Notice>
        : <Targets targets={targets} />)}
      {!isUnavailable(outbox.error) && (
        <>
          <h2>{t('integration.deadLetters')}</h2>
          <label class='inline'><input type='checkbox' name='history' checked={history} onChange={e => setHistory(e.currentTarget.checked)} /> {t('integration.history')}</label>
          <LoadProblem error={dead.error} onRetry={dead.reload} testId='dead-letters' />
          {dead.data === undefined && dead.loading && <Loading />}
          {dead.data && <DeadLetters letters={dead.data.deadLetters} onChange={reloadBoth} />}
        </>
      )}
      <TokenHelp />
    </div>
  )
}

function Targets ({ targets }: { targets: OutboxTargetView[] }) {
  const { t, lang } = useI18n()
  const n = (v: number): string => fmtNumber(v, lang)
  return (
    <table class='list outbox-table' data-testid='outbox-targets'>
      <thead>
        <tr>
          <th scope='col'>{t('integration.target')}</th>
          <th class='num' scope='col'>{t('integration.pending')}</th>
          <th class='num' scope='col'>{t('integration.delivered')}</th>
          <th scope='col'>{t('integration.lastDelivered')}</th>
          <th scope='col'>{t('integration.current')}</th>
          <th class='num' scope='col'>{t('integration.deadCount')}</th>
        </tr>
      </thead>
      <tbody>
        {targets.map(x => (
          <tr key={x.name} data-target={x.name} class={x.deadLetters > 0 || x.current?.lastError ? 'attention' : undefined}>
            <th scope='row'>{x.name}<div class='small muted'><code>{x.url}</code></div></th>
            <td class='num' data-col='pending'>{n(x.pending)}</td>
            <td class='num' data-col='delivered'>{n(x.delivered)}</td>
            <td>{x.lastDeliveredAt ? fmtDateTime(x.lastDeliveredAt, lang) : t('sync.never')}</td>
            <td data-col='current'>
              {x.current
                ? (
                  <>
                    {t('integration.attempt', { seq: x.current.seq, attempts: x.current.attempts })}
                    {x.current.nextAttemptAt && <div class='small muted'>{t('integration.nextAttempt', { at: fmtDateTime(x.current.nextAttemptAt, lang) })}</div>}
                    {x.current.lastError && <div class='small bad' data-col='lastError'>{t('integration.lastError', { error: x.current.lastError })}</div>}
                  </>
                  )
                : <span class='muted'>{x.pending > 0 ? t('integration.waiting') : t('integration.idle')}</span>}
            </td>
            <td class='num' data-col='deadLetters'>
              {x.deadLetters > 0 ? <Badge kind='bad'>{n(x.deadLetters)}</Badge> : n(0)}
              {(x.retrying ?? 0) > 0 && <div class='small muted'>{t('integration.retryingCount', { n: n(x.retrying ?? 0) })}</div>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function DeadLetters ({ letters, onChange }: { letters: DeadLetterView[], onChange: () => void }) {
  const { t, lang } = useI18n()
  const action = useAction()
  const [discarding, setDiscarding] = useState<string | null>(null)
  const [reason, setReason] = useState('')
  const retry = (d: DeadLetterView): void => {
    void action.run(async () => {
      await post(`/integration/outbox/dead-letters/${encodeURIComponent(d.id)}/retry`)
      onChange()
      return t('integration.retried', { seq: d.seq })
    })
  }
  const discard = (e: Event, d: DeadLetterView): void => {
    e.preventDefault()
    void action.run(async () => {
      await call('DELETE', `/integration/outbox/dead-letters/${encodeURIComponent(d.id)}`, { body: { reason: reason.trim() } })
      setDiscarding(null)
      setReason('')
      onChange()
      return t('integration.discarded', { seq: d.seq })
    })
  }
  /** A dead letter waiting for an admin gets Retry and Discard (with its reason); the others show their state. */
  const actionsOf = (d: DeadLetterView) => {
    const state = d.state ?? 'dead'
    if (state !== 'dead') {
      return (
        <>
          <Badge kind={state === 'discarded' ? 'bad' : state === 'delivered' ? 'ok' : 'busy'}>{t(`integration.state.${state}` as MessageKey)}</Badge>
          {d.discarded && <div class='small muted'>{t('integration.discardedBy', { by: d.discarded.by, at: fmtDateTime(d.discarded.at, lang), reason: d.discarded.reason })}</div>}
        </>
      )
    }
    if (discarding !== d.id) {
      return (
        <div class='actions'>
          <button type='button' class='small' disabled={action.busy} onClick={() => retry(d)}>{t('integration.retry')}</button>
          <button type='button' class='small' disabled={action.busy} onClick={() => { action.clear(); setReason(''); setDiscarding(d.id) }}>{t('integration.discard')}</button>
        </div>
      )
    }
    return (
      <form class='discard-form' onSubmit={e => discard(e, d)}>
        <label>{t('integration.discardReason')}
          <textarea name='reason' required minLength={3} maxLength={500} rows={2} value={reason} onInput={e => setReason(e.currentTarget.value)} />
        </label>
        <div class='actions'>
          <button type='submit' class='primary' disabled={action.busy || reason.trim().length < 3}>{t('integration.discardConfirm')}</button>
          <button type='button' onClick={() => { setDiscarding(null); setReason('') }}>{t('app.cancel')}</button>
        </div>
      </form>
    )
  }
  return (
    <>
      {letters.length === 0 && <p class='muted' data-testid='dead-letters-none'>{t('integration.noDeadLetters')}</p>}
      {letters.length > 0 && (
        <table class='list' data-testid='dead-letters'>
          <thead>
            <tr>
              <th scope='col'>{t('integration.target')}</th>
              <th scope='col'>{t('integration.entry')}</th>
              <th scope='col'>{t('integration.record')}</th>
              <th class='num' scope='col'>{t('integration.attempts')}</th>
              <th scope='col'>{t('integration.when')}</th>
              <th scope='col'>{t('integration.error')}</th>
              <th scope='col' />
            </tr>
          </thead>
          <tbody>
            {letters.map(d => (
              <tr key={d.id} data-dead-letter={d.id} data-state={d.state ?? 'dead'}>
                <td>{d.target}</td>
                <td>#{d.seq}<div class='small muted'>{d.type}</div></td>
                <td>{d.recordId ? <a href={`/ho-so/${d.recordId}`}>{shortId(d.recordId)}</a> : '–'}</td>
                <td class='num'>{fmtNumber(d.attempts, lang)}</td>
                <td class='small'>{fmtDateTime(d.firstAttemptAt, lang)} → {fmtDateTime(d.lastAttemptAt, lang)}</td>
                <td class='small' data-col='lastError'>
                  {d.heldBehind !== undefined
                    ? <span class='warn-text'>{t('integration.heldBehind', { seq: d.heldBehind })}</span>
                    : <span class={d.state === 'delivered' || d.state === 'discarded' ? 'muted' : 'bad'}>{d.lastError}</span>}
                </td>
                <td>{actionsOf(d)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ErrorBox error={action.error} />
      {action.done && <Notice kind='ok'><span data-testid='dead-letter-done'>{action.done}</span></Notice>}
    </>
  )
}

function TokenHelp () {
  const { t } = useI18n()
  return (
    <section class='card help' data-testid='integration-help'>
      <h2>{t('integration.help.title')}</h2>
      <ol>
        {t('integration.help.steps').split('\n').map(line => <li key={line}>{line}</li>)}
      </ol>
      <p><a href='/nguoi-dung'>{t('integration.help.users')}</a></p>
    </section>
  )
}
