/**
 * Names for the generated API types (schema.d.ts, made by firmware-scripts/gen-api-types.mjs from the route
 * schemas): the app's answer types are aliases of these, so a schema change the app does not follow fails `tsc`.
 */
import type { paths } from './schema.js'

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete'
type Responses<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]> extends { responses: infer R } ? R : never
type Json<R> = R extends { content: { 'application/json': infer T } } ? T : never

/** The JSON answer of `M P` with status `S` (200 unless said). */
export type Answer<P extends keyof paths, M extends Method = 'get', S extends number = 200> = Json<Responses<P, M>[S & keyof Responses<P, M>]>

/** The JSON body `M P` takes. */
export type Body<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]> extends { requestBody?: { content: { 'application/json': infer T } } } ? T : never

export type { components, operations, paths } from './schema.js'
