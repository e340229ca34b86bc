// Progress bar on standard error (terminals only): file, percent, MB/s, records so far.

export class Progress {
  private readonly started = performance.now();
  private last = 0;
  private shown = false;

  constructor(
    private readonly enabled: boolean,
    private readonly files: string[],
  ) {}

  update(file: number, done: number, size: number, records: number): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.last < 100) return;
    this.last = now;
    const secs = (now - this.started) / 1000;
    const mbs = secs > 0 ? done / 1e6 / secs : 0;
    const width = 24;
    const frac = size > 0 ? Math.min(1, done / size) : 0;
    const bar =
      size > 0
        ? '[' + '#'.repeat(Math.round(frac * width)).padEnd(width, '.') + `] ${(frac * 100).toFixed(0).padStart(3)}%`
        : `${(done / 1e6).toFixed(0)} MB`;
    const name = this.files.length > 1 ? `${file + 1}/${this.files.length} ` : '';
    process.stderr.write(`\r${name}${bar} ${mbs.toFixed(0)} MB/s ${records} calls\x1b[K`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
  }

  elapsed(): number {
    return (performance.now() - this.started) / 1000;
  }
}
