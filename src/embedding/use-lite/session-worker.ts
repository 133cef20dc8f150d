// USE-lite's onnxruntime session on a thread of its own. onnxruntime-node runs a session on the thread
// that calls it (its `run` is a promise around a blocking call), so on the main thread every batch
// stopped everything else: an embed job's database reads, lexical views and vector writes waited while
// the model ran (on a 10,000-customer shop of real-length reviews the model was 27 s of a 63 s job,
// the rest one core's work; bench:scale), and a server's requests waited on a live round's texts.
// Here the model runs while the main thread prepares the next batch (the indexer keeps two in flight).
import { parentPort, Worker, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';

interface Start {
  role: 'use-lite-session';
  modelPath: string;
  threads: number;
}
interface Request {
  id: number;
  ids: BigInt64Array;
  mask: BigInt64Array;
  rows: number;
  width: number;
}
type Reply =
  { type: 'ready' } | { type: 'failed'; message: string } | { type: 'result'; id: number; data: Float32Array } | { type: 'error'; id: number; message: string };

/** The session options every USE-lite session is made with, on whichever thread. */
export const sessionOptions = (threads: number): ort.InferenceSession.SessionOptions => ({
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
});

if (parentPort && (workerData as Start | undefined)?.role === 'use-lite-session') {
  const port = parentPort;
  const { modelPath, threads } = workerData as Start;
  try {
    const session = await ort.InferenceSession.create(modelPath, sessionOptions(threads));
    port.on('message', (r: Request) => {
      session
        .run({
          input_ids: new ort.Tensor('int64', r.ids, [r.rows, r.width]),
          attention_mask: new ort.Tensor('int64', r.mask, [r.rows, r.width]),
        })
        .then(
          (result) => {
            // A copy the thread owns, so it can be handed over without copying again.
            const data = Float32Array.from(result.embeddings!.data as Float32Array);
            port.postMessage({ type: 'result', id: r.id, data } satisfies Reply, [data.buffer]);
          },
          (error: unknown) => port.postMessage({ type: 'error', id: r.id, message: error instanceof Error ? error.message : String(error) } satisfies Reply),
        );
    });
    port.postMessage({ type: 'ready' } satisfies Reply);
  } catch (error) {
    port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies Reply);
  }
}

/** A session on its own thread: rows of token ids and their mask in, the model's output rows out. */
export class WorkerSession {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (data: Float32Array) => void; reject: (error: Error) => void }>();
  private gone: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: Reply) => {
      if (m.type !== 'result' && m.type !== 'error') return;
      const waiting = this.pending.get(m.id);
      this.pending.delete(m.id);
      // An idle session does not keep the process alive (a command that forgets to dispose still ends).
      if (this.pending.size === 0) worker.unref();
      if (m.type === 'result') waiting?.resolve(m.data);
      else waiting?.reject(new Error(m.message));
    });
    const fail = (error: Error) => {
      this.gone ??= error;
      for (const { reject } of this.pending.values()) reject(this.gone);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', () => fail(new Error('the embedding model’s thread has stopped')));
  }

  static async start(modelPath: string, threads: number): Promise<WorkerSession> {
    const worker = new Worker(new URL(import.meta.url), { workerData: { role: 'use-lite-session', modelPath, threads } satisfies Start });
    await new Promise<void>((resolve, reject) => {
      const onExit = () => reject(new Error('the embedding model’s thread stopped while it loaded'));
      const onMessage = (m: Reply) => {
        if (m.type === 'ready') resolve();
        else if (m.type === 'failed') reject(new Error(m.message));
        else return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', onExit);
    }).catch(async (error: unknown) => {
      await worker.terminate();
      throw error;
    });
    worker.unref();
    return new WorkerSession(worker);
  }

  /** The model's `embeddings` output for these rows (rows × dimensions, row-major). */
  run(ids: BigInt64Array<ArrayBuffer>, mask: BigInt64Array<ArrayBuffer>, rows: number, width: number): Promise<Float32Array> {
    if (this.gone) return Promise.reject(this.gone);
    const id = this.nextId++;
    if (this.pending.size === 0) this.worker.ref();
    const result = new Promise<Float32Array>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.worker.postMessage({ id, ids, mask, rows, width } satisfies Request, [ids.buffer, mask.buffer]);
    return result;
  }

  async release(): Promise<void> {
    this.gone ??= new Error('the embedding model was released');
    await this.worker.terminate();
  }
}
