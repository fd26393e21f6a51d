// The priority of the threads that do the background CPU work (parsing feeds, extracting pages, clustering,
// checkpointing the WAL), below the main thread's: when every thread of the process wants a CPU, the main
// thread, which answers sockets, the HTTP server and signals, gets one first (issue 16). On Linux a
// thread's priority is its own (setpriority on the calling thread); elsewhere it would be the whole
// process's, so nothing is changed there.
import { getPriority, setPriority } from 'node:os';

// ---- Tunables -------------------------------------------------------------------------------------
/**
 * Nice value of the background threads (0 = the main thread's; 19 the lowest). Any positive value puts
 * them behind the main thread when both are ready to run; 5 gives the main thread about 3× their share
 * of a contended CPU (kernel weights 1024 vs 335) without starving them behind other processes.
 */
export const BACKGROUND_NICE = 5;
// ---------------------------------------------------------------------------------------------------

/** Lower the calling thread's priority to BACKGROUND_NICE (never raise it). A refusal changes nothing. */
export function runInBackground(): void {
  if (process.platform !== 'linux') return;
  try {
    if (getPriority(0) < BACKGROUND_NICE) setPriority(0, BACKGROUND_NICE);
  } catch {
    // not permitted here (a sandbox): the thread keeps its priority
  }
}
