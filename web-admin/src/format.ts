/** Numbers, sizes and dates the way Vietnamese (or English) readers expect them. */
import type { Lang } from './i18n/index.js'

const locale = (lang: Lang): string => (lang === 'vi' ? 'vi-VN' : 'en-GB')

export function fmtNumber (n: number, lang: Lang): string {
  return new Intl.NumberFormat(locale(lang)).format(n)
}

export function fmtBytes (n: number, lang: Lang): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let v = n
  let i = 0
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++ }
  return `${new Intl.NumberFormat(locale(lang), { maximumFractionDigits: v < 10 && i > 0 ? 1 : 0 }).format(v)} ${units[i]}`
}

export function fmtDateTime (iso: string | null | undefined, lang: Lang): string {
  if (!iso) return '–'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return new Intl.DateTimeFormat(locale(lang), { dateStyle: 'short', timeStyle: 'short' }).format(d)
}

export function fmtTime (iso: string, lang: Lang): string {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : new Intl.DateTimeFormat(locale(lang), { timeStyle: 'medium' }).format(d)
}

/** `YYYY-MM-DD` (how the API stores dates) shown as dd/mm/yyyy. */
export function fmtIsoDate (value: string | null | undefined): string {
  if (!value) return '–'
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  return m ? `${m[3]}/${m[2]}/${m[1]}` : value
}

export function shortId (id: string): string {
  return id.length > 12 ? `…${id.slice(-8)}` : id
}
