// Runs inside a worker thread (native.test.ts): opens an engine, puts frames in flight and ends the
// thread without close(), so the addon's environment clean-up has to stop and join the workers.
import { parentPort } from 'worker_threads';
import { NativeEngine } from '../../src/engine/native';
import { nv12Frame, PRE } from './native-helpers';

void (async () => {
  const engine = await NativeEngine.open({
    backend: 'synthetic', modelPath: '', modelName: 'teardown', numThreads: 3, queueSize: 8, dropPolicy: 'block',
    topK: 5, preprocess: PRE, inferTimeoutMs: 1000, syntheticLatencyMs: 30,
  });
  for (let i = 0; i < 6; i++) void engine.submit(nv12Frame(224, 224, 900 + i));
  parentPort?.postMessage({ threads: engine.threads(), inFlight: engine.stats().queueDepth + engine.stats().inFlight });
  process.exit(0); // in a worker: ends this thread now, frames still in flight
})();
