/**
 * The CLI's Logger: plain timestamped lines on the console (DIB's outfilter format), everything
 * also to --logfile. With a progress display (TTY) or --logfile, hook output stays off the console.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../log.js';

export interface ConsoleLoggerOptions {
  /** hide hook output and info lines on the console (DIB_QUIET, --logfile, progress display) */
  quiet: boolean;
  debug: boolean;
  timestamps: boolean;
  logfile?: string;
  /** where console lines go (the progress renderer may redirect them) */
  write?: (line: string) => void;
}

function stamp(): string {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

export class ConsoleLogger implements Logger {
  private partial = '';
  readonly warnings: string[] = [];
  constructor(private readonly o: ConsoleLoggerOptions) {
    if (o.logfile) {
      mkdirSync(dirname(o.logfile), { recursive: true });
      writeFileSync(o.logfile, '');
    }
  }
  private file(line: string): void {
    if (this.o.logfile) appendFileSync(this.o.logfile, `${stamp()} | ${line}\n`);
  }
  private console(line: string): void {
    const text = this.o.timestamps ? `${stamp()} | ${line}` : line;
    (this.o.write ?? ((l: string) => process.stderr.write(`${l}\n`)))(text);
  }
  debug(msg: string): void {
    this.file(`DEBUG ${msg}`);
    if (this.o.debug) this.console(msg);
  }
  info(msg: string): void {
    this.file(msg);
    if (!this.o.quiet) this.console(msg);
  }
  warn(msg: string): void {
    this.file(`WARNING ${msg}`);
    this.warnings.push(msg);
    this.console(`WARNING: ${msg}`);
  }
  error(msg: string): void {
    this.file(`ERROR ${msg}`);
  }
  output(chunk: string): void {
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const l of lines) {
      this.file(l);
      if (!this.o.quiet) this.console(l);
    }
  }
}
