// Names shared by the tabs and the signaling server. A swarm's name is part of its discovery
// topic and of its protocol ids, so tabs of different swarms neither discover each other nor
// can open each other's streams.

const SWARM_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** The swarm a page belongs to: `?swarm=name`, default `default`. */
export function swarmFromSearch(search: string): string {
  const name = (new URLSearchParams(search).get('swarm') ?? 'default').trim().toLowerCase();
  if (!SWARM_NAME.test(name)) {
    throw new Error(`swarm name '${name}' is not valid: use 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  }
  return name;
}

/** Prefix of every swarm's discovery topic; the relay forwards topics with this prefix only. */
export const DISCOVERY_TOPIC_PREFIX = 'tabswarm/swarm/';

export function discoveryTopic(swarm: string): string {
  return `${DISCOVERY_TOPIC_PREFIX}${swarm}/peers`;
}

/** Small engine messages (gossip, acks). */
export function controlProtocol(swarm: string): string {
  return `/tabswarm/${swarm}/control/1.0.0`;
}

/** Shard bytes, on their own stream so a large transfer never delays a heartbeat. */
export function bulkProtocol(swarm: string): string {
  return `/tabswarm/${swarm}/bulk/1.0.0`;
}
