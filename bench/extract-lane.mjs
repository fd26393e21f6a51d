// The entry of bench/extract-lane.ts's worker threads: a worker does not inherit tsx's loader, so it
// registers it, then loads the lane.
import { register } from 'tsx/esm/api';

register();
await import('./extract-lane.ts');
