// Starts the real camrig server for a test: the release binary with the
// test camera source on a free port, serving the built web app. The port is
// read from the server's "listening on" line; restart() brings the server
// back on the same port.
import { spawn, ChildProcess } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const bin = process.env.CAMRIG_BIN ?? path.join(root, 'target', 'release', 'camrig');
const dist = process.env.CAMRIG_DIST ?? path.join(root, 'dist');

export class Server {
  url = '';
  private child: ChildProcess | null = null;
  private log: string[] = [];

  async start(listen = '127.0.0.1:0'): Promise<void> {
    const child = spawn(
      bin,
      ['--camera', 'test', '--listen', listen, '--frontend-dir', dist,
        '--width', '640', '--height', '360', '--fps', '15'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUST_LOG: 'warn' } },
    );
    this.child = child;
    child.stderr?.on('data', (d) => this.log.push(String(d)));
    this.url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${this.log.join('')}`)), 20_000);
      child.stdout?.on('data', (d) => {
        out += String(d);
        const m = out.match(/listening on (http:\/\/\S+)/);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code}:\n${this.log.join('')}`));
      });
    });
  }

  /** Stops the server with SIGTERM and waits until the process has exited. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    this.child = null;
  }

  async restart(): Promise<void> {
    const listen = new URL(this.url).host;
    await this.stop();
    await this.start(listen);
  }

  /** Sequence number of the newest frame the server holds. */
  async sequence(): Promise<number> {
    const res = await fetch(`${this.url}/snapshot.jpg`);
    return Number(res.headers.get('x-frame-sequence') ?? -1);
  }
}
