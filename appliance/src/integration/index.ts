/**
 * Integration with the systems that reuse digitized results (issue 7): the one-stop system and the portals look
 * results up by personal ID or document number (our JSON form, and the national citizen data store's form), get
 * signed, expiring links to the signed PDFs, and every such lookup is kept in an audit trail an auditor reads;
 * the outbox tells the portals of every archived result and validity change.
 *
 * ```ts
 * const links = FileLinkSigner.fromNodeKey(archive.key, () => publicUrlOf(config, address), config.linkTtlSeconds)
 * const integration: IntegrationServices = { links, lookup: new ResultLookup({ store, search, links }), audit: new LookupAudit({ store: store.audit, tokens: auth }) }
 * ```
 * The HTTP routes are in `api/routes/integration.ts`.
 */
import type { LookupAudit } from './audit.js'
import type { ResultLookup } from './lookup.js'
import type { FileLinkSigner } from './signed-url.js'

export { FileLinkSigner, FILE_LINK_PATH, DEFAULT_LINK_TTL_SECONDS, type SignedLink, type LinkedFile } from './signed-url.js'
export { ResultLookup, MAX_LOOKUP_RESULTS, type LookupQuery, type LookupCriterion, type LookupResult, type LookupFile, type ServableFile } from './lookup.js'
export { LookupAudit, DEFAULT_AUDIT_PAGE, MAX_AUDIT_PAGE, type AuditInput, type AuditFilter, type AuditPage, type LookupEndpoint, type TokenNames } from './audit.js'
export {
  toNationalDate, fromNationalDate, fromNationalRequest, toNationalResult, toNationalAnswer, toNationalError,
  type NationalLookupRequest, type NationalLookupAnswer, type NationalResult, type NationalAttachment, type NationalErrorAnswer,
  type NationalLookup, type NationalRequester
} from './national-lookup.js'
export { namesPersonalId, matchedPerson, personalIdOf } from './person-query.js'
// The outbox: archive changes delivered to the portals in the national sync shape (the archive log is its queue).
export * from './outbox/index.js'

/** What the HTTP layer gets (Services.integration). */
export interface IntegrationServices {
  links: FileLinkSigner
  lookup: ResultLookup
  audit: LookupAudit
}
