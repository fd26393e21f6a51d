// Summarise a V8 CPU profile (node --cpu-prof, e.g. `npm run bench:cycle -- --profile DIR`): the
// functions with the most self time, and the most inclusive time (a function and what it calls), as
// shares of the profile; then the longest stretches without idle time (what stalls the event loop) and
// the functions inside each. Run: npx tsx bench/cpuprofile.ts FILE.cpuprofile [top]
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

const [file, topArg = '30'] = process.argv.slice(2);
if (!file) throw new Error('usage: tsx bench/cpuprofile.ts FILE.cpuprofile [top]');
const top = Number(topArg);
const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const self = new Map<number, number>();
p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);

const name = (n: Node) => {
  const url = n.callFrame.url.replace(/^file:\/\/.*?\/(node_modules|src|bench|dist)\//, '$1/');
  return `${n.callFrame.functionName || '(anonymous)'} ${url ? `${url}:${n.callFrame.lineNumber + 1}` : ''}`.trim();
};

const selfBy = new Map<string, number>();
const inclBy = new Map<string, number>();
for (const [id, t] of self) {
  const n = byId.get(id) as Node;
  selfBy.set(name(n), (selfBy.get(name(n)) ?? 0) + t);
  // Inclusive: every distinct function on the stack of this sample.
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const k = name(byId.get(cur) as Node);
    if (seen.has(k)) continue;
    seen.add(k);
    inclBy.set(k, (inclBy.get(k) ?? 0) + t);
  }
}
const show = (title: string, m: Map<string, number>) => {
  console.log(`\n${title} (of ${(total / 1e6).toFixed(1)} s sampled)`);
  for (const [k, t] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((100 * t) / total).toFixed(1).padStart(5)} %  ${(t / 1e3).toFixed(0).padStart(7)} ms  ${k}`);
  }
};
show('self time', selfBy);
show('inclusive time', inclBy);

// The longest busy stretches: consecutive samples none of which is idle (or garbage collection counted
// as busy), with the functions that took most of each.
const stretches: { start: number; ms: number; ids: number[] }[] = [];
let cur: { start: number; ms: number; ids: number[] } | undefined;
let t = 0;
p.samples.forEach((id, i) => {
  const dt = p.timeDeltas[i] ?? 0;
  t += dt;
  const idle = (byId.get(id) as Node).callFrame.functionName === '(idle)';
  if (idle) {
    if (cur) stretches.push(cur);
    cur = undefined;
    return;
  }
  cur ??= { start: t, ms: 0, ids: [] };
  cur.ms += dt / 1000;
  cur.ids.push(id);
});
if (cur) stretches.push(cur);
console.log('\nlongest busy stretches (no idle sample)');
for (const st of stretches.sort((a, b) => b.ms - a.ms).slice(0, 5)) {
  const by = new Map<string, number>();
  for (const id of st.ids) {
    const seen = new Set<string>();
    for (let c: number | undefined = id; c !== undefined; c = parent.get(c)) {
      const k = name(byId.get(c) as Node);
      if (seen.has(k)) continue;
      seen.add(k);
      by.set(k, (by.get(k) ?? 0) + 1);
    }
  }
  const top5 = [...by].filter(([k]) => k !== '(root)').sort((a, b) => b[1] - a[1]).slice(0, 8)
    .map(([k, n]) => `${((100 * n) / st.ids.length).toFixed(0)} % ${k}`);
  console.log(`${st.ms.toFixed(0).padStart(6)} ms at ${(st.start / 1e6).toFixed(2)} s: ${top5.join('; ')}`);
}
