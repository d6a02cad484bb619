/**
 * The archive: approved records become signed "SAO Y" PDF/A copies whose files a signed, hash-chained log vouches
 * for; validity and retention are managed over the years; anyone can verify a copy; `sohoa verify` and the weekly
 * fixity check find any byte changed on disk. Sub-modules: `pdf` (the PDF/A), `signing` (certificates, PAdES),
 * `log` (the chain, the node key, verification), `package` (E-ARK-style archival packages).
 */
export { Archiver, describeArchived, describeDeleted, pdfFilename, type ArchiverOptions } from './archiver.js'
export { ArchiveLifecycle, vietnamToday, type ValidityAction } from './lifecycle.js'
export { loadSigningIdentity, type SigningIdentity } from './identity.js'
export { openArchive, closeArchive, agencyNameOf, publicUrlOf, type ArchiveServices } from './setup.js'
// The signed log is public: replication, the outbox, signed links and `sohoa verify` read it.
export * from './log/index.js'
export { buildPackage, packageInputOf } from './package/index.js'
