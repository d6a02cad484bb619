import t, { type Test } from 'tap'
import { planStack, segmentStack, type SeparatorInfo, type StackPage, type StackPlan } from '../../appliance/src/separator/index.js'

const A: SeparatorInfo = { unit: '622', box: '3', file: '12' }
const B: SeparatorInfo = { unit: '622', box: '3', file: '13' }
const C: SeparatorInfo = { unit: '622', box: '3', file: '14' }

/** Pages from a short notation: `S:A` separator A, `b` blank, anything else a content page; ids are p1, p2, … */
function stack (...kinds: Array<string | SeparatorInfo>): StackPage[] {
  return kinds.map((k, i) => ({
    id: `p${i + 1}`,
    separator: typeof k === 'object' ? k : null,
    blank: k === 'b'
  }))
}

/** Every page lands exactly once in the plan. */
function accounted (t: Test, pages: StackPage[], plan: StackPlan): void {
  const ids = [
    ...plan.records.flatMap(r => [...r.pageIds, ...r.blankPageIds, ...(r.separatorPageId ? [r.separatorPageId] : [])]),
    ...plan.emptySeparators.flatMap(e => [e.separatorPageId, ...e.blankPageIds]),
    ...plan.looseBlankPageIds
  ]
  t.same(ids.slice().sort(), pages.map(p => p.id).sort(), 'every page once')
  for (const r of plan.records) t.ok(r.pageIds.length > 0, 'no empty record')
}

t.test('a separator starts a record and is not part of it', async t => {
  const pages = stack(A, 'x', 'x', B, 'x')
  const plan = planStack(pages)
  accounted(t, pages, plan)
  t.same(plan.records, [
    { separator: A, pageIds: ['p2', 'p3'], blankPageIds: [], separatorPageId: 'p1' },
    { separator: B, pageIds: ['p5'], blankPageIds: [], separatorPageId: 'p4' }
  ])
  t.same(segmentStack(pages), plan.records)
})

t.test('duplex: blank backs stay out of records, listed in the record they fall in', async t => {
  // sheet A + its blank back, a 2-page record with both backs blank, sheet B + back, a 1-page record printed both sides
  const pages = stack(A, 'b', 'x', 'b', 'x', 'b', B, 'b', 'x', 'x')
  const plan = planStack(pages)
  accounted(t, pages, plan)
  t.same(plan.records, [
    { separator: A, pageIds: ['p3', 'p5'], blankPageIds: ['p2', 'p4', 'p6'], separatorPageId: 'p1' },
    { separator: B, pageIds: ['p9', 'p10'], blankPageIds: ['p8'], separatorPageId: 'p7' }
  ])
})

t.test('pages before the first separator form a record without one', async t => {
  const pages = stack('x', 'b', 'x', A, 'x')
  const plan = planStack(pages)
  accounted(t, pages, plan)
  t.same(plan.records, [
    { separator: null, pageIds: ['p1', 'p3'], blankPageIds: ['p2'] },
    { separator: A, pageIds: ['p5'], blankPageIds: [], separatorPageId: 'p4' }
  ])
  t.notOk('separatorPageId' in plan.records[0], 'no separator page on the leading record')
  // Only blanks before the first separator: no leading record, the blanks are loose.
  const lead = stack('b', 'b', A, 'x')
  const leadPlan = planStack(lead)
  accounted(t, lead, leadPlan)
  t.equal(leadPlan.records.length, 1)
  t.same(leadPlan.looseBlankPageIds, ['p1', 'p2'])
  // No separator at all: the whole stack is one record.
  t.same(segmentStack(stack('x', 'x', 'b')), [{ separator: null, pageIds: ['p1', 'p2'], blankPageIds: ['p3'] }])
})

t.test('two separators in a row: the empty record is skipped, its sheet reported', async t => {
  const pages = stack(A, B, 'x', C, 'b', A, 'x')
  const plan = planStack(pages)
  accounted(t, pages, plan)
  t.same(plan.records, [
    { separator: B, pageIds: ['p3'], blankPageIds: [], separatorPageId: 'p2' },
    { separator: A, pageIds: ['p7'], blankPageIds: [], separatorPageId: 'p6' }
  ])
  t.same(plan.emptySeparators, [
    { separator: A, separatorPageId: 'p1', blankPageIds: [] },
    { separator: C, separatorPageId: 'p4', blankPageIds: ['p5'] } // a sheet followed only by its blank back
  ])
  // A separator at the very end of the stack.
  const tail = stack('x', A)
  const tailPlan = planStack(tail)
  accounted(t, tail, tailPlan)
  t.same(tailPlan.records, [{ separator: null, pageIds: ['p1'], blankPageIds: [] }])
  t.same(tailPlan.emptySeparators, [{ separator: A, separatorPageId: 'p2', blankPageIds: [] }])
})

t.test('stacks that make nothing', async t => {
  t.same(segmentStack([]), [])
  const blanks = stack('b', 'b', 'b')
  const plan = planStack(blanks)
  accounted(t, blanks, plan)
  t.same(plan.records, [])
  t.same(plan.emptySeparators, [])
  t.same(plan.looseBlankPageIds, ['p1', 'p2', 'p3'])
  t.same(segmentStack(stack(A, 'b', B)), [])
})

t.test('a page given twice is a caller bug', async t => {
  t.throws(() => segmentStack([{ id: 'p1', separator: null, blank: false }, { id: 'p1', separator: null, blank: false }]), RangeError)
})

t.test('a separator page is a separator even if it also looked blank', async t => {
  const plan = planStack([{ id: 's', separator: A, blank: true }, { id: 'x', separator: null, blank: false }])
  t.same(plan.records, [{ separator: A, pageIds: ['x'], blankPageIds: [], separatorPageId: 's' }])
})
