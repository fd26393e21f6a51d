// A small real filesystem for fault tests: a tmpfs of a given size, mounted by the test (root, or
// passwordless sudo), so "disk full" and "read-only filesystem" are what the kernel says, not a mock.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Mounted {
  dir: string;
  /** Remount read-only (true) or read-write (false). */
  readOnly: (ro: boolean) => void;
  unmount: () => void;
}

function privileged(args: string[]): void {
  const asRoot = process.getuid?.() === 0;
  try {
    if (asRoot) execFileSync(args[0] as string, args.slice(1), { stdio: 'pipe' });
    else execFileSync('sudo', ['-n', ...args], { stdio: 'pipe' });
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim();
    throw new Error(`this test mounts a small tmpfs (a really full / read-only filesystem) and needs root or ` +
      `passwordless sudo for \`${args.join(' ')}\`: ${stderr || (err as Error).message}`);
  }
}

export function mountTmpfs(sizeKb: number): Mounted {
  const dir = mkdtempSync(join(tmpdir(), 'storyfeed-tmpfs-'));
  privileged(['mount', '-t', 'tmpfs', '-o', `size=${sizeKb}k,mode=0777`, 'tmpfs', dir]);
  let mounted = true;
  return {
    dir,
    readOnly: (ro) => privileged(['mount', '-o', `remount,${ro ? 'ro' : 'rw'}`, dir]),
    unmount: () => {
      if (!mounted) return;
      privileged(['umount', '-l', dir]);
      mounted = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
