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
// Measured and not taken (4,000 feeds × 50, first cycles, interleaved, load 4-14 on the 2 shared cores):
// - SCHED_IDLE (util-linux `chrt -i -p 0` on the thread's own id): longest stalls of 494 and 1,307 ms,
//   nearly all of it the main thread blocked, neither on a CPU (0-1 ms) nor waiting for one (23-56 ms): a
//   thread the kernel hardly runs still holds what the main thread needs next (a priority inversion).
// - nice 19: 454 and 877 ms (the idle process beside it, see bench/cycle-floor.ts: 867 ms), nice 5 in
//   the same hour 316, 303 and 364 ms (idle process 414 and 536 ms): no difference the machine's own
//   waits do not swamp. Nor did a shorter EEVDF slice for the main thread (0.1 ms; 1,113 ms, idle 1,103).
//   At that load the longest stall is the machine's, not the process's.
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
