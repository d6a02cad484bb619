/** Hướng dẫn: the short operator guide (texts in the dictionaries, one line per step). */
import { useI18n, type MessageKey } from '../i18n/index.js'

const SECTIONS = ['scan', 'review', 'jam', 'dash'] as const

export function GuidePage () {
  const { t } = useI18n()
  return (
    <div class='page guide'>
      <h1>{t('guide.title')}</h1>
      <p>{t('guide.intro')}</p>
      {SECTIONS.map(s => (
        <section key={s} class='card'>
          <h2>{t(`guide.${s}.title` as MessageKey)}</h2>
          <ol>{t(`guide.${s}.steps` as MessageKey).split('\n').map((step, i) => <li key={i}>{step}</li>)}</ol>
          {s === 'scan' && <p class='small'>{t('guide.scan.tip')}</p>}
        </section>
      ))}
      <p class='notice info'>{t('guide.help')}</p>
    </div>
  )
}
