/** Who is signed in (from GET /api/v1/session) and what the UI may offer them; the server checks anyway. */
import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import type { Permission, SessionInfo } from './types.js'

export interface Session {
  info: SessionInfo
  can: (p: Permission) => boolean
  logout: () => Promise<void>
}

export const SessionContext = createContext<Session | null>(null)

export function useSession (): Session {
  const s = useContext(SessionContext)
  if (s === null) throw new Error('useSession outside a signed-in page')
  return s
}

export function sessionOf (info: SessionInfo, logout: () => Promise<void>): Session {
  const perms = new Set(info.permissions)
  return { info, can: p => perms.has(p), logout }
}
