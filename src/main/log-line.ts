/**
 * One log line per event. The servers write their log to stderr, a line each call, and every collector that reads a
 * container's output (the container runtime under Kubernetes, journald, Fluent Bit, Vector) takes each line for an
 * event: a stack trace's newlines made one internal error ten events, its request id on the first alone, and a value
 * holding a line break could start a line that reads as another event (review lc, 2). Line breaks and the other control
 * characters (but tab) are written escaped as in a JSON string (`\n`, `\r`, `\u001b`), as are U+2028 and U+2029, which
 * some readers take for line ends. Backslashes are left as they are: escaping is then idempotent, so a worker's line
 * passed on by its supervisor (`--workers`) is escaped once.
 */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f\u2028\u2029]/g;

export function logLine(text: string): string {
  return text.replace(CONTROL, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/** `log` taking one event a call, and writing it as one line (`logLine`). */
export function oneLinePerEvent(log: (line: string) => void): (line: string) => void {
  return (line) => log(logLine(line));
}
