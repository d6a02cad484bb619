/** The unit picker used by scans, separator sheets and search; the last unit used is offered first next time. */
import type { Unit } from '../types.js'
import { useEffect } from 'preact/hooks'

const KEY = 'sohoa.unit'

export function rememberUnit (code: string): void {
  try { if (code) localStorage.setItem(KEY, code) } catch { /* not remembered */ }
}

function lastUnit (): string {
  try { return localStorage.getItem(KEY) ?? '' } catch { return '' }
}

export function unitName (units: Unit[], code: string): string {
  const u = units.find(x => x.code === code)
  return u ? `${u.name} (${u.code})` : code
}

export function UnitSelect ({ units, value, onChange, required = false, anyLabel }: { units: Unit[], value: string, onChange: (code: string) => void, required?: boolean, anyLabel?: string }) {
  // Until the user picks one: the last unit used, or the first district of the catalogue.
  useEffect(() => {
    if (value !== '' || anyLabel !== undefined || units.length === 0) return
    const last = lastUnit()
    const pick = units.find(u => u.code === last) ?? units.find(u => u.level === 'district') ?? units[0]
    onChange(pick.code)
  }, [units, value, anyLabel, onChange])
  const levels = ['province', 'district', 'commune']
  const sorted = [...units].sort((a, b) => levels.indexOf(a.level) - levels.indexOf(b.level) || a.code.localeCompare(b.code))
  return (
    <select name='unit' value={value} required={required} onChange={e => onChange(e.currentTarget.value)}>
      {anyLabel !== undefined && <option value=''>{anyLabel}</option>}
      {sorted.map(u => <option key={u.code} value={u.code}>{u.code} – {u.name}</option>)}
    </select>
  )
}
