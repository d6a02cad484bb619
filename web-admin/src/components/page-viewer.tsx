/**
 * A page image for review: zoom, rotate, and the boxes of the selected field drawn over it. Boxes are in the pixel
 * space of the page's OCR image (`ocrSize`), so they are drawn in an SVG with that viewBox over the preview.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { useI18n } from '../i18n/index.js'
import type { FieldBox, PageView } from '../types.js'

const BASE_WIDTH = 620
const ZOOMS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3]

export function PageViewer ({ recordId, page, total, boxes, onPage }: {
  recordId: string
  page: PageView
  total: number
  boxes: FieldBox[]
  onPage: (n: number) => void
}) {
  const { t } = useI18n()
  const [zoomIndex, setZoomIndex] = useState(2)
  const [rotation, setRotation] = useState(0)
  const [failed, setFailed] = useState(false)
  const frame = useRef<HTMLDivElement>(null)
  useEffect(() => setFailed(false), [recordId, page.n])

  const size = page.ocrSize ?? { width: page.width, height: page.height }
  const zoom = ZOOMS[zoomIndex]
  const w = Math.round(BASE_WIDTH * zoom)
  const h = Math.round(w * (size.height / Math.max(1, size.width)))
  const turned = rotation % 180 !== 0
  const src = page.hasPreview === false ? null : `/api/v1/records/${recordId}/pages/${page.n}/preview`

  // Bring the selected field's first box into view (a field low on the page would otherwise stay hidden).
  useEffect(() => {
    const first = frame.current?.querySelector('rect.box')
    if (first && 'scrollIntoView' in first) (first as Element).scrollIntoView({ block: 'center', inline: 'center', behavior: 'smooth' })
  }, [boxes, zoomIndex, rotation])

  return (
    <div class='viewer'>
      <div class='viewer-tools' role='toolbar'>
        <button type='button' onClick={() => onPage(page.n - 1)} disabled={page.n <= 1} aria-label='‹'>‹</button>
        <span data-testid='page-of'>{t('review.pageOf', { n: page.n, total })}</span>
        <button type='button' onClick={() => onPage(page.n + 1)} disabled={page.n >= total} aria-label='›'>›</button>
        <span class='sep' />
        <button type='button' onClick={() => setZoomIndex(i => Math.max(0, i - 1))} disabled={zoomIndex === 0} title={t('review.zoomOut')}>−</button>
        <span class='small'>{Math.round(zoom * 100)}%</span>
        <button type='button' onClick={() => setZoomIndex(i => Math.min(ZOOMS.length - 1, i + 1))} disabled={zoomIndex === ZOOMS.length - 1} title={t('review.zoomIn')}>+</button>
        <button type='button' onClick={() => setZoomIndex(2)} title={t('review.fit')}>{t('review.fit')}</button>
        <button type='button' onClick={() => setRotation(r => (r + 90) % 360)} title={t('review.rotate')} data-testid='rotate'>⟳ {t('review.rotate')}</button>
      </div>
      <div class='viewer-frame' ref={frame}>
        <div class='viewer-turn' style={{ width: `${turned ? h : w}px`, height: `${turned ? w : h}px` }}>
          <div class='viewer-stage' data-rotation={rotation} style={{ width: `${w}px`, height: `${h}px`, transform: `translate(-50%, -50%) rotate(${rotation}deg)` }}>
            {src !== null && !failed
              ? <img src={src} alt={t('review.pageOf', { n: page.n, total })} width={w} height={h} onError={() => setFailed(true)} draggable={false} />
              : <p class='muted no-preview'>{t('review.noPreview')}</p>}
            <svg class='boxes' viewBox={`0 0 ${size.width} ${size.height}`} preserveAspectRatio='none' aria-hidden='true'>
              {boxes.map((b, i) => <rect key={i} class='box' x={b.x0} y={b.y0} width={Math.max(1, b.x1 - b.x0)} height={Math.max(1, b.y1 - b.y0)} />)}
            </svg>
          </div>
        </div>
      </div>
    </div>
  )
}
