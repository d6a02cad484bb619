import t from 'tap'
import { snapToList } from '../../appliance/src/extract/index.js'
import { knownLists } from '../../appliance/src/records/extraction.js'
import type { Unit } from '../../appliance/src/store/types.js'

const unit = (code: string, name: string, level: Unit['level'], extra: Partial<Unit> = {}): Unit => ({ code, name, level, parent: null, agencyCode: null, createdAt: '2020-01-01', ...extra })

t.test('readings snap to the one near entry, on the folded and the accented form', async t => {
  const known = knownLists([
    unit('64', 'Tỉnh Gia Lai', 'province'),
    unit('633', 'Huyện Chư Sê', 'district'),
    unit('632', 'Huyện Chư Prông', 'district'),
    unit('9002', 'Xã Ia Sao', 'commune'),
    unit('9003', 'Xã Ia Sol', 'commune'),
    unit('9001', 'Xã Ia Blang', 'commune', { formerNames: [{ name: 'Xã Ia Blăng Cũ', until: '2020-01-01' }] })
  ], [{ documentType: 'GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH' }, { documentType: 'GIẤY PHÉP XÂY DỰNG' }, { documentType: null }])
  t.same(snapToList('GIẤY CHÚNG NHẬN ĐĂNG KÝ HỘ KINH DOANH', known.documentTypes!), { value: 'GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH', distance: 1 })
  t.same(snapToList('GIẤY PHÉP XÂY DỤNG', known.documentTypes!), { value: 'GIẤY PHÉP XÂY DỰNG', distance: 1 })
  t.same(snapToList('ỦY BAN NHÂN DÂN HUYỆN CHƯ SẼ', known.issuers!), { value: 'ỦY BAN NHÂN DÂN HUYỆN CHƯ SÊ', distance: 1 })
  t.same(snapToList('UY BAN NHAN DAN HUYEN CHU SE', known.issuers!), { value: 'ỦY BAN NHÂN DÂN HUYỆN CHƯ SÊ', distance: 6 }, 'every mark lost')
  t.same(snapToList('ỦY BAN NHÂN DÂN XÃ IA BLĂNG CŨ', known.issuers!)?.value, 'ỦY BAN NHÂN DÂN XÃ IA BLĂNG CŨ', 'a former name is known')
  t.ok(known.issuers!.includes('SỞ KẾ HOẠCH VÀ ĐẦU TƯ TỈNH GIA LAI'), 'the province\'s departments')
  t.equal(snapToList('ỦY BAN NHÂN DÂN HUYỆN KRÔNG PA', known.issuers!), null, 'an unknown unit stays as read')
  t.equal(snapToList('ỦY BAN NHÂN DÂN HUYỆN CHƯ', known.issuers!), null, 'a cut reading is not completed')
  t.equal(snapToList('ỦY BAN NHÂN DÂN XÃ IA SOO', known.issuers!), null, 'equally near two units: not chosen')
  t.same(snapToList('ỦY BAN NHÂN DÂN XÃ IA SA0', known.issuers!)?.value, 'ỦY BAN NHÂN DÂN XÃ IA SAO', 'one letter, nearer one unit')
  t.same(snapToList('ỦY BAN NHÂN DÂN HUYỆN CHƯ SÊ', known.issuers!), { value: 'ỦY BAN NHÂN DÂN HUYỆN CHƯ SÊ', distance: 0 }, 'exact')
})
