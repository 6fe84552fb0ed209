// Bench pages only: every RTCPeerConnection the page makes, so a benchmark can read their
// transport stats (packets sent, and discarded on send by Chromium: what a link stalled under
// load would show). libp2p's WebRTC transport holds the constructor from before any bench code
// runs, so connections are caught on the prototype, when they set their local description
// (every connection does, to negotiate).

export const benchPeerConnections = new Set<RTCPeerConnection>();

const setLocalDescription = RTCPeerConnection.prototype.setLocalDescription;

RTCPeerConnection.prototype.setLocalDescription = function (this: RTCPeerConnection, ...args: Parameters<typeof setLocalDescription>) {
  benchPeerConnections.add(this);
  return setLocalDescription.apply(this, args);
} as typeof setLocalDescription;
