/** Reads a whole zip (yauzl, strict) into name → bytes: for checking what sohoa's packages hold. */
import yauzl from 'yauzl'

export async function unzip (zip: Buffer): Promise<Map<string, Buffer>> {
  const zipfile = await new Promise<yauzl.ZipFile>((resolve, reject) => yauzl.fromBuffer(zip, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (err, z) => err ? reject(err) : resolve(z)))
  const out = new Map<string, Buffer>()
  await new Promise<void>((resolve, reject) => {
    zipfile.on('error', reject)
    zipfile.on('end', () => resolve())
    zipfile.on('entry', (entry: yauzl.Entry) => {
      zipfile.openReadStream(entry, (err, stream) => {
        if (err) return reject(err)
        const chunks: Buffer[] = []
        stream.on('data', (c: Buffer) => chunks.push(c))
        stream.on('error', reject)
        stream.on('end', () => { out.set(entry.fileName, Buffer.concat(chunks)); zipfile.readEntry() })
      })
    })
    zipfile.readEntry()
  })
  return out
}
