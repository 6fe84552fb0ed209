#!/usr/bin/env node
// `npx tabswarm-signal`: starts the relay and the app on one URL and prints it.
import './promise-with-resolvers';
import { fileURLToPath } from 'node:url';
import { parseServerOptions, serverUsage, ServerUsageError } from './server-options';
import { SignalServer } from './signal-server';

async function main(): Promise<number> {
  const defaultAppDir = fileURLToPath(new URL('./app/', import.meta.url));
  let options;
  try {
    options = parseServerOptions(process.argv.slice(2), process.env, defaultAppDir);
  } catch (error) {
    if (!(error instanceof ServerUsageError)) throw error;
    process.stderr.write(`tabswarm-signal: ${error.message}\n${serverUsage}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${serverUsage}\n`);
    return 0;
  }
  const server = new SignalServer(options);
  try {
    await server.start();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint = code === 'EADDRINUSE' ? ` (port ${options.port} is taken: pass --port or set PORT)` : '';
    process.stderr.write(`tabswarm-signal: could not start: ${(error as Error).message}${hint}\n`);
    await server.stop().catch(() => undefined);
    return 1;
  }
  process.stdout.write(`tabswarm-signal: open ${server.url} (relay ${server.peerId}; app from ${options.appDir})\n`);
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string): void => {
      process.stdout.write(`tabswarm-signal: ${signal}, shutting down\n`);
      resolve();
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });
  await server.stop();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`tabswarm-signal: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
