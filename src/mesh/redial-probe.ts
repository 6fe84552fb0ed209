import type { Libp2pMesh } from './libp2p-mesh';

/** Outcome of repeated fresh dials. */
export interface RedialResult {
  readonly durations: number[];
  readonly failures: string[];
}

/**
 * Hangs up on a peer and dials it again, `count` times, waiting until both sides have seen
 * the hang-up (this measures fresh dials, not a race with teardown). Used by the mesh
 * benchmark and the dial-race test.
 */
export async function probeRedials(mesh: Libp2pMesh, peer: string, count: number): Promise<RedialResult> {
  const durations: number[] = [];
  const failures: string[] = [];
  for (let i = 0; i < count; i++) {
    await mesh.hangUp(peer);
    for (let wait = 0; wait < 50 && mesh.peers().includes(peer); wait++) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 500));
    try {
      durations.push(await mesh.dialNow(peer));
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error));
    }
  }
  return { durations, failures };
}
