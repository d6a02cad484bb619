/**
 * How the newer pages answer a route that is not there or not theirs: a 404 means this node has no such feature
 * (an older build, or the feature is not switched on) and is said plainly; a 403 is the "no permission" notice;
 * anything else is the API's own error.
 */
import { ApiError } from '../api.js'
import { ErrorBox, Notice } from '../components/ui.js'
import { useI18n } from '../i18n/index.js'

export function isUnavailable (error: ApiError | null): boolean {
  return error !== null && error.status === 404
}

export function LoadProblem ({ error, onRetry, testId }: { error: ApiError | null, onRetry?: () => void, testId: string }) {
  const { t } = useI18n()
  if (error === null) return null
  if (error.status === 404) return <Notice kind='info'><p data-testid={`${testId}-unavailable`}>{t('app.unavailable')}</p></Notice>
  if (error.status === 403) return <Notice kind='warn'><p data-testid={`${testId}-forbidden`}>{t('app.forbiddenApi')}</p></Notice>
  return <ErrorBox error={error} onRetry={onRetry} />
}
