// What a push or pull tells the person watching: totals, bytes as they move, a line per file and
// the lines that must always show. The terminal side (src/cli/client-transfer-report.ts) draws them.
export interface TransferEvents {
  /** How many files and bytes the transfer will move. */
  begin(files: number, bytes: number): void;
  /** `bytes` more have moved. */
  moved(bytes: number): void;
  /** One file is finished (sent, fetched, already there): its line, shown when there is no progress bar. */
  file(line: string): void;
  /** A line that always shows (a skipped file, a note about the server). */
  note(line: string): void;
  /** A file that failed, in one line. */
  failed(line: string): void;
  end(): void;
}

/** Byte counts for people: 1023 B, 1.5 KiB, 12.3 MiB. */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`;
}
