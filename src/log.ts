/**
 * The core reports progress through this small interface; the CLI renders it (listr2 on a TTY,
 * plain timestamped lines otherwise) and mirrors everything to --logfile.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  /** raw output of a child process (hook scripts, tools); kept in the log file, shown when verbose */
  output(chunk: string): void;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  output() {},
};

/** A logger that records every line: for tests. */
export class MemoryLogger implements Logger {
  readonly lines: { level: LogLevel | 'output'; msg: string }[] = [];
  debug(msg: string) {
    this.lines.push({ level: 'debug', msg });
  }
  info(msg: string) {
    this.lines.push({ level: 'info', msg });
  }
  warn(msg: string) {
    this.lines.push({ level: 'warn', msg });
  }
  error(msg: string) {
    this.lines.push({ level: 'error', msg });
  }
  output(chunk: string) {
    this.lines.push({ level: 'output', msg: chunk });
  }
  text(): string {
    return this.lines.map((l) => l.msg).join('\n');
  }
}
