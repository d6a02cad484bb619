/**
 * The archive's integrity: the node key (Ed25519, `<dataDir>/node.key`, also the node's libp2p identity), the
 * append-only, hash-chained, signed log that vouches for every archived file and every change to an archived
 * record, and the verification that finds any changed byte in a stored file or a stored entry (`sohoa verify`,
 * the fixity check). The entry format in `envelope.ts` is a contract with replication.
 */
export { canonicalJson } from './canonical.js'
export {
  decodeEnvelope, verifyEnvelope, entryHash, ZERO_HASH,
  type LogEntryBody, type LogEntry, type LogFileRef, type DecodedEnvelope, type LogProblem
} from './envelope.js'
export { loadOrCreateNodeKey, peerIdToPublicKey, NODE_KEY_FILE, type NodeKey } from './node-key.js'
export { ArchiveLog, type LogAppendInput, type LogHead, type ExtraWrites } from './log.js'
export { verifyArchive, hashFile, type VerifyOptions, type VerifyResult, type VerifyProgress, type IntegrityFailure } from './verify.js'
export { checkFixityAndRecord, type FixityOptions, type FixityResult } from './fixity.js'
