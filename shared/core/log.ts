/** The little logging the core needs; Lambda wires Powertools' Logger, the embedded runtime stderr. */
export interface Log {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} };

/** One JSON line per entry on stderr, at or above `level`. */
export function jsonLog(level: 'debug' | 'info' | 'warn' | 'error' = 'info'): Log {
  const order = ['debug', 'info', 'warn', 'error'];
  const min = order.indexOf(level);
  const emit = (lvl: string) => (message: string, fields?: Record<string, unknown>) => {
    if (order.indexOf(lvl) < min) return;
    process.stderr.write(
      JSON.stringify({ level: lvl, time: new Date().toISOString(), message, ...fields }) + '\n',
    );
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
