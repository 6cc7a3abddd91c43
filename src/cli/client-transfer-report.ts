// push and pull on a terminal: a progress bar (files, bytes, rate, ETA) on stderr through the
// progress reporter the offline commands use; elsewhere one plain line per file on stdout.
import { formatBytes, type TransferEvents } from "../client/transfer-events.ts";
import { progressReporter } from "./progress.ts";

export function transferReport(verb: string, tty: boolean = process.stderr.isTTY === true): TransferEvents {
  const bar = tty ? progressReporter(true) : undefined;
  let totalFiles = 0;
  let totalBytes = 0;
  let files = 0;
  let bytes = 0;
  let started = performance.now();
  let begun = false;
  const draw = () => {
    if (!bar || !begun) return;
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0.2 ? bytes / seconds : 0;
    const eta = rate > 0 ? clock((totalBytes - bytes) / rate) : "--:--";
    const fraction = totalBytes > 0 ? Math.min(1, bytes / totalBytes) : totalFiles > 0 ? files / totalFiles : 1;
    bar.update(
      fraction,
      `${verb}: ${files}/${totalFiles} files  ${formatBytes(bytes)}/${formatBytes(totalBytes)}  ${formatBytes(Math.round(rate))}/s  ETA ${eta}`,
    );
  };
  const line = (text: string, toStderr = false) => {
    if (toStderr) {
      bar?.done(); // clears the bar; the next draw puts it back below the line
      console.error(text);
    } else if (bar) bar.interrupt(text);
    else console.log(text);
    draw();
  };
  return {
    begin(fileCount, byteCount) {
      // Files already there or skipped were listed before: the bar counts what is transferred.
      totalFiles = fileCount;
      totalBytes = byteCount;
      files = 0;
      bytes = 0;
      begun = true;
      started = performance.now();
      draw();
    },
    moved(n) {
      bytes += n;
      draw();
    },
    file(text) {
      files += 1;
      if (bar) draw();
      else console.log(text);
    },
    note: (text) => line(text),
    failed(text) {
      files += 1;
      line(text, true);
    },
    end: () => bar?.done(),
  };
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const mm = String(m).padStart(h > 0 ? 2 : 1, "0");
  return `${h > 0 ? `${h}:` : ""}${mm}:${String(s % 60).padStart(2, "0")}`;
}
