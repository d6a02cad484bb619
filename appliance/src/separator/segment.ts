/**
 * Cutting a scanned stack into records, as a pure function of what was detected on each page.
 * - A separator page starts a new record and is not part of it (its id is kept as `separatorPageId`).
 * - Blank pages (duplex backs) never become record pages: they are listed in `blankPageIds` of the record they
 *   fall in.
 * - Pages before the first separator form a record with separator null, if any of them is not blank.
 * - A separator followed by no content page (two separators in a row, or a separator and only its blank back)
 *   makes no record; it is reported in `emptySeparators` with the blank pages that fell behind it.
 * - Blank pages that fall in no record (a stack of only blanks, blanks before the first separator with no content)
 *   are reported in `looseBlankPageIds`.
 * Every input page id appears exactly once in the plan.
 */
import type { SeparatorInfo } from './payload.js'

export interface StackPage {
  id: string
  separator: SeparatorInfo | null
  blank: boolean
}

export interface StackSegment {
  /** The sheet that opened this record; null for the pages before the first sheet. */
  separator: SeparatorInfo | null
  /** The record's pages, in stack order. Never empty. */
  pageIds: string[]
  /** Blank pages between this record's first and last page or right after it, in stack order. */
  blankPageIds: string[]
  separatorPageId?: string
}

export interface EmptySeparator {
  separator: SeparatorInfo
  separatorPageId: string
  blankPageIds: string[]
}

export interface StackPlan {
  records: StackSegment[]
  emptySeparators: EmptySeparator[]
  looseBlankPageIds: string[]
}

/** The records a stack makes (see `planStack` for the sheets that made none). */
export function segmentStack (pages: StackPage[]): StackSegment[] {
  return planStack(pages).records
}

/** The whole cut: records, separators that opened no record, blank pages outside every record. */
export function planStack (pages: StackPage[]): StackPlan {
  const plan: StackPlan = { records: [], emptySeparators: [], looseBlankPageIds: [] }
  const seen = new Set<string>()
  let open: StackSegment = { separator: null, pageIds: [], blankPageIds: [] }

  const close = (): void => {
    if (open.pageIds.length > 0) plan.records.push(open)
    else if (open.separator !== null && open.separatorPageId !== undefined) {
      plan.emptySeparators.push({ separator: open.separator, separatorPageId: open.separatorPageId, blankPageIds: open.blankPageIds })
    } else plan.looseBlankPageIds.push(...open.blankPageIds)
  }

  for (const page of pages) {
    if (seen.has(page.id)) throw new RangeError(`page ${page.id} appears twice in the stack`)
    seen.add(page.id)
    if (page.separator !== null) {
      close()
      open = { separator: page.separator, pageIds: [], blankPageIds: [], separatorPageId: page.id }
    } else if (page.blank) {
      open.blankPageIds.push(page.id)
    } else {
      open.pageIds.push(page.id)
    }
  }
  close()
  return plan
}
