/**
 * The libp2p host of one node: TCP, Noise, Yamux, optionally a private network (pre-shared key), and a gater that
 * lets through only the peers this node may talk to. A province accepts registered districts; a district dials only
 * its configured province and accepts no one. No discovery, no DHT, no relay: every peer is configured.
 */
import './polyfill.js'
import { readFile } from 'node:fs/promises'
import type { Libp2p, PeerId, PrivateKey } from '@libp2p/interface'

export interface HostOptions {
  privateKey: PrivateKey
  /** Multiaddrs to listen on; none for a node that only dials. */
  listen: string[]
  /** Contents of an IPFS-style swarm key file (`/key/swarm/psk/1.0.0/`…). */
  psk?: Uint8Array
  /** May this peer connect to us (inbound)? */
  allowInbound: (peerId: string) => boolean
  /** May we dial this peer? */
  allowOutbound: (peerId: string) => boolean
  /** Told about every refused peer (for logs and metrics). */
  onRefused?: (peerId: string, direction: 'inbound' | 'outbound') => void
}

/** Yamux window cap: bounds what is in flight when a reader pauses (see wire.ts), ample for the links we serve. */
const STREAM_WINDOW = 2 * 1024 * 1024

export async function createHost (opts: HostOptions): Promise<Libp2p> {
  // Loaded here, not at import: a CLI command or an offline node never starts a host, and libp2p is a few hundred
  // modules to read.
  const [{ createLibp2p }, { tcp }, { noise }, { yamux }, { preSharedKey }] = await Promise.all([
    import('libp2p'), import('@libp2p/tcp'), import('@libp2p/noise'), import('@libp2p/yamux'), import('@libp2p/pnet')
  ])
  const refuse = (direction: 'inbound' | 'outbound', allowed: (id: string) => boolean) => (peerId: PeerId): boolean => {
    const id = peerId.toString()
    if (allowed(id)) return false
    opts.onRefused?.(id, direction)
    return true
  }
  return await createLibp2p({
    privateKey: opts.privateKey,
    addresses: { listen: opts.listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({ streamOptions: { maxStreamWindowSize: STREAM_WINDOW } })],
    ...(opts.psk ? { connectionProtector: preSharedKey({ psk: opts.psk }) } : {}),
    // The monitor pings each connection with a 5 s (adaptive) timeout on a stream that shares the TCP connection:
    // on a saturated 2 Mbit/s link its ping waits behind our queued data and it kills a healthy transfer. Sessions
    // bound their own silence instead (wire.ts: every read has a timeout).
    connectionMonitor: { enabled: false },
    connectionGater: {
      denyDialPeer: refuse('outbound', opts.allowOutbound),
      // The first hook where the remote's peer ID is proven (Noise handshake done).
      denyInboundEncryptedConnection: refuse('inbound', opts.allowInbound),
      denyOutboundEncryptedConnection: refuse('outbound', opts.allowOutbound)
    }
  })
}

/** Reads a swarm key file (the format `ipfs` and @libp2p/pnet use). */
export async function readPsk (file: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(file))
}
