/** A request written on a raw socket, for the tests of what a server answers before any client library could parse it. */
import { connect } from 'node:net';

/**
 * What a raw request `text` to 127.0.0.1:`port` is answered (latin1), read until the server closes the connection;
 * rejected if it has not closed within `timeoutMs`.
 */
export function rawAnswer(port: number, text: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let got = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => void (got += d));
    socket.on('error', () => {});
    socket.on('close', () => resolve(got));
    setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close; got ${got}`));
    }, timeoutMs).unref();
  });
}
