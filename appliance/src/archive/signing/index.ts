/**
 * Signing archived copies as "SAO Y" (NĐ 30/2020 Điều 25-26): the agency's certificate (a CA-issued PKCS#12, or a
 * self-signed test certificate made here when none is configured), and the PAdES signature of the archival PDF
 * with its visible block at the top right of page 1 and a verification QR code. Independent tools agree with the
 * result: poppler's `pdfsig` reports "Signature is Valid." (see tests/archive/signing.test.ts).
 */
export { createSelfSignedP12, readP12, type CertificateInfo, type SelfSignedOptions } from './certificates.js'
export { signSaoY, MIN_SIGNATURE_HEX, type SaoYOptions } from './sign.js'
export { TEST_NOTE } from './appearance.js'
