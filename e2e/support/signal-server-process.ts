import { spawn, type ChildProcess } from 'node:child_process';

/** A signaling server the test starts and stops itself (the shared one must stay up). */
export interface SignalServerProcess {
  readonly url: string;
  readonly process: ChildProcess;
  /** Sends a signal and waits for the process to exit; resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `command args` and waits for the server's "open <url>" line. */
export async function startSignalServer(command: string, args: readonly string[], timeoutMs = 60_000, cwd?: string): Promise<SignalServerProcess> {
  // Its own process group, so stopping `npx` also stops the server it started.
  const child = spawn(command, [...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd, detached: true, env: { ...process.env, npm_config_yes: 'true' } });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`signaling server did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /open (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`signaling server exited with ${code} before starting:\n${output}`));
    });
  });
  return {
    url,
    process: child,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      if (child.pid !== undefined) process.kill(-child.pid, signal);
      return exited;
    },
  };
}
