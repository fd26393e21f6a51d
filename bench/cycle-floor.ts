// The machine's floor for bench/cycle.ts's stall figure: a process that does nothing but the same 5 ms
// timer (lib.ts gapProbe), run beside each side's run for as long as it lasts. On a shared machine a
// thread that asks for almost no CPU still waits for one (an idle Node process saw a 263 ms gap in
// 60 s at a load of 6.5 on the 2 cores, all of it waiting): ours or the peer's longest stall means
// little without the floor of the same minutes. Prints one JSON line (its longest gap) on SIGTERM.
// Run by bench/cycle.ts: tsx bench/cycle-floor.ts
import { gapProbe } from './lib.js';

const probe = gapProbe();
process.on('SIGTERM', () => {
  process.stdout.write(`${JSON.stringify(probe.stop())}\n`);
  process.exit(0);
});
