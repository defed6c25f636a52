/**
 * What machine a benchmark ran on, printed above every table and attached to every JSON line: CPU
 * model, logical cores, node version, platform, memory, and the load average at the start (the cores may
 * be shared, and a loaded machine explains a slow figure better than the code does).
 */
import os from 'node:os';

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
  readonly platform: string;
  readonly memory_gib: number;
  readonly load_1m: number;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus.length > 0 ? cpus[0].model.trim() : 'unknown',
    cores: cpus.length,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    memory_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    load_1m: Math.round(os.loadavg()[0] * 100) / 100,
  };
}

export function machineHeader(m: Machine): string {
  return `machine: ${m.cpu}, ${m.cores} cores, ${m.memory_gib} GiB, ${m.platform}, node ${m.node}, load ${m.load_1m} (1 min)`;
}
