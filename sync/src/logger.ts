/** The little of a pino logger sync uses (the composition root passes the appliance's logger). */
export interface Logger {
  info: (obj: object, msg?: string) => void
  warn: (obj: object, msg?: string) => void
  error: (obj: object, msg?: string) => void
  debug: (obj: object, msg?: string) => void
  child: (bindings: Record<string, unknown>) => Logger
}

export const silentLogger: Logger = { info () {}, warn () {}, error () {}, debug () {}, child () { return silentLogger } }
