/**
 * The CMS signature that goes into the PDF's /Contents: a detached SignedData over the signed byte ranges, with the
 * PAdES baseline B-B signed attributes (ETSI EN 319 142-1): content-type, message-digest and
 * signing-certificate-v2. No signing-time attribute: PAdES takes the time from the signature dictionary's /M.
 * Built with pkijs on WebCrypto because node-forge's signer writes UTF-8 names of the issuer wrongly, which breaks
 * every certificate with a Vietnamese DN (tech-notes §7, pitfall 2).
 */
import { createHash, webcrypto, type KeyObject } from 'node:crypto'
import { Signer } from '@signpdf/utils'
import * as asn1js from 'asn1js'
import * as pkijs from 'pkijs'

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47'
}

// A private engine: setting pkijs' global one could surprise other users of pkijs in the process.
const engine = new pkijs.CryptoEngine({ name: 'node-webcrypto', crypto: webcrypto as unknown as Crypto })

const arrayBuffer = (b: Uint8Array): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer

interface Algorithm { hash: 'SHA-256' | 'SHA-384' | 'SHA-512', webcrypto: RsaHashedImportParams | EcKeyImportParams }

function algorithmOf (key: KeyObject): Algorithm {
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve
    const named = curve === 'secp384r1' ? 'P-384' : curve === 'secp521r1' ? 'P-521' : 'P-256'
    const hash = named === 'P-384' ? 'SHA-384' : named === 'P-521' ? 'SHA-512' : 'SHA-256'
    return { hash, webcrypto: { name: 'ECDSA', namedCurve: named } }
  }
  return { hash: 'SHA-256', webcrypto: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } }
}

/** Bytes of CMS this key and chain can produce at most (placeholder sizing). */
export function maxCmsBytes (key: KeyObject, certificates: readonly Uint8Array[]): number {
  const signature = key.asymmetricKeyType === 'rsa' ? Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 4096) / 8) : 140
  // Structure, algorithm identifiers, issuer DN and the three signed attributes stay well under 2 KB.
  return certificates.reduce((n, c) => n + c.length, 0) + signature + 2048
}

/** A @signpdf Signer that signs with a key from `openP12`. */
export class PadesSigner extends Signer {
  constructor (private readonly key: KeyObject, private readonly certificates: readonly Uint8Array[]) {
    super()
  }

  override async sign (signedBytes: Buffer): Promise<Buffer> {
    const alg = algorithmOf(this.key)
    const pkcs8 = this.key.export({ format: 'der', type: 'pkcs8' })
    const privateKey = await webcrypto.subtle.importKey('pkcs8', arrayBuffer(pkcs8), alg.webcrypto, false, ['sign'])
    const chain = this.certificates.map(der => pkijs.Certificate.fromBER(arrayBuffer(der)))
    const signer = chain[0]
    const digest = createHash(alg.hash.replace('-', '').toLowerCase()).update(signedBytes).digest()
    const certHash = createHash('sha256').update(this.certificates[0]).digest()
    const attributes = [
      new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: OID.data })] }),
      new pkijs.Attribute({ type: OID.messageDigest, values: [new asn1js.OctetString({ valueHex: arrayBuffer(digest) })] }),
      // SigningCertificateV2 { certs: [ ESSCertIDv2 { certHash } ] }; SHA-256 is the default hashAlgorithm, so omitted.
      new pkijs.Attribute({
        type: OID.signingCertificateV2,
        values: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: arrayBuffer(certHash) })] })] })] })]
      })
    ]
    const signedData = new pkijs.SignedData({
      version: 1,
      encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
      signerInfos: [new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: signer.issuer, serialNumber: signer.serialNumber }),
        signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes })
      })],
      certificates: chain
    })
    await signedData.sign(privateKey, 0, alg.hash, undefined, engine)
    const content = new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) })
    return Buffer.from(content.toSchema().toBER(false))
  }
}
