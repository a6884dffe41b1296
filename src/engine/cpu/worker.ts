// Inference worker thread of the CPU engine: one ORT session (intra-op 1), one colour path, all
// buffers allocated once. Frames are processed one at a time in arrival order.
import { parentPort, workerData } from 'worker_threads';
import { FrameError, ModelError } from '../../errors';
import { ColourPath } from './convert';
import { monoMs, type FrameRequest, type MainToWorker, type WorkerInit, type WorkerToMain } from './protocol';
import { ModelRunner } from './runner';

async function main(init: WorkerInit): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const send = (msg: WorkerToMain, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);
  let runner: ModelRunner;
  let colour: ColourPath;
  try {
    runner = await ModelRunner.create({
      modelPath: init.modelPath,
      contract: init.contract,
      width: init.preprocess.width,
      height: init.preprocess.height,
      intraOpNumThreads: 1,
    });
    colour = new ColourPath(init.preprocess);
  } catch (err) {
    const e = err as Error;
    send({ type: 'init_error', name: e instanceof ModelError ? 'ModelError' : 'Error', message: e.message });
    return;
  }
  send({ type: 'ready', inputShape: runner.info.inputShape, outputShape: runner.info.outputShape });

  // Frames arrive one at a time (the engine sends the next only after a result), but chain them
  // anyway so that the session is never run re-entrantly.
  let chain: Promise<void> = Promise.resolve();
  port.on('message', (msg: MainToWorker) => {
    if (msg.type === 'close') {
      chain = chain.then(async () => {
        await runner.release().catch(() => undefined);
        port.close();
      });
      return;
    }
    chain = chain.then(() => handle(msg));
  });

  async function handle(req: FrameRequest): Promise<void> {
    const t0 = monoMs();
    const queueMs = Math.max(0, t0 - req.submittedAt);
    const giveBack = req.pooled ? [req.data.buffer as ArrayBuffer] : [];
    const buffer = req.pooled ? (req.data.buffer as ArrayBuffer) : undefined;
    let t1 = t0;
    let stage: 'preprocess' | 'inference' | 'postprocess' = 'preprocess';
    try {
      runner.setNv12(colour.toNv12({ width: req.width, height: req.height, encoding: req.encoding, step: req.step, data: req.data }));
      t1 = monoMs();
      stage = 'inference';
      await runner.run();
      const t2 = monoMs();
      stage = 'postprocess';
      const top = runner.top(req.topK);
      const t3 = monoMs();
      send(
        { type: 'result', seq: req.seq, ok: true, top, timings: { queueMs, preprocessMs: t1 - t0, inferenceMs: t2 - t1, postprocessMs: t3 - t2 }, buffer },
        giveBack,
      );
    } catch (err) {
      const now = monoMs();
      const timings = stage === 'preprocess' ? { queueMs, preprocessMs: now - t0 } : { queueMs, preprocessMs: t1 - t0, inferenceMs: now - t1 };
      const e = err as Error;
      const code = e instanceof FrameError ? e.code : 'inference_failed';
      const message = e instanceof FrameError ? e.message : `${stage} failed: ${e.message}`;
      send({ type: 'result', seq: req.seq, ok: false, code, message, timings, buffer }, giveBack);
    }
  }
}

if (parentPort && (workerData as { mnv4CpuWorker?: WorkerInit } | undefined)?.mnv4CpuWorker) {
  void main((workerData as { mnv4CpuWorker: WorkerInit }).mnv4CpuWorker);
}
