/**
 * Translations: Vietnamese first, English by a switch that is remembered in the browser. One dictionary file per
 * language (vi.ts is the reference; en.ts must have every key). `t(key, {name: value})` fills `{name}`.
 */
import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import { en } from './en.js'
import { vi, type MessageKey } from './vi.js'

export type Lang = 'vi' | 'en'
export type { MessageKey }
export type Params = Record<string, string | number>
export type T = (key: MessageKey, params?: Params) => string

const DICTIONARIES: Record<Lang, Record<MessageKey, string>> = { vi, en }
const STORAGE_KEY = 'sohoa.lang'

export function initialLang (): Lang {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'vi'
  } catch {
    return 'vi'
  }
}

export function rememberLang (lang: Lang): void {
  try { localStorage.setItem(STORAGE_KEY, lang) } catch { /* private mode: the switch lasts for this page */ }
  document.documentElement.lang = lang
}

export function translator (lang: Lang): T {
  const dict = DICTIONARIES[lang]
  return (key, params) => {
    const text = dict[key] ?? vi[key] ?? key
    return params === undefined ? text : text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m))
  }
}

export interface I18n { lang: Lang, t: T, setLang: (lang: Lang) => void }

export const I18nContext = createContext<I18n>({ lang: 'vi', t: translator('vi'), setLang: () => {} })

export function useI18n (): I18n {
  return useContext(I18nContext)
}
