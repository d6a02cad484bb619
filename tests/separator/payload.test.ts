import t from 'tap'
import { encodeSeparator, parseSeparator, sameSeparator, separatorProblem, type SeparatorInfo } from '../../appliance/src/separator/index.js'
import { SHEETS } from './helpers.js'

t.test('the text of a sheet: compact, fixed order, escaped values', async t => {
  t.equal(
    encodeSeparator({ unit: '622', dossierCode: '000.00.21.H21-230505-0001', procedureCode: '1.003560', resultTypeCode: 'KQ.G15.000031', box: '3', file: '12' }),
    'SOHOA1|u=622|d=000.00.21.H21-230505-0001|p=1.003560|k=KQ.G15.000031|b=3|f=12'
  )
  // Field order in the object does not matter; absent and null fields are left out.
  t.equal(encodeSeparator({ file: '1', box: '7', unit: '628', dossierCode: null }), 'SOHOA1|u=628|b=7|f=1')
  t.equal(encodeSeparator({ unit: '622', box: '12/2015', file: 'A 3' }), 'SOHOA1|u=622|b=12%2F2015|f=A%203')
  t.equal(encodeSeparator({ unit: '622', inventoryFileId: 'if_01JDZK8Q4W7XPN3M5R2T6V9B' }), 'SOHOA1|u=622|i=if_01JDZK8Q4W7XPN3M5R2T6V9B')
})

t.test('every sheet survives the round trip', async t => {
  for (const info of SHEETS) {
    const text = encodeSeparator(info)
    const back = parseSeparator(text)
    t.same(back, info, text)
    t.ok(back && sameSeparator(back, info))
  }
  t.ok(sameSeparator({ unit: '1', box: null }, { unit: '1' }), 'null and absent are the same')
  t.notOk(sameSeparator({ unit: '1', box: '2' }, { unit: '1', box: '3' }))
})

t.test('invalid sheets are refused with the field named', async t => {
  const bad: Array<[unknown, RegExp]> = [
    [{}, /unit is required/],
    [{ unit: '' }, /unit/],
    [{ unit: '622', dossierCode: '000.00.21.H21-23050-0001' }, /dossierCode/],
    [{ unit: '622', dossierCode: 'abc' }, /dossierCode/],
    [{ unit: '622', procedureCode: '1.003560|x' }, /procedureCode/],
    [{ unit: '622', box: ' 3' }, /box/],
    [{ unit: '622', file: 'x'.repeat(21) }, /file/],
    [{ unit: '622', resultTypeCode: 'KQ G15' }, /resultTypeCode/],
    [{ unit: '622', inventoryFileId: 'if/1' }, /inventoryFileId/],
    [{ unit: '622', box: 3 }, /box/],
    [{ unit: '622', colour: 'red' }, /unknown field colour/],
    [{ unit: 'Pleiku city' }, /unit/]
  ]
  for (const [info, message] of bad) {
    t.throws(() => encodeSeparator(info as SeparatorInfo), { name: 'RangeError', message }, JSON.stringify(info))
    t.match(separatorProblem(info as SeparatorInfo), message)
  }
  t.equal(separatorProblem(SHEETS[1]), null)
})

t.test('parsing accepts only the canonical text', async t => {
  const good = 'SOHOA1|u=622|d=000.00.21.H21-230505-0001|p=1.003560|k=KQ.G15.000031|b=3|f=12'
  t.ok(parseSeparator(good))
  const refused = [
    '', 'SOHOA1', 'SOHOA1|', 'sohoa1|u=622', 'SOHOA2|u=622', 'SOHOA|u=622', 'XSOHOA1|u=622', ' SOHOA1|u=622', 'SOHOA1|u=622 ',
    'SOHOA1|u=622|', // empty field
    'SOHOA1|b=3|u=622', // order
    'SOHOA1|u=622|b=3|b=4', // duplicate
    'SOHOA1|u=622|x=1', // unknown key
    'SOHOA1|u=622|b', // no value
    'SOHOA1|u=622|=3',
    'SOHOA1|u=622|b=', // empty value
    'SOHOA1|u=622|b=%33', // needless escape of '3'
    'SOHOA1|u=622|b=%E0%A4%A', // broken escape
    'SOHOA1|u=622|b=12/2015', // unescaped slash
    'SOHOA1|u=622|b=%7C', // an escaped '|' is not a valid box either
    'SOHOA1|d=000.00.21.H21-230505-0001', // no unit
    'SOHOA1|u=622|d=000.00.21.H21-230505-0001|d=000.00.21.H21-230505-0001',
    'https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html?ma=000.00.21.H21-230505-0001',
    'SOHOA1|u=622|b=3'.repeat(80)
  ]
  for (const text of refused) t.equal(parseSeparator(text), null, JSON.stringify(text))
  t.equal(parseSeparator(undefined as unknown as string), null)
})
