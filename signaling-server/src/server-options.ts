/** How the signaling server is started. */
export interface ServerOptions {
  readonly host: string;
  readonly port: number;
  /** Folder holding the built app (index.html and assets). */
  readonly appDir: string;
  /** STUN/TURN URLs handed to tabs (none by default: a LAN needs none). */
  readonly iceServers: readonly string[];
}

/** Bad flags or environment; the CLI prints the message and exits 2. */
export class ServerUsageError extends Error {
  override readonly name = 'ServerUsageError';
}

export const serverUsage = `usage: tabswarm-signal [--port PORT] [--host HOST] [--app-dir DIR]
  --port     TCP port for HTTP and WebSockets (env PORT; default 8787; 0 picks a free one)
  --host     address to listen on (env HOST; default 127.0.0.1; 0.0.0.0 for a LAN)
  --app-dir  the built tabswarm app to serve (default: the copy inside this package)
  --ice-server URL  a STUN or TURN server tabs use for WebRTC (repeatable; env
             TABSWARM_ICE_SERVERS, comma-separated; default none, which suits a LAN)`;

/** Reads flags, then environment, then defaults; throws ServerUsageError on bad input. */
export function parseServerOptions(argv: readonly string[], env: Record<string, string | undefined>, defaultAppDir: string): ServerOptions | 'help' {
  let host = env.HOST ?? '127.0.0.1';
  let portText = env.PORT ?? '8787';
  let appDir = defaultAppDir;
  const iceServers = (env.TABSWARM_ICE_SERVERS ?? '').split(',').map((url) => url.trim()).filter((url) => url !== '');
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') return 'help';
    const [flag, inline] = arg.includes('=') ? arg.split('=', 2) : [arg, undefined];
    const value = (): string => {
      const text = inline ?? argv[++i];
      if (text === undefined || text === '') throw new ServerUsageError(`${flag} needs a value`);
      return text;
    };
    if (flag === '--port') portText = value();
    else if (flag === '--host') host = value();
    else if (flag === '--app-dir') appDir = value();
    else if (flag === '--ice-server') iceServers.push(value());
    else throw new ServerUsageError(`unknown argument '${arg}'`);
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new ServerUsageError(`port must be a whole number from 0 to 65535, got '${portText}'`);
  if (host.trim() === '') throw new ServerUsageError('host must not be empty');
  for (const url of iceServers) {
    if (!/^(stun|stuns|turn|turns):/.test(url)) throw new ServerUsageError(`ICE server '${url}' must be a stun:, stuns:, turn: or turns: URL`);
  }
  return { host, port, appDir, iceServers };
}
