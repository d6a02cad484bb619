/**
 * Inert services, for building the API without a node: the OpenAPI document (`contractDocument` in index.ts) is
 * collected from the very routes a node registers, but no store, pipeline or scanner is opened for it. A route
 * group that reaches for a service while it registers gets a stand-in that answers nothing and does nothing; only
 * `version` and `config` are real (routes read settings such as the upload limit when they register).
 */
import type { Config } from '../config/index.js'
import type { Services } from './types.js'

/** A value that is any object, function or class, and whose every property, call and `new` is itself. */
function inert (): unknown {
  const stand: unknown = new Proxy(function () {}, {
    get: (_target, key) => key === 'then' ? undefined : key === Symbol.toPrimitive ? () => '' : stand,
    apply: () => stand,
    construct: () => stand as object
  })
  return stand
}

export function inertServices (version: string, config: Config): Services {
  const stand = inert()
  const known: Partial<Services> = { version, config }
  return new Proxy(known, {
    get: (target, key) => key === 'then' ? undefined : (key in target ? target[key as keyof Services] : stand)
  }) as Services
}
