/**
 * One shaft-head screen: holds the board's live stream (GET /api/board/events?delta=people, Server-Sent Events, as the page asks for it)
 * open and counts what arrives. If the agent does not serve the board, says so.
 */
import http from 'node:http';

export interface BoardClientState {
  /** 'open' while streaming; otherwise why not. */
  status: string;
  events: number;
  bytes: number;
}

export class BoardClient {
  readonly state: BoardClientState = { status: 'connecting', events: 0, bytes: 0 };
  private request: http.ClientRequest | null = null;

  /** Resolves once the stream is open or refused (never rejects). */
  open(port: number): Promise<BoardClientState> {
    return new Promise((resolve) => {
      const request = http.get({ host: '127.0.0.1', port, path: '/api/board/events?delta=people', headers: { accept: 'text/event-stream' } }, (res) => {
        const type = String(res.headers['content-type'] ?? '');
        if (res.statusCode !== 200 || !type.startsWith('text/event-stream')) {
          this.state.status = `not served (HTTP ${res.statusCode} ${type || 'no content type'})`;
          res.resume();
          resolve(this.state);
          return;
        }
        this.state.status = 'open';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          this.state.bytes += Buffer.byteLength(chunk);
          // One event ends with a blank line.
          this.state.events += chunk.split('\n\n').length - 1;
        });
        res.on('end', () => {
          if (this.state.status === 'open') this.state.status = 'closed by the agent';
        });
        resolve(this.state);
      });
      request.on('error', (error) => {
        if (this.state.status === 'connecting' || this.state.status === 'open') this.state.status = `error: ${error.message}`;
        resolve(this.state);
      });
      this.request = request;
    });
  }

  close(): void {
    this.state.status = this.state.status === 'open' ? 'closed' : this.state.status;
    this.request?.destroy();
  }
}
