// Progress of a long command on stderr (stdout stays the result): a bar redrawn on a terminal,
// at most ten times a second; on a pipe a plain line at every 10 %, so logs stay readable.
export interface Progress {
  update(fraction: number, text: string): void;
  /** Prints a line of output (stdout) without tearing the bar. */
  interrupt(line: string): void;
  done(): void;
}

export function progressReporter(tty: boolean = process.stderr.isTTY === true): Progress {
  let shown = false;
  let lastDraw = 0;
  let lastDecile = -1;
  const clear = () => {
    if (tty && shown) process.stderr.write("\r\x1b[K");
    shown = false;
  };
  return {
    update(fraction, text) {
      if (tty) {
        const now = performance.now();
        if (now - lastDraw < 100 && fraction < 1) return;
        lastDraw = now;
        const width = 24;
        const filled = Math.round(fraction * width);
        process.stderr.write(`\r\x1b[K[${"#".repeat(filled)}${".".repeat(width - filled)}] ${text}`);
        shown = true;
        return;
      }
      const decile = Math.floor(fraction * 10);
      if (decile !== lastDecile) {
        lastDecile = decile;
        process.stderr.write(`${text}\n`);
      }
    },
    interrupt(line) {
      clear();
      console.log(line);
    },
    done: clear,
  };
}
