/** Counters the server exports at /metrics, in Prometheus text format. */
export class SignalMetrics {
  /** Bytes carried by WebSocket (libp2p) connections through the public port, both ways. */
  relayedBytes = 0;
  /** HTTP requests and upgrades refused (unknown path, wrong method, bad upgrade). */
  rejectedRequests = 0;
  /** WebSocket connections accepted since start. */
  websocketConnections = 0;

  /** Renders the counters and the live gauges read from the relay. */
  render(live: { peers: number; reservations: number; topics: number }): string {
    const lines: string[] = [];
    const metric = (name: string, type: 'gauge' | 'counter', help: string, value: number): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`);
    };
    metric('tabswarm_signal_peers', 'gauge', 'Peers connected to the relay.', live.peers);
    metric('tabswarm_signal_reservations', 'gauge', 'Circuit relay reservations held.', live.reservations);
    metric('tabswarm_signal_swarm_topics', 'gauge', 'Swarm discovery topics the relay forwards.', live.topics);
    metric('tabswarm_signal_relayed_bytes_total', 'counter', 'Bytes through WebSocket connections, both directions.', this.relayedBytes);
    metric('tabswarm_signal_websocket_connections_total', 'counter', 'WebSocket connections accepted.', this.websocketConnections);
    metric('tabswarm_signal_rejected_requests_total', 'counter', 'HTTP requests and upgrades refused.', this.rejectedRequests);
    return `${lines.join('\n')}\n`;
  }
}
