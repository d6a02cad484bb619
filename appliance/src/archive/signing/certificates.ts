/**
 * The agency's signing certificate: reading a PKCS#12 file (the government CA's, or any CA's), and making a
 * self-signed test certificate when none is configured.
 *
 * node-forge opens the PKCS#12 container (PBES2/AES from OpenSSL 3 and the legacy 3DES/RC2 ones); node:crypto
 * then reads the certificates and the key, so that RSA and EC keys both work (forge parses neither EC keys nor EC
 * certificates, but hands over their DER). The certificates' DER bytes are taken as stored, never re-encoded:
 * forge re-encodes UTF-8 names wrongly (tech-notes §7, pitfall 2).
 */
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, X509Certificate, type KeyObject } from 'node:crypto'
import forge from 'node-forge'
import { AppError } from '../../errors/index.js'

export interface CertificateInfo {
  /** The certificate's common name (or organisation when it has no CN), as a person would read it. */
  subjectName: string
  /** Full subject DN, RFC 4514 order (`CN=…, O=…, C=VN`). */
  subject: string
  /** Full issuer DN, same form. */
  issuerName: string
  notBefore: Date
  notAfter: Date
  /** SHA-256 of the certificate's DER, upper-case hex with colons (as browsers and openssl show it). */
  fingerprintSha256: string
  serialNumber: string
  selfSigned: boolean
  keyType: 'rsa' | 'ec'
  /** Certificates besides the signer's in the file (the CA chain). */
  chainLength: number
}

/** What signing needs from the file. */
export interface KeyMaterial {
  key: KeyObject
  /** The signer's certificate first, then the rest of the file's certificates (its CA chain). */
  certificates: Buffer[]
  info: CertificateInfo
}

const TEST_MARK = 'CHỨNG THƯ THỬ NGHIỆM - TEST CERTIFICATE'

function der (asn1: forge.asn1.Asn1): Buffer {
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary')
}

function nameOf (dn: string): string {
  // Node gives one attribute per line, most significant first, with RFC 4514 escaping already applied.
  return dn.split('\n').reverse().join(', ')
}

function plainAttribute (x: X509Certificate, key: 'CN' | 'O'): string | null {
  const v = (x.toLegacyObject().subject as Record<string, string | string[] | undefined>)[key]
  return Array.isArray(v) ? (v[0] ?? null) : (v ?? null)
}

function describe (cert: X509Certificate, key: KeyObject, chainLength: number): CertificateInfo {
  return {
    subjectName: plainAttribute(cert, 'CN') ?? plainAttribute(cert, 'O') ?? nameOf(cert.subject),
    subject: nameOf(cert.subject),
    issuerName: nameOf(cert.issuer),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    fingerprintSha256: cert.fingerprint256,
    serialNumber: cert.serialNumber,
    // checkIssued() would say no: our certificate's keyUsage rightly lacks keyCertSign.
    selfSigned: cert.subject === cert.issuer && cert.verify(cert.publicKey),
    keyType: key.asymmetricKeyType === 'ec' ? 'ec' : 'rsa',
    chainLength
  }
}

type Bag = forge.pkcs12.Bag & { asn1?: forge.asn1.Asn1 }

// Opening a PKCS#12 file costs 40-80 ms (forge derives the keys in JavaScript); the archive opens the same one for
// every record. Keyed by digests, so neither the file nor the passphrase is kept twice.
const opened = new Map<string, KeyMaterial>()
const MAX_OPENED = 4

/** Opens a PKCS#12 file: the private key, the certificate that belongs to it, and the chain (cached). */
export function openP12 (p12: Uint8Array, passphrase: string): KeyMaterial {
  if (!(p12 instanceof Uint8Array) || typeof passphrase !== 'string') throw new AppError('CERT_INVALID', { reason: 'not a PKCS#12 file' })
  const id = createHash('sha256').update(p12).update('\u0000').update(passphrase, 'utf8').digest('hex')
  const hit = opened.get(id)
  if (hit) return hit
  const material = parseP12(p12, passphrase)
  if (opened.size >= MAX_OPENED) opened.delete(opened.keys().next().value!)
  opened.set(id, material)
  return material
}

interface Pbe { getCipherForPBES2: (oid: string, params: unknown, password: string) => unknown }

/**
 * Runs forge with the passphrase of PBES2 (AES) bags encoded as UTF-8, as PKCS#12 v1.1 (RFC 7292 B.1) and OpenSSL
 * do; forge would feed PBKDF2 the UTF-16 code units truncated to bytes, so a passphrase with Vietnamese letters
 * would never open a file OpenSSL wrote. Only for the duration of the (synchronous) call.
 */
function withUtf8Pbes2<T> (fn: () => T): T {
  const pbe = (forge.pki as unknown as { pbe: Pbe }).pbe
  const original = pbe.getCipherForPBES2
  pbe.getCipherForPBES2 = (oid, params, password) => original(oid, params, forge.util.encodeUtf8(password))
  try {
    return fn()
  } finally {
    pbe.getCipherForPBES2 = original
  }
}

function parseContainer (p12: Uint8Array, passphrase: string): forge.pkcs12.Pkcs12Pfx {
  let asn1: forge.asn1.Asn1
  try {
    asn1 = forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(p12).toString('binary')))
  } catch (err) {
    throw new AppError('CERT_INVALID', { reason: 'not a PKCS#12 file' }, err)
  }
  const open = (): forge.pkcs12.Pkcs12Pfx => forge.pkcs12.pkcs12FromAsn1(asn1, false, passphrase)
  try {
    try {
      return withUtf8Pbes2(open)
    } catch (err) {
      // A file forge itself wrote with a non-ASCII passphrase used forge's own encoding: try that too.
      if (/^[\x00-\x7f]*$/.test(passphrase) || !/decrypt/i.test((err as Error).message ?? '')) throw err
      return open()
    }
  } catch (err) {
    const message = (err as Error).message ?? ''
    if (/MAC could not be verified|Invalid password|decrypt/i.test(message)) throw new AppError('CERT_PASSWORD', undefined, err)
    throw new AppError('CERT_INVALID', { reason: 'not a PKCS#12 file' }, err)
  }
}

function parseP12 (p12: Uint8Array, passphrase: string): KeyMaterial {
  const container = parseContainer(p12, passphrase)
  const bags = (type: string): Bag[] => (container.getBags({ bagType: type })[type] ?? []) as Bag[]
  const keyBag = [...bags(forge.pki.oids.pkcs8ShroudedKeyBag), ...bags(forge.pki.oids.keyBag)][0]
  if (!keyBag) throw new AppError('CERT_INVALID', { reason: 'the file holds no private key' })
  let key: KeyObject
  try {
    // RSA keys come back parsed (and without their DER); other key types come back as DER only.
    const pkcs8 = keyBag.key
      ? der(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(keyBag.key)))
      : der(keyBag.asn1!)
    key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })
  } catch (err) {
    throw new AppError('CERT_INVALID', { reason: 'the private key cannot be read' }, err)
  }
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'ec') {
    throw new AppError('CERT_INVALID', { reason: `unsupported key type ${key.asymmetricKeyType ?? 'unknown'}` })
  }
  const certificates: Array<{ der: Buffer, x509: X509Certificate }> = []
  for (const bag of bags(forge.pki.oids.certBag)) {
    try {
      const bytes = bag.asn1 ? der(bag.asn1) : der(forge.pki.certificateToAsn1(bag.cert!))
      certificates.push({ der: bytes, x509: new X509Certificate(bytes) })
    } catch (err) {
      throw new AppError('CERT_INVALID', { reason: 'a certificate in the file cannot be read' }, err)
    }
  }
  const own = certificates.findIndex(c => { try { return c.x509.checkPrivateKey(key) } catch { return false } })
  if (own < 0) throw new AppError('CERT_INVALID', { reason: 'no certificate in the file matches its private key' })
  const [signer] = certificates.splice(own, 1)
  return {
    key,
    certificates: [signer.der, ...certificates.map(c => c.der)],
    info: describe(signer.x509, key, certificates.length)
  }
}

/** Reads a PKCS#12 file's signing certificate. Throws CERT_PASSWORD or CERT_INVALID (with a reason). */
export async function readP12 (p12: Uint8Array, passphrase: string): Promise<CertificateInfo> {
  return openP12(p12, passphrase).info
}

export interface SelfSignedOptions {
  agencyName: string
  passphrase: string
  /** Validity from now, days. */
  days: number
  /** Default an hour ago, so that a clock corrected backwards a little does not make it "not yet valid". */
  notBefore?: Date
}

/**
 * A self-signed RSA-2048 test certificate as PKCS#12 (key under AES-256, or 3DES for a non-ASCII passphrase; forge's
 * MAC is HMAC-SHA-1). Subject: C=VN, O=<agency>,
 * OU=CHỨNG THƯ THỬ NGHIỆM - TEST CERTIFICATE, CN=<agency> (THỬ NGHIỆM), so that every signature made with it says
 * it is a test, even in tools that show only the common name. Key usage: digitalSignature + nonRepudiation.
 */
export async function createSelfSignedP12 (opts: SelfSignedOptions): Promise<Uint8Array> {
  const agency = typeof opts.agencyName === 'string' ? opts.agencyName.normalize('NFC').trim() : ''
  if (agency === '' || typeof opts.passphrase !== 'string' || !(Number.isFinite(opts.days) && opts.days >= 1)) {
    throw new AppError('VALIDATION', { problems: ['agencyName: non-empty text; passphrase: text; days: at least 1'] })
  }
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const key = forge.pki.privateKeyFromPem(pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString())
  const cert = forge.pki.createCertificate()
  cert.publicKey = forge.pki.publicKeyFromPem(pair.publicKey.export({ type: 'spki', format: 'pem' }).toString())
  // A positive serial of 16 random bytes (RFC 5280: at most 20 octets, positive).
  cert.serialNumber = '01' + randomBytes(15).toString('hex')
  const from = opts.notBefore ?? new Date(Date.now() - 3600_000)
  cert.validity.notBefore = from
  cert.validity.notAfter = new Date(from.getTime() + opts.days * 86_400_000)
  // Plain JS strings: forge UTF-8-encodes them itself (a pre-encoded value would be encoded twice).
  const utf8 = forge.asn1.Type.UTF8
  const attrs = [
    { shortName: 'C', value: 'VN' },
    { name: 'organizationName', value: agency, valueTagClass: utf8 },
    { name: 'organizationalUnitName', value: TEST_MARK, valueTagClass: utf8 },
    { name: 'commonName', value: `${agency} (THỬ NGHIỆM)`, valueTagClass: utf8 }
  ] as forge.pki.CertificateField[]
  cert.setSubject(attrs)
  cert.setIssuer(attrs)
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true },
    { name: 'subjectKeyIdentifier' }
  ])
  cert.sign(key, forge.md.sha256.create())
  const pfx = forge.pkcs12.toPkcs12Asn1(key, [cert], opts.passphrase, {
    // forge encodes a non-ASCII passphrase for AES (PBES2) differently from OpenSSL (see withUtf8Pbes2), but
    // like it for 3DES (the PKCS#12 key derivation): so 3DES then, and the file opens everywhere.
    algorithm: /^[\x00-\x7f]*$/.test(opts.passphrase) ? 'aes256' : '3des',
    generateLocalKeyId: true,
    friendlyName: 'sohoa test certificate'
  })
  return new Uint8Array(der(pfx))
}
