/**
 * `metadata/preservation/premis.xml` (PREMIS 3): the record as an intellectual entity, each file as an object with
 * its SHA-256 fixity, size and format, each RecordEvent (capture, ocr, extraction, review, approval, signature,
 * archiving, fixity, validity…) as an event linked to its agent and to the record, and the agents themselves.
 */
import type { RecordEvent } from '../../store/index.js'
import type { PackageInput } from './types.js'
import { xmlDocument, type XmlNode } from './xml.js'

export const PREMIS_NS = 'http://www.loc.gov/premis/v3'
const XSI = 'http://www.w3.org/2001/XMLSchema-instance'
const ARCHIVE_ID_TYPE = 'sohoa archive id'

type AgentType = 'person' | 'software' | 'organization'

/** Who did an event, as PREMIS sees them: signatures are the agency's, `system` and named versions are software. */
export function agentTypeOf (event: Pick<RecordEvent, 'type' | 'agent'>): AgentType {
  if (event.type === 'signature') return 'organization'
  if (event.agent === 'system' || /^sohoa\b/i.test(event.agent) || /\sv?\d[\w.]*$/.test(event.agent) || /\.js\b/.test(event.agent)) return 'software'
  return 'person'
}

const ROLE: Record<AgentType, string> = { person: 'implementer', software: 'executing program', organization: 'authorizer' }

const identifier = (prefix: string, type: string, value: string): XmlNode =>
  [`premis:${prefix}Identifier`, undefined, [`premis:${prefix}IdentifierType`, undefined, type], [`premis:${prefix}IdentifierValue`, undefined, value]]

export function premis (input: PackageInput): Buffer {
  const { record, files, events } = input
  const software = input.software ?? { name: 'sohoa', version: '' }
  const agents = new Map<string, AgentType>()
  for (const e of events) if (!agents.has(e.agent)) agents.set(e.agent, agentTypeOf(e))

  const entity: XmlNode = ['premis:object', { 'xsi:type': 'premis:intellectualEntity' },
    identifier('object', ARCHIVE_ID_TYPE, record.archiveId),
    identifier('object', 'sohoa record id', record.id),
    ...events.map((e): XmlNode => identifier('linkingEvent', 'local', e.id))
  ]
  const objects = files.map((f): XmlNode => ['premis:object', { 'xsi:type': 'premis:file' },
    identifier('object', 'local', f.path),
    identifier('object', 'SHA-256', f.sha256),
    ['premis:objectCharacteristics', undefined,
      ['premis:compositionLevel', undefined, '0'],
      ['premis:fixity', undefined,
        ['premis:messageDigestAlgorithm', undefined, 'SHA-256'],
        ['premis:messageDigest', undefined, f.sha256],
        ['premis:messageDigestOriginator', undefined, software.name]],
      ['premis:size', undefined, String(f.size)],
      ['premis:format', undefined, ['premis:formatDesignation', undefined, ['premis:formatName', undefined, f.mime]]]],
    ['premis:relationship', undefined,
      ['premis:relationshipType', undefined, 'structural'],
      ['premis:relationshipSubType', undefined, 'is included in'],
      identifier('relatedObject', ARCHIVE_ID_TYPE, record.archiveId)]
  ])
  const eventNodes = events.map((e): XmlNode => ['premis:event', undefined,
    identifier('event', 'local', e.id),
    ['premis:eventType', undefined, e.type],
    ['premis:eventDateTime', undefined, e.at],
    e.detail ? ['premis:eventDetailInformation', undefined, ['premis:eventDetail', undefined, e.detail]] : null,
    ['premis:eventOutcomeInformation', undefined, ['premis:eventOutcome', undefined, e.outcome]],
    ['premis:linkingAgentIdentifier', undefined,
      ['premis:linkingAgentIdentifierType', undefined, 'local'],
      ['premis:linkingAgentIdentifierValue', undefined, e.agent],
      ['premis:linkingAgentRole', undefined, ROLE[agents.get(e.agent)!]]],
    ['premis:linkingObjectIdentifier', undefined,
      ['premis:linkingObjectIdentifierType', undefined, ARCHIVE_ID_TYPE],
      ['premis:linkingObjectIdentifierValue', undefined, record.archiveId]]
  ])
  const agentNodes = [...agents].map(([name, type]): XmlNode => ['premis:agent', undefined,
    identifier('agent', 'local', name),
    ['premis:agentName', undefined, name],
    ['premis:agentType', undefined, type]
  ])
  const nodeAgent: XmlNode = input.node
    ? ['premis:agent', undefined,
        identifier('agent', 'libp2p peer ID', input.node),
        ['premis:agentName', undefined, `${software.name} node (signs the archive log)`],
        ['premis:agentType', undefined, 'software'],
        software.version ? ['premis:agentVersion', undefined, software.version] : null]
    : null
  return xmlDocument(['premis:premis', { 'xmlns:premis': PREMIS_NS, 'xmlns:xsi': XSI, 'xsi:schemaLocation': `${PREMIS_NS} http://www.loc.gov/standards/premis/premis.xsd`, version: '3.0' },
    entity, ...objects, ...eventNodes, ...agentNodes, nodeAgent])
}
