/** Small statistics for benchmark samples: nearest-rank quantiles, fixed-width printing. */
import { availableParallelism, loadavg } from "node:os";

export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);

/** "median / p90 / max" in ms, padded so rows line up. */
export function stats(values: readonly number[], digits = 0): string {
  return [median(values), quantile(values, 0.9), Math.max(...values)].map((v) => v.toFixed(digits).padStart(7)).join(" /");
}

/** One verdict line: "<label> 1.23x  target ≤ 1.5x  ok". */
export function verdict(label: string, value: number, target: string, met: boolean, unit = "x"): string {
  return `${label} ${value.toFixed(2)}${unit}  target ${target}  ${met ? "ok" : "MISSED"}`;
}

/** `--name N` from the bench's args, a whole number ≥ min, or the default. */
export function intFlag(args: readonly string[], name: string, fallback: number, min = 1): number {
  const at = args.indexOf(`--${name}`);
  if (at === -1) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} takes a whole number ≥ ${min}`);
  return value;
}

/** Load average and cores, printed with every result: on a busy machine the ratios drift. */
export function machineLine(): string {
  const [one = 0] = loadavg();
  return `  machine: ${availableParallelism()} cores, load average ${one.toFixed(1)} at the end${one > availableParallelism() ? " (busy: expect noisy numbers)" : ""}`;
}
