/**
 * Who signs the "SAO Y" copies: the agency's PKCS#12 certificate from the configuration, or, when none is
 * configured, a self-signed test certificate the node makes at first start (kept in the data directory, named as
 * a test certificate in every signature and flagged to the admin).
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Config } from '../config/index.js'
import { AppError } from '../errors/index.js'
import { writeFileAtomic } from '../store/index.js'
import { createSelfSignedP12, readP12, type CertificateInfo } from './signing/index.js'

export interface SigningIdentity {
  p12: Uint8Array
  passphrase: string
  agencyName: string
  testCertificate: boolean
  certificate: CertificateInfo
}

export async function loadSigningIdentity (config: Config, agencyName: string): Promise<SigningIdentity> {
  if (config.signing.p12Path) {
    const p12 = await readFile(config.signing.p12Path).catch(err => {
      throw new AppError('CONFIG_INVALID', { problems: [`signing.p12Path: cannot read ${config.signing.p12Path}: ${(err as Error).message}`] }, err)
    })
    const passphrase = config.signing.passphrase ?? ''
    const certificate = await readP12(p12, passphrase)
    return { p12, passphrase, agencyName, testCertificate: certificate.selfSigned, certificate }
  }
  const dir = join(config.dataDir, 'signing')
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const p12File = join(dir, 'test-certificate.p12')
  const passFile = join(dir, 'test-certificate.pass')
  let p12: Uint8Array
  let passphrase: string
  try {
    p12 = await readFile(p12File)
    passphrase = (await readFile(passFile, 'utf8')).trim()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    passphrase = randomBytes(24).toString('base64url')
    p12 = await createSelfSignedP12({ agencyName, passphrase, days: 3650 })
    // The passphrase first: a crash between the two leaves no certificate that cannot be opened.
    await writeFileAtomic(passFile, passphrase, { mode: 0o600 })
    await writeFileAtomic(p12File, p12, { mode: 0o600 })
  }
  const certificate = await readP12(p12, passphrase)
  return { p12, passphrase, agencyName, testCertificate: true, certificate }
}
