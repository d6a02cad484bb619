/**
 * Extraction: the key fields of an administrative document (type, number, issue date, issuer, summary, signer and
 * title, subject and personal ID, validity) read from the OCR words of a record's pages, for the reviewer to
 * confirm. It follows the layout NĐ 30/2020 prescribes (header columns, centred title, signature block bottom
 * right) using word positions as much as words, and tolerates OCR noise (lost accents, look-alike digits, split
 * lines). Every field carries a confidence, the boxes of the words it came from, and non-blocking warnings.
 * `checkPersonalId` is the structure check of a 12-digit personal ID, also used on values a reviewer types.
 */
export { extractFields } from './extract.js'
export { checkPersonalId, ID_PROVINCES, ID_WARNINGS } from './personal-id.js'
export { CONFIDENT, FIELD_NAMES, type ExtractedField, type ExtractedFields, type FieldBox, type FieldName, type KnownLists, type KnownListName, type Party, type PartiesField } from './types.js'
export { snapToList, POSITIONS } from './snap.js'
